"""The audit trail, for auditors: GET /api/v1/audit, and the audit of PII reads."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import pyoxigraph as ox
from flask import Response
from flask_smorest import Blueprint

from hmis_ld.api import params, render
from hmis_ld.api.auth import require
from hmis_ld.api.context import current_access, services
from hmis_ld.authz import audit
from hmis_ld.model import iris
from hmis_ld.model.schema import EXT
from hmis_ld.model.values import datetime_literal
from hmis_ld.service.paging import paged
from hmis_ld.service.records import RecordView

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail (auditors only)")
P = audit.PROV

# A page of activities first (anchored on the record key or the user when given, so the
# cost does not grow with the trail), then the details of just that page.
PAGE = {
    "record": f"SELECT DISTINCT ?a ?record ?who ?since WHERE {{ ?a <{EXT}recordKey> ?record ; <{EXT}userID> ?user ; "
              f"<{P}startedAtTime> ?time . FILTER(sameTerm(?who, \"\") || ?user = ?who) "
              f"FILTER(sameTerm(?since, \"\") || ?time >= ?since) }}",
    "user": f"SELECT DISTINCT ?a ?record ?who ?since WHERE {{ ?a <{EXT}userID> ?who ; <{P}startedAtTime> ?time . "
            f"FILTER(sameTerm(?since, \"\") || ?time >= ?since) "
            f"FILTER(sameTerm(?record, \"\") || EXISTS {{ ?a <{EXT}recordKey> ?record }}) }}",
    "any": f"SELECT DISTINCT ?a ?record ?who ?since WHERE {{ ?a <{P}startedAtTime> ?time . "
           f"FILTER(sameTerm(?since, \"\") || ?time >= ?since) "
           f"FILTER(sameTerm(?record, \"\") || sameTerm(?who, \"\")) }}",
}
DETAILS = f"""SELECT ?a ?time ?user ?account ?operation ?type ?key ?field WHERE {{
  VALUES ?a {{ %s }}
  ?a <{P}startedAtTime> ?time ; <{EXT}userID> ?user ; <{P}wasAssociatedWith> ?account ;
     <{EXT}operation> ?operation ; <{EXT}recordType> ?type .
  {{ ?a <{EXT}recordKey> ?key }} UNION {{ ?a <{EXT}field> ?field }}
}}"""


@blp.route("/audit", methods=["GET"])
@blp.doc(summary="Audit entries: who did what to which record and when (never the values)",
         parameters=[{"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
                     for n, d in (("record", "a record key"), ("user", "an HMIS UserID"),
                                  ("since", "entries at or after this date-time"))])
@require("audit")
def trail() -> Response:
    since, record, user = params.datetime_arg("since"), params.arg("record"), params.arg("user")
    page = params.page()
    store = services().store
    anchor = "record" if record else "user" if user else "any"
    rows = list(store.select(PAGE[anchor] + page.clause(), graphs=[iris.AUDIT], substitutions={
        "record": ox.Literal(record or ""), "who": ox.Literal(user or ""),
        "since": datetime_literal(since) if since else ox.Literal("")}))
    result = paged([r["a"] for r in rows], page)
    entries: dict[str, dict[str, object]] = {}
    if result.items:
        for r in store.select(DETAILS % " ".join(str(a) for a in result.items), graphs=[iris.AUDIT]):
            entry = entries.setdefault(r["a"].value, {
                "time": r["time"].value, "UserID": r["user"].value,
                "account": r["account"].value.removeprefix(iris.BASE + "account:"),
                "operation": r["operation"].value, "recordType": r["type"].value, "records": [], "fields": []})
            if "key" in r:
                entry["records"].append(r["key"].value)  # type: ignore[union-attr]
            if "field" in r:
                entry["fields"].append(r["field"].value)  # type: ignore[union-attr]
    ordered = sorted(entries.values(), key=lambda e: str(e["time"]))
    return render.list_response({"entries": ordered}, result.next_offset)


def record_pii_read(views: Iterable[RecordView], shown: Collection[str] | None = None) -> None:
    """Reads that return names, SSN or DOB are audited (who read which client, which fields;
    `shown`: the fields the answer shows, when not whole records). A read names records by key
    only: a view may merge a person's records from several projects, and each quad of the
    entry costs the response time (about 20 us at 100k)."""
    keys: dict[str, None] = {}  # a person on two rows of a page is read once
    fields: set[str] = set()
    table = ""
    for view in views:
        names = {n for n in view.table.pii_fields if n in view.record and (shown is None or n in shown)}
        if names:
            keys[view.key] = None
            fields |= names
            table = view.table.name
    if keys:
        services().store.extend(audit.entry(current_access(), "read", table, [(None, k) for k in keys], fields))
