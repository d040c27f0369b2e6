"""Every answer that shows names, SSN or DOB is an audited read, recorded here and nowhere else.

Routers never turn records into JSON themselves: a single record goes out through
render.record_response, which notes it here, and lists, pages and exports are made by `views`
and `records` below. Each notes which persons' identifiers the answer shows, and which fields.
When the answer goes out with a 2xx status, one read entry per table is written (who, which
records by key, which fields; never the values): a read names records by key only, since one
view may merge a person's records from several projects. An answer that fails showed nothing
and records nothing; if the entry cannot be written, the answer fails rather than going out
unrecorded. A person on two rows of a page, or in two parts of one answer, is read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from flask import Response, after_this_request, g

from hmis_ld.api.context import current_access, services
from hmis_ld.authz import audit
from hmis_ld.model import Table
from hmis_ld.model.values import Value, format_json
from hmis_ld.service.records import RecordView

_SHOWN = "hmis_ld_shown"  # in flask.g: table name -> (record keys, PII fields shown)


def views(shown: Iterable[RecordView], fields: Sequence[str] | None = None) -> list[dict[str, object]]:
    """The JSON of each view (only `fields`, in that order, when given), noted as shown."""
    out = []
    for view in shown:
        body = view.json() if fields is None else {
            k: format_json(view.record[k]) for k in fields if k in view.record}
        note(view.table, view.key, body)
        out.append(body)
    return out


def records(table: Table, rows: Iterable[Mapping[str, Value | None]]) -> list[dict[str, object]]:
    """The JSON of records read as plain field dicts (fields without a value left out), noted as shown."""
    out = []
    for row in rows:
        body = {k: format_json(v) for k, v in row.items() if v is not None}
        note(table, str(row.get(table.key, "")), body)
        out.append(body)
    return out


def note(table: Table, key: str, shown: Mapping[str, object]) -> None:
    """The answer being made shows `shown` (field -> value) of this record."""
    names = {n for n in table.pii_fields if shown.get(n) is not None}
    if names:
        note_fields(table, key, names)


def note_fields(table: Table, key: str, fields: Iterable[str]) -> None:
    """The answer being made shows these fields of this record, PII or not: for answers that
    are audited whatever they show (payment's, api.billing)."""
    ledger = g.get(_SHOWN)
    if ledger is None:
        ledger = {}
        setattr(g, _SHOWN, ledger)
        after_this_request(_record)
    keys, shown_fields = ledger.setdefault(table.name, ({}, set()))
    keys[key] = None
    shown_fields |= set(fields)


def note_view(view: RecordView) -> None:
    note(view.table, view.key, view.record)


def _record(response: Response) -> Response:
    ledger: dict[str, tuple[dict[str, None], set[str]]] | None = g.pop(_SHOWN, None)
    if ledger and 200 <= response.status_code < 300:
        store, access = services().store, current_access()
        for table, (keys, fields) in ledger.items():
            store.extend(audit.entry(access, "read", table, [(None, k) for k in keys], fields))
    return response
