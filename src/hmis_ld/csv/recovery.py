"""What a lenient import does with a value it cannot store as given: the row is kept, the
field is repaired or left out, and the import reports it as a warning.

- A living-situation code that is in fact a code of its companion subsidy-type list (the
  form older exports use: Destination 419 for a VASH subsidy) is stored as "rental by
  client, with ongoing housing subsidy" with that code as the subsidy type.
- A required coded field whose value cannot be read is stored as 99 ("data not collected")
  where its list has that code, so the record keeps the value SHACL asks for.
- Any other unreadable value is left out.

Which fields pair up is derived from the model's code lists (see `subsidy_fields`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from hmis_ld.model import MODEL, Table
from hmis_ld.model.schema import Field
from hmis_ld.model.values import Value, ValueProblem, parse_value

# HUD's data dictionary: a subsidy type is "null unless" its living situation is 435, "rental by
# client, with ongoing housing subsidy"; the subsidy types were once living situations themselves.
WITH_ONGOING_SUBSIDY = "435"
NOT_COLLECTED = "99"
PERSONAL_DATA = "(personal data)"


@dataclass(frozen=True)
class Note:
    """A warning about a kept row: its column, the reason, and the value (None for personal data).
    `problem` says what was wrong without the repair, for when the row is rejected after all."""

    column: str
    reason: str
    value: str | None = None
    problem: str | None = None


def _split(list_id: str) -> tuple[str, str]:
    stem, _, last = list_id.rpartition(".")
    return stem, last


@cache
def subsidy_fields(table: Table) -> dict[str, Field]:
    """Living-situation field name -> the field of the same table that holds its subsidy type.

    A pair is two coded fields of one table whose lists belong to one data element, the
    situation's list numbered (`3.12.1`) and holding 435, the subsidy's lettered (`3.12.A`),
    with no code in common: a subsidy code can then never be mistaken for a situation."""
    coded = [f for f in table.fields if f.code_list]
    out = {}
    for situation in coded:
        stem, last = _split(situation.code_list or "")
        codes = MODEL.code_lists[situation.code_list or ""].codes
        if not stem or not last.isdigit() or WITH_ONGOING_SUBSIDY not in codes:
            continue
        for subsidy in coded:
            s_stem, s_last = _split(subsidy.code_list or "")
            if s_stem == stem and re.fullmatch(r"[A-Z]+", s_last) and not (
                    codes.keys() & MODEL.code_lists[subsidy.code_list or ""].codes.keys()):
                out[situation.name] = subsidy
    return out


def said(f: Field, problem: ValueProblem) -> str:
    """The reason a value was refused, with the value unless it is personal data."""
    return f"{problem.reason}: {PERSONAL_DATA}" if f.pii else str(problem)


def shown(f: Field, problem: ValueProblem) -> str | None:
    return None if f.pii else str(problem.value)


def recover(table: Table, f: Field, raw: str, problem: ValueProblem, record: dict[str, Value]) -> Note:
    """Repair `record` for the value of `f` that could not be stored (`raw`); what was done."""
    text = raw.strip()
    subsidy = subsidy_fields(table).get(f.name)
    if subsidy is not None and text in MODEL.code_lists[subsidy.code_list or ""].codes:
        record[f.name] = parse_value(f, WITH_ONGOING_SUBSIDY)  # type: ignore[assignment]
        code = parse_value(subsidy, text)
        given = record.setdefault(subsidy.name, code)  # type: ignore[arg-type]
        kept = "" if given == code else f" (its own {subsidy.name} {given} kept)"
        return Note(f.name, f"subsidy type given as the living situation: stored as {f.name} "
                            f"{WITH_ONGOING_SUBSIDY} with {subsidy.name} {given}{kept}", text, said(f, problem))
    if f.required and f.code_list and NOT_COLLECTED in MODEL.code_lists[f.code_list].codes:
        record.setdefault(f.name, parse_value(f, NOT_COLLECTED))  # type: ignore[arg-type]
        return Note(f.name, f"{problem.reason}; required, stored as {NOT_COLLECTED} (data not collected): "
                            f"{_value(f, problem)}", shown(f, problem), said(f, problem))
    return Note(f.name, f"{problem.reason}; not stored: {_value(f, problem)}", shown(f, problem), said(f, problem))


def _value(f: Field, problem: ValueProblem) -> str:
    return PERSONAL_DATA if f.pii else repr(problem.value)
