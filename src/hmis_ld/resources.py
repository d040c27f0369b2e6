"""Locate the committed, derived artefacts (model, SPARQL templates, shapes).

An installed wheel carries them under `hmis_ld/_data`; a source checkout (editable
install, tests) reads them from the repository's top-level folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parent / "_data"
_REPO = Path(__file__).resolve().parents[2]


def resource_path(folder: str, name: str) -> Path:
    """Path of `folder/name`, e.g. `resource_path("queries", "client_search.rq")`."""
    for root in (_PACKAGED, _REPO):
        candidate = root / folder / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{folder}/{name} is neither packaged nor in the source tree")
