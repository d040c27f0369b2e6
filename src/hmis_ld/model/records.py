"""One record (a CSV row, a JSON object) as RDF quads, and back.

A record is a dict of field name -> typed value. Its quads: its type, one triple per
non-empty field, the link to each record it names (ours, child -> parent) and HUD's
parent -> child property. All sit in the record's graph, except PII fields, which sit
in the parallel PII graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld.model import iris
from hmis_ld.model.derived import derived_quads
from hmis_ld.model.schema import RDF_TYPE, Table
from hmis_ld.model.values import Value, from_literal, to_literal
from hmis_ld.store.base import Term

_TYPE = ox.NamedNode(RDF_TYPE)


@dataclass(frozen=True)
class Placement:
    """Where a record lives and how it names the records it links to."""

    source: str
    graph: str

    def subject(self, table: Table, key: str) -> str:
        if table.name == "Client":
            return iris.client_record_iri(self.source, key, self.graph)
        return iris.record_iri(self.source, table.name, key)

    def target(self, table_name: str, key: str) -> str:
        if table_name == "Client":
            return iris.client_record_iri(self.source, key, self.graph)
        return iris.record_iri(self.source, table_name, key)


def record_quads(table: Table, record: Mapping[str, Value], placement: Placement) -> list[ox.Quad]:
    key = str(record[table.key])
    subject = ox.NamedNode(placement.subject(table, key))
    graph = ox.NamedNode(placement.graph)
    pii = ox.NamedNode(iris.pii_graph(placement.graph))
    quads = [ox.Quad(subject, _TYPE, ox.NamedNode(table.cls), graph)]
    for name, value in record.items():
        if value is None:
            continue
        f = table.by_name[name]
        quads.append(ox.Quad(subject, ox.NamedNode(f.iri), to_literal(f, value), pii if f.pii else graph))
    for link in table.links:
        value = record.get(link.field)
        if value is None:
            continue
        target = ox.NamedNode(placement.target(link.target, str(value)))
        quads.append(ox.Quad(subject, ox.NamedNode(link.up), target, graph))
        if link.down:
            quads.append(ox.Quad(target, ox.NamedNode(link.down), subject, graph))
    return quads + derived_quads(table, record, subject, graph, pii)


def record_from_triples(table: Table, triples: Iterable[tuple[ox.NamedNode, Term]]) -> dict[str, Value]:
    """Fields of one record from its (predicate, object) pairs; links and types are skipped."""
    out: dict[str, Value] = {}
    by_iri = table.by_iri
    for predicate, obj in triples:
        f = by_iri.get(predicate.value)
        if f is not None and isinstance(obj, ox.Literal):
            out[f.name] = from_literal(f, obj)
    return {f.name: out[f.name] for f in table.fields if f.name in out}
