"""Foundational CRUD, one collection per HMIS CSV file, generated from the model.

Paths follow HUD's v0.2 CRUD draft (its mix of singular and plural kept, so clients
written against it work). Reads hide soft-deleted records; DELETE sets DateDeleted.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, request
from flask_smorest import Blueprint

from hmis_ld.api import disclosure, params, render
from hmis_ld.api.context import current_access, services
from hmis_ld.api.intake import create_client
from hmis_ld.api.jsonld_input import request_body
from hmis_ld.api.paths import collection_paths
from hmis_ld.api.schemas import input_schema, patch_schema, record_schema
from hmis_ld.api.spec import IF_MATCH, PAGE_PARAMS, problem_responses
from hmis_ld.model import MODEL, Table
from hmis_ld.service.records import list_records, read_record

SCENARIO_LISTS = {"Client", "Project"}  # GET /clients and GET /projects are HUD 0.5 scenarios
CRUD_TABLES = [t for t in MODEL.tables.values() if t.name != "Export"]

blp = Blueprint("records", __name__, url_prefix="/api/v1",
                description="Create, read, update and soft-delete records, one collection per HMIS CSV file")


def _doc(fn: Callable, summary: str, tag: str, responses: dict, body: object = None, parameters: list | None = None
         ) -> Callable:
    doc: dict[str, object] = {"summary": summary, "tags": [tag], "responses": responses}
    if body is not None:
        doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if parameters:
        doc["parameters"] = parameters
    return blp.doc(**doc)(fn)


def _ok(table: Table, status: int = 200, text: str = "The record") -> dict:
    return {status: {"description": text, "content": {
        "application/json": {"schema": record_schema(table)},
        "application/ld+json": {"schema": {"type": "object"}},
        "text/turtle": {"schema": {"type": "string"}}}}}


def _register(table: Table, base: str) -> None:
    key = table.key
    name = table.name
    item = f"/{base}/<string:key>"

    def create() -> Response:
        if name == "Client":
            return create_client()
        svc = services()
        view, warnings = svc.writer.create(table, request_body(table), current_access())
        extra = {"warnings": [w.__dict__ for w in warnings]} if warnings else None
        return render.record_response(view, svc.store, current_access(), 201, extra, f"{request.base_url}/{view.key}")

    def read(key: str) -> Response:
        svc = services()
        view = read_record(svc.store, table, key, current_access())
        if request.if_none_match.contains_raw(view.etag):
            return Response(status=304, headers={"ETag": view.etag})
        return render.record_response(view, svc.store, current_access())

    def update(key: str) -> Response:
        svc = services()
        view, warnings = svc.writer.update(table, key, request_body(table), current_access(),
                                           if_match=request.headers.get("If-Match"))
        extra = {"warnings": [w.__dict__ for w in warnings]} if warnings else None
        return render.record_response(view, svc.store, current_access(), 200, extra)

    def delete(key: str) -> Response:
        services().writer.delete(table, key, current_access(), if_match=request.headers.get("If-Match"))
        return Response(status=204)

    def listing() -> Response:
        page = list_records(services().store, table, current_access(), params.page())
        return render.list_response(disclosure.views(page.items), page.next_offset)

    endpoint = f"{name}_{base}"
    key_param = [{"name": "key", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 32},
                  "description": f"the record's {key}"}]
    owner_param = [{"name": "ProjectID", "in": "query", "required": False, "schema": {"type": "string"},
                    "description": "extension: the project that owns the new client record (else it is unassigned)"}]
    blp.route(f"/{base}", endpoint=f"{endpoint}_create", methods=["POST"])(_doc(
        create, f"Create a {name} record", name, {**_ok(table, 201, "Created"), **problem_responses(400, 409, 422)},
        input_schema(table), owner_param if name == "Client" else None))
    if name not in SCENARIO_LISTS:
        blp.route(f"/{base}", endpoint=f"{endpoint}_list", methods=["GET"])(_doc(
            listing, f"List {name} records", name,
            {200: {"description": "A page of records; `Link: rel=next` when there are more"}, **problem_responses(400)},
            parameters=PAGE_PARAMS))
    blp.route(item, endpoint=f"{endpoint}_read", methods=["GET"])(_doc(
        read, f"Read a {name} record", name, {**_ok(table), **problem_responses(404)}, parameters=key_param))
    blp.route(item, endpoint=f"{endpoint}_update", methods=["PATCH"])(_doc(
        update, f"Update a {name} record (omitted fields unchanged, null clears)", name,
        {**_ok(table), **problem_responses(400, 404, 412, 422)}, patch_schema(table), key_param + IF_MATCH))
    blp.route(item, endpoint=f"{endpoint}_delete", methods=["DELETE"])(_doc(
        delete, f"Soft-delete a {name} record (sets DateDeleted)", name,
        {204: {"description": "Deleted"}, **problem_responses(404, 412)}, parameters=key_param + IF_MATCH))


for _table in CRUD_TABLES:
    for _base in collection_paths(_table):
        _register(_table, _base)
