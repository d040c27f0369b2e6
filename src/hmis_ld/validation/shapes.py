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

from hmis_ld.model.schema import MODEL, Table
from hmis_ld.resources import resource_path

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPE_FILES = ("generated.ttl", "rules.ttl")


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


def closure(shapes: Graph, start: list[URIRef | BNode]) -> Graph:
    """The triples of `start` and of every node they lead to that the shapes graph describes."""
    out = Graph()
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
