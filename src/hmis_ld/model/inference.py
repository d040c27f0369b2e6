"""Derived classes (ontology/derived.ttl), compiled once into a per-record check.

A class defined as "a HUD class and hasValue restrictions" is entailed by one record's own
fields, so its rdf:type triple is written with the record, in the record's own graph: the
caller's dataset then covers it like the fields it comes from, and a rewrite of the record
replaces it. Running owlrl on each record's graph would give the same triples
(tests/test_derived_classes.py compares them) at some 80 ms a record, where the check costs a
few microseconds (bench/derived_classes.py). Open enrollments depend on two records and are maintained with
`ext:activeUntil` (model.activity).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from rdflib import OWL, RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from hmis_ld.model.schema import EXT, MODEL, RDF_TYPE, Table
from hmis_ld.model.values import Value, to_literal
from hmis_ld.resources import resource_path

OPEN_ENROLLMENT = EXT + "OpenEnrollment"
_TYPE = ox.NamedNode(RDF_TYPE)


@dataclass(frozen=True)
class DerivedClass:
    """`iri`: the records of `table` whose every field in `conditions` holds one of its values."""

    iri: str
    table: Table
    conditions: tuple[tuple[str, frozenset[str]], ...]  # (field name, lexical values)

    def holds(self, record: Mapping[str, Value]) -> bool:
        for name, values in self.conditions:
            value = record.get(name)
            if value is None or to_literal(self.table.by_name[name], value).value not in values:
                return False
        return True


def ontology_graph() -> Graph:
    return Graph().parse(resource_path("ontology", "derived.ttl"), format="turtle")


def _members(graph: Graph, node: BNode | URIRef, predicate: URIRef) -> list:
    head = graph.value(node, predicate)
    return list(Collection(graph, head)) if head is not None else []


def _has_value(graph: Graph, node: BNode | URIRef) -> tuple[str, str]:
    prop, value = graph.value(node, OWL.onProperty), graph.value(node, OWL.hasValue)
    if prop is None or not isinstance(value, Literal):
        raise ValueError(f"derived.ttl: {node} is not a hasValue restriction on a datatype property")
    return str(prop), str(value)


def _compile(graph: Graph, cls: URIRef) -> DerivedClass:
    """One definition: owl:intersectionOf (a table's class, hasValue restrictions or unions of
    hasValue restrictions on one property). Anything else is refused rather than half read."""
    definition = graph.value(cls, OWL.equivalentClass)
    members = _members(graph, definition, OWL.intersectionOf) if definition is not None else []
    tables = [MODEL.by_class[str(m)] for m in members if isinstance(m, URIRef) and str(m) in MODEL.by_class]
    if len(tables) != 1:
        raise ValueError(f"derived.ttl: {cls} must intersect exactly one table's class")
    table = tables[0]
    conditions: dict[str, set[str]] = {}
    for member in members:
        if isinstance(member, URIRef):
            continue
        alternatives = _members(graph, member, OWL.unionOf) or [member]
        pairs = [_has_value(graph, a) for a in alternatives]
        if len({p for p, _ in pairs}) != 1 or pairs[0][0] not in table.by_iri:
            raise ValueError(f"derived.ttl: {cls} restricts a property {table.name} has no field for")
        name = table.by_iri[pairs[0][0]].name
        if name in conditions:
            raise ValueError(f"derived.ttl: {cls} restricts {name} twice")
        conditions[name] = {v for _, v in pairs}
    return DerivedClass(str(cls), table, tuple((n, frozenset(v)) for n, v in conditions.items()))


@cache
def derived_classes() -> tuple[DerivedClass, ...]:
    """Every class derived.ttl defines from one record's fields."""
    graph = ontology_graph()
    return tuple(_compile(graph, cls) for cls in sorted(graph.subjects(RDF.type, OWL.Class))
                 if isinstance(cls, URIRef) and graph.value(cls, OWL.equivalentClass) is not None)


@cache
def _by_table() -> dict[str, tuple[DerivedClass, ...]]:
    return {t.name: tuple(d for d in derived_classes() if d.table is t) for t in MODEL.tables.values()}


def derived_type_quads(table: Table, record: Mapping[str, Value], subject: ox.NamedNode,
                       graph: ox.NamedNode) -> list[ox.Quad]:
    """The derived classes of one record, in its own graph."""
    return [ox.Quad(subject, _TYPE, ox.NamedNode(d.iri), graph) for d in _by_table()[table.name] if d.holds(record)]


def derived_iris() -> frozenset[str]:
    """Every derived class: types the server keeps for queries, not part of a record's representation."""
    return frozenset({OPEN_ENROLLMENT, *(d.iri for d in derived_classes())})


def pattern(derived: DerivedClass) -> str:
    """SPARQL pattern binding each record ?s (in its graph ?g) the definition covers."""
    tests = " ".join(
        f"?s <{derived.table.by_name[name].iri}> ?v{i} "
        f"FILTER(STR(?v{i}) IN ({', '.join(str(ox.Literal(v)) for v in sorted(values))}))"
        for i, (name, values) in enumerate(derived.conditions))
    return f"GRAPH ?g {{ ?s <{RDF_TYPE}> <{derived.table.cls}> . {tests} }}"

