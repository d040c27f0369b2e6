"""POST /api/v1/admin/backup: an online backup, streamed to an administrator. The process
that serves an embedded store is the only one that may open it, so it takes the backup
itself (`hmis-ld backup DIR --server URL` asks for one and unpacks it into DIR)."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from hmis_ld import clock
from hmis_ld.api.context import current_access, services
from hmis_ld.api.guard import require
from hmis_ld.api.spec import problem_responses
from hmis_ld.service.backup import online_backup

blp = Blueprint("backup", __name__, url_prefix="/api/v1", description="Backups (admin)")


@blp.route("/admin/backup", methods=["POST"])
@blp.doc(summary="A consistent backup of the whole store, taken while it serves, as a tar of its files (admin)",
         description="An embedded store's backup is an Oxigraph store folder; a SPARQL engine's is `store.nq`. "
                     "The backup holds every record, PII included, and is recorded in the audit trail.",
         responses={200: {"description": "the backup's files", "content": {"application/x-tar": {}}},
                    **problem_responses(403, _409="the store is kept in memory: there is no folder to back up")})
@require("admin")
def backup() -> Response:
    name = f"hmis-ld-backup-{clock.now().strftime('%Y%m%dT%H%M%SZ')}.tar"
    return Response(online_backup(services().store, current_access()), mimetype="application/x-tar",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
