"""The audit trail, for auditors: GET /api/v1/audit, and the audit of PII reads."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from flask import Response
from flask_smorest import Blueprint

from hmis_ld.api import params, render
from hmis_ld.api.auth import require
from hmis_ld.api.context import current_access, services
from hmis_ld.authz import audit
from hmis_ld.model import iris
from hmis_ld.model.schema import EXT
from hmis_ld.service.paging import paged
from hmis_ld.service.records import RecordView

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail (auditors only)")
P = audit.PROV

QUERY = f"""SELECT ?a ?time ?user ?account ?operation ?type (GROUP_CONCAT(DISTINCT ?key; separator=" ") AS ?keys)
  (GROUP_CONCAT(DISTINCT ?field; separator=" ") AS ?fields) ?record ?who ?since WHERE {{
  ?a a <{P}Activity> ; <{P}startedAtTime> ?time ; <{EXT}userID> ?user ; <{P}wasAssociatedWith> ?account ;
     <{EXT}operation> ?operation ; <{EXT}recordType> ?type ; <{EXT}recordKey> ?key .
  OPTIONAL {{ ?a <{EXT}field> ?field }}
  FILTER(sameTerm(?record, "") || EXISTS {{ ?a <{EXT}recordKey> ?record }})
  FILTER(sameTerm(?who, "") || ?user = ?who)
  FILTER(sameTerm(?since, "") || ?time >= ?since)
}} GROUP BY ?a ?time ?user ?account ?operation ?type ?record ?who ?since"""


@blp.route("/audit", methods=["GET"])
@blp.doc(summary="Audit entries: who did what to which record and when (never the values)",
         parameters=[{"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
                     for n, d in (("record", "a record key"), ("user", "an HMIS UserID"),
                                  ("since", "entries at or after this date-time"))])
@require("audit")
def trail() -> Response:
    since = params.datetime_arg("since")
    page = params.page()
    rows = list(services().store.select(QUERY + page.clause(), graphs=[iris.AUDIT], substitutions={
        "record": ox.Literal(params.arg("record") or ""), "who": ox.Literal(params.arg("user") or ""),
        "since": ox.Literal(since.strftime("%Y-%m-%dT%H:%M:%S"), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#dateTime")) if since else ox.Literal("")}))
    result = paged(rows, page)
    return render.list_response({"entries": [{
        "time": r["time"].value, "UserID": r["user"].value,
        "account": r["account"].value.removeprefix(iris.BASE + "account:"), "operation": r["operation"].value,
        "recordType": r["type"].value, "records": r["keys"].value.split(),
        "fields": r["fields"].value.split() if "fields" in r else []} for r in result.items]}, result.next_offset)


def record_pii_read(views: Iterable[RecordView]) -> None:
    """Reads that return names, SSN or DOB are audited (who read which client, which fields)."""
    access = current_access()
    returned = [v for v in views if any(f.pii and f.name in v.record for f in v.table.fields)]
    if not returned:
        return
    fields = {f.name for v in returned for f in v.table.fields if f.pii and f.name in v.record}
    services().store.extend(audit.entry(access, "read", returned[0].table.name,
                                        [(v.primary, v.key) for v in returned], fields))
