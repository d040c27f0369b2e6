"""The committed SHACL shapes, split per table.

pyshacl's cost grows with the number of shapes it checks, so a record is validated against
only the shapes that can target it: those whose sh:targetClass is its table's class, or
whose sh:targetSubjectsOf is one of its table's fields. Each table's part carries
everything its shapes point to (property shapes, sh:in lists, SPARQL constraints and their
prefix declarations).
"""

from __future__ import annotations

from collections import deque

from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.paths import Path

from hmis_ld.model.schema import MODEL, Table
from hmis_ld.resources import resource_path

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPE_FILES = ("generated.ttl", "rules.ttl")


class FrozenGraph(Graph):
    """A graph that remembers the answer to each triple pattern.

    pyshacl reads every shape's parameters and sh:in lists again on each run; the shapes
    do not change once loaded, so remembering the answers saves about a quarter of the
    time per record. Adding a triple that is not there yet forgets them.
    """

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[tuple, list] = {}

    def add(self, triple: tuple) -> FrozenGraph:
        if triple not in self:
            self._answers.clear()
            super().add(triple)
        return self

    def triples(self, pattern):  # type: ignore[override]
        if isinstance(pattern[1], Path):
            yield from super().triples(pattern)
            return
        answer = self._answers.get(pattern)
        if answer is None:
            answer = self._answers[pattern] = list(super().triples(pattern))
        yield from answer


def load_shapes() -> Graph:
    graph = Graph()
    for name in SHAPE_FILES:
        graph.parse(resource_path("shapes", name), format="turtle")
    return graph


def shapes_by_table(shapes: Graph) -> dict[str, Graph]:
    return {table.name: closure(shapes, roots(shapes, table)) for table in MODEL.tables.values()}


def roots(shapes: Graph, table: Table) -> list[URIRef | BNode]:
    """The shapes that target records of `table`."""
    found = set(shapes.subjects(SH.targetClass, URIRef(table.cls)))
    for f in table.fields:
        found.update(shapes.subjects(SH.targetSubjectsOf, URIRef(f.iri)))
    return sorted(found)


def closure(shapes: Graph, start: list[URIRef | BNode]) -> FrozenGraph:
    """The triples of `start` and of every node they lead to that the shapes graph describes."""
    out = FrozenGraph()
    seen = set(start)
    queue = deque(start)
    while queue:
        node = queue.popleft()
        for _, p, o in shapes.triples((node, None, None)):
            out.add((node, p, o))
            if o not in seen and (isinstance(o, BNode) or (o, None, None) in shapes):
                seen.add(o)
                queue.append(o)
    return out
