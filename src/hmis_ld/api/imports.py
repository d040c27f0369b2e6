"""Live imports (admin): POST /api/v1/imports uploads an HMIS CSV export (a zip) and answers
202 with its job's URL; GET /api/v1/imports/{job_id} shows the job's progress and, once done,
its report; GET /api/v1/imports lists the caller's jobs. The jobs are service.imports; the
upload's size limit is api.limits' (HMIS_LD_IMPORT_MAX_BYTES)."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from flask_smorest import Blueprint
from werkzeug.exceptions import UnsupportedMediaType

from hmis_ld.api import render
from hmis_ld.api.context import EXTENSION, current_access
from hmis_ld.api.guard import require
from hmis_ld.api.schemas import PROBLEM
from hmis_ld.api.spec import problem_responses
from hmis_ld.service.imports import ImportJobs
from hmis_ld.service.problems import Problem

blp = Blueprint("imports", __name__, url_prefix="/api/v1",
                description="Live imports of HMIS CSV FY2026 exports while the API serves (admin)")
JOBS = "hmis_ld.imports"
DEFAULT_MAX_UNPACKED = 8 * 1024**3  # bytes the zip's files may unpack to (HMIS_LD_IMPORT_MAX_UNPACKED_BYTES)
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
CHUNK = 1024 * 1024
BINARY = {"type": "string", "format": "binary"}
_JOB = {"type": "object", "properties": {
    "id": {"type": "string"}, "status": {"type": "string", "enum": ["checking", "importing", "done", "failed"]},
    "created": {"type": "string"}, "finished": {"type": "string"}, "error": {"type": "string"},
    "progress": {"type": "object", "properties": {k: {"type": "integer"} for k in
                                                  ("files_done", "files_total", "rows_done", "rows_total")}},
    "report": {"type": "object", "description": "what `hmis-ld import-csv` prints: `summary` (its table), "
                                                "per-file counts, rows, quads written, seconds and problems"}}}


@blp.record_once
def _jobs_for(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    app.extensions[JOBS] = ImportJobs(app.extensions[EXTENSION].store, str(app.config["SOURCE"]),
                                      int(app.config.get("IMPORT_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED)))
    ImportJobs.sweep_uploads()


def _jobs() -> ImportJobs:
    return current_app.extensions[JOBS]


@blp.route("/imports", methods=["POST"])
@blp.doc(summary="Upload an HMIS CSV FY2026 export (a zip) and import it in the background (admin)",
         description="The body is the zip (application/zip), or a form (multipart/form-data) with the zip in "
                     "its `file` field. Answers 202 with `Location`, the job to follow. See docs/csv.md.",
         requestBody={"required": True, "content": {
             "application/zip": {"schema": BINARY},
             "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                "properties": {"file": BINARY}}}}},
         responses={202: {"description": "Accepted: the job's URL in `Location`",
                          "content": {"application/json": {"schema": _JOB}}},
                    **problem_responses(400, 403, 409, 422),
                    413: {"description": "The body, or what the zip unpacks to, is over its limit",
                          "content": {"application/problem+json": {"schema": PROBLEM}}},
                    415: {"description": "Neither application/zip nor multipart/form-data",
                          "content": {"application/problem+json": {"schema": PROBLEM}}}})
@require("admin")
def upload() -> Response:
    jobs = _jobs()
    path = jobs.upload_path()
    try:
        _save_body(path)
        job = jobs.start(path, current_access())
    except BaseException:
        jobs.discard(path)
        raise
    location = f"{request.root_url.rstrip('/')}/api/v1/imports/{job}"
    return render.json_response(jobs.get(job, current_access()), status=202, headers={"Location": location})


@blp.route("/imports", methods=["GET"])
@blp.doc(summary="Your import jobs, newest first, without their reports (admin)")
@require("admin")
def jobs() -> Response:
    return render.json_response({"imports": _jobs().list(current_access())})


@blp.route("/imports/<string:job_id>", methods=["GET"])
@blp.doc(summary="One of your import jobs: its progress, and its report once done (admin)",
         responses={200: {"description": "The job", "content": {"application/json": {"schema": _JOB}}},
                    **problem_responses(403, 404)})
@require("admin")
def job(job_id: str) -> Response:
    return render.json_response(_jobs().get(job_id, current_access()))


def _save_body(path: Path) -> None:
    """The zip of the request into `path`: the body itself, or a form's `file` field."""
    if request.mimetype == "multipart/form-data":
        sent = request.files.get("file")
        if sent is None:
            raise Problem("send the export in the form's `file` field", status=400)
        sent.save(path)
    elif request.mimetype in ZIP_TYPES:
        with path.open("wb") as out:
            if request.content_length is None:  # chunked: api.limits has read it, within the limit
                out.write(request.get_data(cache=True))
            else:
                shutil.copyfileobj(request.stream, out, CHUNK)
    else:
        raise UnsupportedMediaType("send the export as application/zip, or as multipart/form-data with a "
                                   "`file` field")
    if path.stat().st_size == 0:
        raise Problem("the export is empty: send the zip of the HMIS CSV files", status=400)
