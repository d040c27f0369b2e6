"""One record (a CSV row, a JSON object) as RDF quads, and back.

A record is a dict of field name -> typed value. Its quads: its type, one triple per
non-empty field, the link to each record it names (ours, child -> parent), and while it is
not deleted HUD's parent -> child property and the fields it restates on its parent (an
Exit's date on its enrollment), so a query that walks down from a parent meets live
records only and tests no deletion mark. All sit in the record's graph, except PII fields,
which sit in the parallel PII graph.

Beside its field triples each graph also holds the record's fields as one JSON literal
(`ext:fields`). Oxigraph decodes every IRI and long literal of a result from its
dictionary, about a microsecond each, so reading a page of 50 records field by field
costs some 1,600 rows; their documents cost 50 to 100. The field triples stay the data
that SPARQL, SHACL and export use; the documents are written with them, in the same
transaction, by this one function.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from hmis_ld.model import iris
from hmis_ld.model.content_hash import CONTENT_HASH
from hmis_ld.model.derived import SEARCH_KEYS, UPDATED_ON, derived_quads
from hmis_ld.model.inference import derived_type_quads
from hmis_ld.model.schema import ACTIVE_UNTIL, EXT, FORMER_CLIENT_ID, RDF_TYPE, RESTATED, Field, Table
from hmis_ld.model.values import FROM_LEXICAL, Value, lexical, literal, to_literal
from hmis_ld.store.base import Term

_TYPE = ox.NamedNode(RDF_TYPE)
FIELDS = EXT + "fields"
_FIELDS = ox.NamedNode(FIELDS)
_JSON = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON")
# Predicates that repeat a record's own fields for faster reads (its documents, the day of its
# DateUpdated): not part of the record as JSON-LD and Turtle show it.
READ_COPIES = frozenset({FIELDS, UPDATED_ON})
# Every predicate the server keeps for itself beside a record's own fields and links: its read
# copies, its search and blocking keys (model.derived), when an enrollment may be active
# (model.activity), the fields children restate on their parents, a ClientID from before they
# were keyed, the hash an import compares (model.content_hash). Never part of a record's
# representation in any format (JSON-LD, Turtle).
INTERNAL = frozenset({*READ_COPIES, *SEARCH_KEYS, ACTIVE_UNTIL, FORMER_CLIENT_ID, CONTENT_HASH,
                      *(predicate for *_, predicate in RESTATED)})
# Merging and splitting persons relabel PersonalID triples in place (service.identity), so
# documents leave PersonalID out and readers take it from its triple.
RELABELLED = "PersonalID"


@dataclass(frozen=True)
class Placement:
    """Where a record lives and how it names the records it links to. Writing a client
    record also needs the store's `client_key`, which keys its ClientID."""

    source: str
    graph: str
    client_key: bytes = b""

    def subject(self, table: Table, key: str) -> str:
        if table.name == "Client":
            return iris.client_record_iri(self.source, key, self.graph)
        return iris.record_iri(self.source, table.name, key)

    def target(self, table_name: str, key: str) -> str:
        if table_name == "Client":
            return iris.client_record_iri(self.source, key, self.graph)
        return iris.record_iri(self.source, table_name, key)


def record_quads(table: Table, record: Mapping[str, Value], placement: Placement, subject_iri: str | None = None
                 ) -> list[ox.Quad]:
    """`subject_iri`: the IRI the record already has. A client record keeps the one it was
    made with after its person is merged into another (its PersonalID then names the
    survivor, whose own record in the same graph has the IRI made from it)."""
    key = str(record[table.key])
    subject = ox.NamedNode(subject_iri or placement.subject(table, key))
    graph_iri, pii_iri = placement.graph, iris.pii_graph(placement.graph)
    graph, pii = ox.NamedNode(graph_iri), ox.NamedNode(pii_iri)
    texts = [(table.by_name[name], lexical(value)) for name, value in record.items() if value is not None]
    quads = [ox.Quad(subject, _TYPE, _node(table.cls), graph)]
    quads += [ox.Quad(subject, _node(f.iri), literal(f, text), pii if f.pii else graph) for f, text in texts]
    quads += _documents(table, subject, graph_iri, [(f, text, pii_iri if f.pii else graph_iri) for f, text in texts])
    for link in table.links:
        value = record.get(link.field)
        if value is None:
            continue
        target = ox.NamedNode(placement.target(link.target, str(value)))
        quads.append(ox.Quad(subject, ox.NamedNode(link.up), target, graph))
        if link.down and record.get("DateDeleted") is None:
            quads.append(ox.Quad(target, ox.NamedNode(link.down), subject, graph))
    return (quads + restated_quads(table, record, placement)
            + derived_quads(table, record, subject, graph, pii, placement.client_key)
            + derived_type_quads(table, record, subject, graph))


def restated_quads(table: Table, record: Mapping[str, Value], placement: Placement) -> list[ox.Quad]:
    """The fields this record restates on its parent (schema.RESTATED), unless it is deleted."""
    if record.get("DateDeleted") is not None:
        return []
    quads = []
    for child, link_field, restated, predicate in RESTATED:
        value, parent = record.get(restated), record.get(link_field)
        if child == table.name and value is not None and parent is not None:
            target = placement.target(table.link_by_field[link_field].target, str(parent))
            quads.append(ox.Quad(ox.NamedNode(target), ox.NamedNode(predicate),
                                 to_literal(table.by_name[restated], value), ox.NamedNode(placement.graph)))
    return quads


def document_quads(table: Table, subject: ox.NamedNode, graph: ox.NamedNode,
                   fields: Iterable[tuple[ox.NamedNode, Term, ox.NamedNode | ox.DefaultGraph]]) -> list[ox.Quad]:
    """The record's `ext:fields` documents from its field triples (predicate, object, graph)."""
    return _documents(table, subject, graph.value,
                      [(f, obj.value, where.value) for predicate, obj, where in fields
                       if (f := table.by_iri.get(predicate.value)) is not None and isinstance(obj, ox.Literal)])


def _documents(table: Table, subject: ox.NamedNode, graph: str, fields: Iterable[tuple[Field, str, str]]
               ) -> list[ox.Quad]:
    """From (field, lexical form, graph): one document per graph, always one in the record's
    own graph, in the table's field order."""
    documents: dict[str, dict[str, str]] = {graph: {}}
    for f, text, where in fields:
        if f.name != RELABELLED:
            documents.setdefault(where, {})[f.name] = text
    order = _converters(table)
    texts = {where: json.dumps({n: doc[n] for n in order if n in doc}, ensure_ascii=False, separators=(",", ":"))
             for where, doc in documents.items() if doc or where == graph}
    return [ox.Quad(subject, _FIELDS, ox.Literal(text, datatype=_JSON), ox.NamedNode(where)) for where, text in texts.items()]


def record_from_documents(table: Table, documents: Iterable[str], personal_id: str | None = None
                          ) -> dict[str, Value]:
    """Fields of one record from its `ext:fields` documents (one per graph it may be read in)."""
    out: dict[str, Value] = {}
    convert = _converters(table)
    for text in documents:
        for name, text_value in json.loads(text).items():
            out[name] = convert[name](text_value)
    if personal_id is not None and RELABELLED in convert:
        out[RELABELLED] = personal_id
    return {name: out[name] for name in convert if name in out}


@cache
def _node(iri: str) -> ox.NamedNode:
    """A class's or field's IRI as a node, made once: the model has a few hundred."""
    return ox.NamedNode(iri)


@cache
def _converters(table: Table) -> dict[str, Callable[[str], Value]]:
    """Each field's lexical-form reader, in the table's field order (a page reads thousands)."""
    return {f.name: FROM_LEXICAL[f.kind] for f in table.fields}
