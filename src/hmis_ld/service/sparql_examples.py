"""Example queries for researchers, one per baseline scenario: queries/examples/*.rq, each
opening with a `# title: ...` line. The service description and the console list them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from hmis_ld.resources import resource_path

TITLE = "# title:"


@dataclass(frozen=True)
class Example:
    name: str  # the scenario template it follows (queries/<name>.rq)
    title: str
    query: str


@cache
def examples() -> tuple[Example, ...]:
    folder = resource_path("queries", "examples")
    found = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first, _, rest = text.partition("\n")
        if not first.startswith(TITLE):
            raise ValueError(f"{path.name} must open with a '{TITLE} ...' line")
        found.append(Example(path.stem, first.removeprefix(TITLE).strip(), rest))
    return tuple(found)
