"""The JSON-LD view of the model: one @context for every table, and records rendered
as plain dicts against it (fast; pyld is for tests and JSON-LD input, not responses).

Expanding a rendered record with the context gives exactly the record's own stored
triples: its type, its fields with their datatypes, and its links to parent records; never
what the server keeps for itself (model.records.INTERNAL), which the context has no term for.
"""

from __future__ import annotations

from functools import cache

from hmis_ld.model.records import INTERNAL, Placement
from hmis_ld.model.schema import EXT, HMIS, MODEL, XSD, Table
from hmis_ld.model.values import Value, format_json, to_literal

CONTEXT_PATH = "/api/v1/context.jsonld"


def link_term(up: str) -> str:
    return up.removeprefix(EXT)


@cache
def context() -> dict[str, object]:
    terms: dict[str, object] = {"@version": 1.1, "hmis": HMIS, "ext": EXT, "xsd": XSD}
    for table in MODEL.tables.values():
        for f in table.fields:
            if f.iri in INTERNAL:
                continue
            term: dict[str, object] = {"@id": f.iri}
            if f.kind != "string":
                term["@type"] = f.datatype
            terms[f.name] = term
        for link in table.links:
            if link.up not in INTERNAL:
                terms[link_term(link.up)] = {"@id": link.up, "@type": "@id"}
    return {"@context": terms}


def _jsonld_value(table: Table, name: str, value: Value) -> object:
    if table.by_name[name].kind == "decimal":  # the stored lexical form, not a JSON float
        return to_literal(table.by_name[name], value).value
    return format_json(value)


def record_jsonld(table: Table, record: dict[str, Value], subject: str, placement: Placement,
                  context_url: str) -> dict[str, object]:
    doc: dict[str, object] = {"@context": context_url, "@id": subject, "@type": table.cls}
    for name, value in record.items():
        doc[name] = _jsonld_value(table, name, value)
    for link in table.links:
        if link.field in record:
            doc[link_term(link.up)] = placement.target(link.target, str(record[link.field]))
    return doc
