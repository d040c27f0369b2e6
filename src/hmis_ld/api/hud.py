"""HUD's HMIS API 0.5 operations (baseline scenarios), plus clean extensions for the
scenarios the draft cannot express. Deviations from the draft: docs/hud-deviations.md."""

from __future__ import annotations

import datetime as dt
import re

from flask import Response, request
from flask_smorest import Blueprint

from hmis_ld import clock
from hmis_ld.api import disclosure, params, render
from hmis_ld.api.context import current_access, services
from hmis_ld.api.intake import create_client
from hmis_ld.api.jsonld_input import request_body
from hmis_ld.api.problems import problem_response
from hmis_ld.api.schemas import input_schema, patch_schema
from hmis_ld.api.spec import PAGE_PARAMS, problem_responses
from hmis_ld.model import MODEL, Field
from hmis_ld.model.derived import SEARCH_FIELDS
from hmis_ld.model.values import Value, ValueProblem, format_json, parse_date
from hmis_ld.service.export import ExportFilters, export_records
from hmis_ld.service.problems import FieldProblem, Invalid
from hmis_ld.service.scenarios import SearchCriteria

blp = Blueprint("hud", __name__, url_prefix="/api/v1", description="HUD HMIS API 0.5 baseline scenarios")

FUNDERS = MODEL.code_lists["2.06.1"].codes
PROJECT_TYPES = MODEL.code_lists["2.02.6"].codes
CLIENT = MODEL.tables["Client"]
PERSON_FIELDS = ("PersonalID", "FirstName", "LastName", "DOB")  # who each entry of GET /clients is


def _q(name: str, kind: str, text: str, **schema: object) -> dict:
    return {"name": name, "in": "query", "required": False, "description": text,
            "schema": {"type": kind, **schema}}


DATE = {"format": "date"}
ENTRY = _q("EntryDate", "string", "EntryDate on or after this date (also accepted: entryDate)", **DATE)
EXIT = _q("ExitDate", "string", "exited on or before this date; open enrollments drop out (also: exitDate)", **DATE)
FUNDER = _q("Funder", "integer", "HMIS 2.06.1 funder code (3 = HUD: CoC - Rapid Re-Housing)",
            enum=[int(c) for c in FUNDERS])
PTYPE = _q("ProjectType", "integer", "HMIS 2.02.6 project type (13 = Rapid Re-Housing)",
           enum=[int(c) for c in PROJECT_TYPES])


def _path(name: str, text: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": text,
            "schema": {"type": "string", "maxLength": 32}}


def _compact(record: dict[str, Value | None]) -> dict[str, object]:
    """HUD's schemas type these fields as strings: absent, not null, when there is no value."""
    return {k: format_json(v) for k, v in record.items() if v is not None}


def _search_property(f: Field) -> dict[str, object]:
    """Names are searched by prefix and SSN by its last four too, so only the key keeps its length."""
    if f.kind == "date":
        return {"type": "string", "format": "date"}
    if f.name == "SSN":
        return {"type": "string", "description": "nine digits, or the last four"}
    return {"type": "string", **({"maxLength": f.max_length} if f.name == CLIENT.key else {})}


@blp.route("/client/search", methods=["POST"])
@blp.doc(summary="Scenario 1: search clients by PersonalID, name prefix, DOB or SSN (full or last four)",
         description="Identifying data stays in the body, never in the URL. A client the caller may not see "
                     "is never matched.",
         requestBody={"required": True, "content": {"application/json": {"schema": {
             "type": "object", "properties": {name: _search_property(CLIENT.by_name[name]) for name in SEARCH_FIELDS}}}}},
         parameters=PAGE_PARAMS,
         responses={200: {"description": "Matching clients"}, **problem_responses(400, 404)})
def client_search() -> Response:
    criteria = _search_criteria(request.get_json(silent=True))
    page = services().scenarios.search(criteria, current_access(), params.page())
    if not page.items:
        return problem_response(404, "Not found", "no matching clients", message="PersonalID Not found")
    return render.list_response([{"matchedClients": disclosure.views(page.items)}], page.next_offset)


def _search_criteria(body: object) -> SearchCriteria:
    if not isinstance(body, dict):
        raise Invalid([FieldProblem(None, None, "the body must be a JSON object")], status=400)
    known = {name.lower(): name for name in SEARCH_FIELDS}
    values: dict[str, object] = {}
    problems = []
    for key, raw in body.items():
        target = known.get(key.lower())
        if target is None:
            problems.append(FieldProblem(key, None, f"not a search field ({', '.join(SEARCH_FIELDS)})"))
        elif raw in (None, ""):
            continue
        elif not isinstance(raw, str):
            problems.append(FieldProblem(key, None, "expected a string"))
        elif target == "DOB":
            try:
                values["DOB"] = parse_date(raw)
            except ValueProblem:
                problems.append(FieldProblem(key, None, "expected a date, YYYY-MM-DD"))
        elif target == "SSN":
            digits = re.sub(r"[\s-]", "", raw)
            if not re.fullmatch(r"\d{9}|\d{4}", digits):
                problems.append(FieldProblem(key, None, "expected nine digits, or the last four"))
            values["SSN"] = digits
        else:
            values[target] = raw.strip()
    if problems:
        raise Invalid(problems, status=400)
    criteria = SearchCriteria(values)  # type: ignore[arg-type]
    if criteria.is_empty():
        raise Invalid([FieldProblem(None, None, f"give at least one of {', '.join(SEARCH_FIELDS)}")],
                      status=400)
    return criteria


@blp.route("/client", methods=["POST"])
@blp.doc(summary="Scenario 2: create a client record",
         description="Deduplicates first (GET /api/v1/dedup/method): a certain match among the clients you may "
                     "see links the new record to that person, and answers 200 with the existing record when your "
                     "project already holds it; otherwise 201 Created with Location (the draft says 200). "
                     "`match` reports the grade and any review queued. The new record belongs to the project "
                     "named by the ProjectID query parameter (extension), else it is unassigned.",
         requestBody={"required": True, "content": {"application/json": {"schema": input_schema(CLIENT)}}},
         parameters=[_q("ProjectID", "string", "extension: the project that owns the new client record")],
         responses={200: {"description": "This person, already held"}, 201: {"description": "Created"},
                    **problem_responses(400, 422)})
def client_create() -> Response:
    return create_client()


@blp.route("/client/<string:PersonalID>", methods=["PATCH"])
@blp.doc(summary="Update a client: omitted fields stay, null clears; the server sets DateUpdated",
         requestBody={"required": True, "content": {"application/json": {"schema": patch_schema(CLIENT)}}},
         parameters=[_path("PersonalID", "the client")],
         responses={200: {"description": "Updated"}, **problem_responses(400, 404, 412, 422)})
def client_update(PersonalID: str) -> Response:  # HUD's parameter names, here and below
    svc = services()
    view, warnings = svc.writer.update(CLIENT, PersonalID, request_body(CLIENT), current_access(),
                                       if_match=request.headers.get("If-Match"))
    extra = {"warnings": [w.__dict__ for w in warnings]} if warnings else None
    return render.record_response(view, svc.store, current_access(), 200, extra)


@blp.route("/project/<string:ProjectID>/clients", methods=["GET"])
@blp.doc(summary="Scenarios 3 and 4: the clients of a project (one entry per enrollment)",
         parameters=[_path("ProjectID", "the project"), ENTRY, EXIT, *PAGE_PARAMS],
         responses={200: {"description": "Clients of the project"}, **problem_responses(400, 404)})
def project_clients(ProjectID: str) -> Response:
    page = services().scenarios.project_clients(
        ProjectID, current_access(), params.page(), entry_from=params.date_arg("EntryDate"),
        exit_to=params.date_arg("ExitDate"))
    clients = []
    shown = disclosure.views(view for view, _, _ in page.items)
    for (view, entry, exit_), record in zip(page.items, shown, strict=True):
        item = {"PersonalID": view.key, "entryDate": entry, **record}
        if exit_:
            item["exitDate"] = exit_
        clients.append(item)
    return render.list_response({"clients": clients}, page.next_offset)


@blp.route("/client/<string:PersonalID>/enrollments", methods=["GET"])
@blp.doc(summary="Scenario 5: the enrollments of a client",
         parameters=[_path("PersonalID", "the client"),
                     _q("projectID", "string", "only this project (also: ProjectID)"),
                     {**ENTRY, "name": "entryDate"}, {**EXIT, "name": "exitDate"}, *PAGE_PARAMS],
         responses={200: {"description": "Enrollments"}, **problem_responses(400, 404)})
def client_enrollments(PersonalID: str) -> Response:
    page = services().scenarios.client_enrollments(
        PersonalID, current_access(), params.page(), project_id=params.arg("projectID"),
        entry_from=params.date_arg("entryDate"), exit_to=params.date_arg("exitDate"))
    return render.list_response({"enrollments": [_compact(r) for r in page.items]}, page.next_offset)


@blp.route("/projects", methods=["GET"])
@blp.doc(summary="Scenarios 6 and 7: projects by funder, project type, CoC and operating dates",
         parameters=[FUNDER, PTYPE, _q("CocCode", "string", "CoC code, e.g. XX-500", pattern="^[A-Za-z]{2}-[0-9]{3}$"),
                     _q("OperatingStartDate", "string", "OperatingStartDate on or after", **DATE),
                     _q("OperatingEndDate", "string", "OperatingEndDate on or before", **DATE), *PAGE_PARAMS],
         responses={200: {"description": "Projects"}, **problem_responses(400)})
def projects() -> Response:
    coc = params.arg("CocCode")
    coc = coc.upper() if coc else None
    if coc is not None and not re.fullmatch(r"[A-Za-z]{2}-\d{3}", coc):
        raise Invalid([FieldProblem("CocCode", coc, "expected two letters, a dash and three digits")], status=400)
    page = services().scenarios.projects(
        current_access(), params.page(), funder=params.int_arg("Funder", FUNDERS),
        project_type=params.int_arg("ProjectType", PROJECT_TYPES), coc=coc,
        start_from=params.date_arg("OperatingStartDate"), end_to=params.date_arg("OperatingEndDate"))
    return render.list_response({"projects": disclosure.views(page.items)}, page.next_offset)


@blp.route("/clients", methods=["GET"])
@blp.doc(summary="Scenarios 8 and 9: clients by funder and project type; `active=true&asOf=` for active clients",
         parameters=[FUNDER, PTYPE, ENTRY, EXIT,
                     _q("active", "boolean", "extension (scenario 9): only enrollments active on asOf"),
                     _q("asOf", "string", "extension: the day for `active` (default today)", **DATE), *PAGE_PARAMS],
         responses={200: {"description": "Clients with their matching enrollments"}, **problem_responses(400)})
def clients() -> Response:
    as_of = params.date_arg("asOf")
    if params.bool_arg("active"):
        as_of = as_of or clock.today()
    elif as_of is not None:
        raise Invalid([FieldProblem("asOf", None, "only with active=true")], status=400)
    page = services().scenarios.clients(
        current_access(), params.page(), funder=params.int_arg("Funder", FUNDERS),
        project_type=params.int_arg("ProjectType", PROJECT_TYPES), entry_from=params.date_arg("EntryDate"),
        exit_to=params.date_arg("ExitDate"), as_of=as_of)
    out = []
    shown = disclosure.views((view for view, _ in page.items), fields=PERSON_FIELDS)
    for (_, enrollments), person in zip(page.items, shown, strict=True):
        person["Enrollments"] = [{k: v for k, v in e.items() if v is not None} for e in enrollments]
        out.append(person)
    return render.list_response({"clients": out}, page.next_offset)


@blp.route("/client/<string:PersonalID>/changes", methods=["GET"])
@blp.doc(summary="Scenario 10 (extension): what changed for a client in a window (default: the last 30 days)",
         description="Every record of the client the caller may see: new enrollments, exits and destinations, "
                     "client-level updates, deletes. `changed` says whether anything did.",
         parameters=[_path("PersonalID", "the client"),
                     _q("since", "string", "start of the window (default 30 days ago)", format="date-time"),
                     _q("until", "string", "end of the window (default now)", format="date-time")],
         responses={200: {"description": "Changes, newest first"}, **problem_responses(400, 404)})
def client_changes(PersonalID: str) -> Response:
    until = params.datetime_arg("until") or clock.now()
    since = params.datetime_arg("since") or max(until, dt.datetime.min + dt.timedelta(days=30)) - dt.timedelta(days=30)
    if since > until:
        raise Invalid([FieldProblem("since", None, "must not be after until")], status=400)
    changes = services().scenarios.client_changes(PersonalID, current_access(), since=since, until=until)
    return render.json_response({
        "PersonalID": PersonalID, "since": format_json(since), "until": format_json(until),
        "changed": bool(changes), "changes": [_compact(c) for c in changes],
    })


@blp.route("/client/<string:PersonalID>/services", methods=["GET"])
@blp.doc(summary="Scenario 11 (extension): all services of a client, in a window or all time",
         parameters=[_path("PersonalID", "the client"),
                     _q("from", "string", "DateProvided on or after", **DATE),
                     _q("to", "string", "DateProvided on or before", **DATE), *PAGE_PARAMS],
         responses={200: {"description": "Services from every enrollment you may see"}, **problem_responses(400, 404)})
def client_services(PersonalID: str) -> Response:
    page = services().scenarios.client_services(
        PersonalID, current_access(), params.page(), date_from=params.date_arg("from"),
        date_to=params.date_arg("to"))
    return render.list_response({"services": disclosure.views(page.items)}, page.next_offset)


@blp.route("/csvexport", methods=["GET"])
@blp.doc(summary="HMIS CSV data as JSON, keyed by CSV file name",
         parameters=[ENTRY, EXIT, _q("PersonalID", "string", "only this client's records"),
                     _q("changedSince", "string", "DateUpdated on or after", format="date-time"),
                     _q("changedUntil", "string", "DateUpdated on or before (default: now)", format="date-time"),
                     _q("HMISMetaDataFilter", "string", "`UserID:<id>`: only records last written by that user")],
         responses={200: {"description": "Records by file"}, **problem_responses(400)})
def csvexport() -> Response:
    filters = ExportFilters(
        personal_id=params.arg("PersonalID"), entry_from=params.date_arg("EntryDate"),
        exit_to=params.date_arg("ExitDate"), since=params.datetime_arg("changedSince"),
        until=params.datetime_arg("changedUntil"), user=_metadata_user(params.arg("HMISMetaDataFilter")))
    tables = export_records(services().store, current_access(), filters)
    return render.json_response({f"{name}.csv": disclosure.records(MODEL.tables[name], rows)
                                 for name, rows in tables.items()})


def _metadata_user(value: str | None) -> str | None:
    if value is None:
        return None
    match = re.fullmatch(r"UserID:(.+)", value)
    if not match:
        raise Invalid([FieldProblem("HMISMetaDataFilter", value, "expected UserID:<id>")], status=400)
    return match.group(1)
