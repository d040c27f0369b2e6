"""Every read names its dataset: a read without one cannot be written by mistake."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from backends import new_store

from hmis_ld.store import EVERY_GRAPH

SRC = Path(__file__).resolve().parents[1] / "src" / "hmis_ld"
READS = {"select", "ask", "construct"}


def test_a_read_without_a_dataset_raises() -> None:
    store = new_store()
    for read in (store.select, store.ask, store.construct):
        with pytest.raises(TypeError):
            read("ASK { ?s ?p ?o }")  # type: ignore[call-arg]
        with pytest.raises(TypeError):
            read("ASK { ?s ?p ?o }", graphs=None)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            read("ASK { ?s ?p ?o }", graphs="urn:hmis-ld:graph:directory")
    assert store.ask("ASK { ?s ?p ?o }", graphs=EVERY_GRAPH) is False
    assert store.ask("ASK { ?s ?p ?o }", graphs=[]) is False


def _reads_without_dataset(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in READS
                and "store" in ast.unparse(node.func.value).lower()
                and not any(k.arg == "graphs" for k in node.keywords)):
            found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_every_store_read_in_the_code_names_its_dataset() -> None:
    missing = [where for path in sorted(SRC.rglob("*.py")) for where in _reads_without_dataset(path)]
    assert not missing, f"store reads without graphs=: {missing}"


def test_reaching_every_graph_is_rare_and_each_place_says_why() -> None:
    """EVERY_GRAPH is the system dataset: each use has a comment on its line or the line above
    that gives the reason, and the places are few enough to review."""
    uses = []
    for path in sorted(SRC.rglob("*.py")):
        if path.parent.name == "store":
            continue
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Name) and node.id == "EVERY_GRAPH":
                n = node.lineno - 1
                uses.append(f"{path.relative_to(SRC)}:{n + 1}")
                said = [ln for ln in lines[max(0, n - 1):n + 1] if "  # " in ln or ln.strip().startswith("# ")]
                assert said, f"{path.relative_to(SRC)}:{n + 1} reaches every graph without saying why"
    assert len(uses) <= 16, uses
