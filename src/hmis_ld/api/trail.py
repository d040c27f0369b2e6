"""The audit trail, for auditors: GET /api/v1/audit. (Reads that show PII are recorded by
api.disclosure; the entries are read by service.audit_trail.)"""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from hmis_ld.api import params, render
from hmis_ld.api.context import services
from hmis_ld.api.guard import require
from hmis_ld.service.audit_trail import audit_entries

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail (auditors only)")


@blp.route("/audit", methods=["GET"])
@blp.doc(summary="Audit entries: who did what to which record and when (never the values)",
         parameters=[{"name": n, "in": "query", "required": False, "schema": {"type": "string"}, "description": d}
                     for n, d in (("record", "a record key"), ("user", "an HMIS UserID"),
                                  ("since", "entries at or after this date-time"))])
@require("audit")
def trail() -> Response:
    since, record, user = params.datetime_arg("since"), params.arg("record"), params.arg("user")
    page = audit_entries(services().store, params.page(), record=record, user=user, since=since)
    return render.list_response({"entries": page.items}, page.next_offset)
