"""Typed field values from a request body: every bad field is reported at once, and the
fields the server sets are never taken from a body."""

from __future__ import annotations

from hmis_ld.model import Table
from hmis_ld.model.schema import SYSTEM_FIELDS
from hmis_ld.model.values import Value, ValueProblem, parse_value
from hmis_ld.service.problems import FieldProblem, Invalid


def parse_body(table: Table, body: object, *, partial: bool) -> dict[str, Value | None]:
    """Typed values from a JSON object; every bad field is reported at once."""
    if not isinstance(body, dict):
        raise Invalid([FieldProblem(None, None, "the body must be a JSON object")], status=400)
    problems: list[FieldProblem] = []
    values: dict[str, Value | None] = {}
    for name, raw in body.items():
        f = table.by_name.get(name)
        if f is None:
            problems.append(FieldProblem(name, None, f"{table.name} has no field {name}"))
            continue
        if name in SYSTEM_FIELDS and name != table.key:
            continue  # set by the server: a body never decides who wrote what, or when
        try:
            values[name] = parse_value(f, raw)
        except ValueProblem as exc:
            problems.append(FieldProblem(name, None if f.pii else raw, exc.reason))
    if not partial:
        reported = {p.field for p in problems}
        for f in table.fields:
            if f.required and f.name not in SYSTEM_FIELDS and f.name != table.key and values.get(f.name) is None \
                    and f.name not in reported:
                problems.append(FieldProblem(f.name, None, "required"))
    if problems:
        raise Invalid(problems)
    return values
