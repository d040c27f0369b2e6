"""Marshmallow schemas generated from the model, for the OpenAPI document.

Request bodies are parsed by the model's own value rules (the same as CSV import), so
these schemas describe rather than validate.
"""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate

from hmis_ld.model import MODEL, Field, Table
from hmis_ld.model.schema import SYSTEM_FIELDS


def _field(f: Field, *, required: bool) -> fields.Field:
    meta: dict[str, object] = {"x-semantic-uri": f.iri}
    if f.data_element:
        meta["description"] = f"HMIS data element {f.data_element}"
    if f.pii:
        meta["x-pii"] = True
    kind = f.kind
    validators: list = []
    if f.code_list:
        codes = MODEL.code_lists[f.code_list].codes
        meta["x-hud-list"] = f.code_list
        meta["description"] = "; ".join(f"{code} = {label}" for code, label in codes.items())
        if kind == "integer":
            validators.append(validate.OneOf([int(c) for c in codes]))
        else:
            validators.append(validate.OneOf(list(codes)))
    if kind == "string" and f.max_length:
        validators.append(validate.Length(max=f.max_length))
    common = {"required": required, "allow_none": not required, "validate": validators, "metadata": meta}
    if kind == "integer":
        return fields.Integer(strict=True, **common)
    if kind == "decimal":
        return fields.Float(**common)
    if kind == "date":
        return fields.Date(**common)
    if kind == "dateTime":
        return fields.DateTime(format="%Y-%m-%dT%H:%M:%S", **common)
    return fields.String(**common)


@cache
def record_schema(table: Table) -> type[Schema]:
    """A record as the API returns it."""
    return Schema.from_dict({f.name: _field(f, required=False) for f in table.fields}, name=table.name)


@cache
def input_schema(table: Table) -> type[Schema]:
    """A record as a client sends it: the server sets the key (when omitted) and system fields."""
    return Schema.from_dict(
        {f.name: _field(f, required=f.required and f.name != table.key)
         for f in table.fields if f.name not in SYSTEM_FIELDS},
        name=f"{table.name}Input",
    )


@cache
def patch_schema(table: Table) -> type[Schema]:
    return Schema.from_dict(
        {f.name: _field(f, required=False) for f in table.fields if f.name not in SYSTEM_FIELDS},
        name=f"{table.name}Patch",
    )


PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": ["string", "null"]}, "value": {}, "message": {"type": "string"},
            "severity": {"type": "string", "enum": ["Violation", "Warning", "Info"]}}}},
    },
}

