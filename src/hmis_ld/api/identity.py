"""Persons, client records and deduplication: matching, the review queue, merge and split."""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from hmis_ld.api import disclosure, params, render
from hmis_ld.api.context import current_access, services
from hmis_ld.api.guard import require
from hmis_ld.api.jsonld_input import request_body
from hmis_ld.api.schemas import patch_schema
from hmis_ld.dedup import describe_method
from hmis_ld.model import MODEL
from hmis_ld.service.client_records import read_client_record
from hmis_ld.service.problems import FieldProblem, Invalid, NotFound
from hmis_ld.service.records import read_records

blp = Blueprint("identity", __name__, url_prefix="/api/v1",
                description="Deduplication, persons (PersonalID) and durable client records (ClientID)")
CLIENT = MODEL.tables["Client"]


@blp.route("/client/match", methods=["POST"])
@blp.doc(summary="Graded candidates (certain, probable, possible) among the clients you may see; creates nothing",
         requestBody={"required": True, "content": {"application/json": {"schema": patch_schema(CLIENT)}}})
def client_match() -> Response:
    matches = services().dedup.match_body(request.get_json(silent=True), current_access())
    views = read_records(services().store, CLIENT, [str(m.personal_id) for m in matches if m.personal_id],
                         current_access())
    shown = [m for m in matches if m.personal_id in views]
    clients = disclosure.views(views[str(m.personal_id)] for m in shown)
    return render.json_response({"candidates": [
        {"grade": m.grade, "score": round(m.score, 4), "evidence": dict(m.evidence), "rules": list(m.rules),
         "client": client} for m, client in zip(shown, clients, strict=True)]})


@blp.route("/dedup/method", methods=["GET"])
@blp.doc(summary="The matching method in force: fields, rules, weights and thresholds")
def dedup_method() -> Response:
    return render.json_response(describe_method(services().dedup.config))


@blp.route("/matches", methods=["GET"])
@blp.doc(summary="Match reviews waiting for a decision (admin)",
         parameters=[{"name": "status", "in": "query", "schema": {"type": "string",
                                                                  "enum": ["open", "accepted", "rejected"]}}])
@require("admin")
def matches() -> Response:
    return render.json_response({"matches": services().dedup.reviews(params.arg("status") or "open")})


@blp.route("/matches/<string:review_id>", methods=["POST"])
@blp.doc(summary="Accept (merge the two persons) or reject (never link them automatically) a match (admin)",
         requestBody={"content": {"application/json": {"schema": {
             "type": "object", "required": ["decision"],
             "properties": {"decision": {"type": "string", "enum": ["accept", "reject"]}}}}}})
@require("admin")
def decide(review_id: str) -> Response:
    body = request.get_json(silent=True)
    decision = body.get("decision") if isinstance(body, dict) else None
    if decision not in ("accept", "reject"):
        raise Invalid([FieldProblem("decision", None, "accept or reject")], status=400)
    return render.json_response(services().dedup.decide(review_id, decision == "accept", current_access()))


@blp.route("/persons/<string:PersonalID>", methods=["GET"])
@blp.doc(summary="A person: its surviving PersonalID, client records (ClientIDs) and history (admin)")
@require("admin")
def person(PersonalID: str) -> Response:
    identity = services().identity
    survivor = identity.resolve([PersonalID])[PersonalID]
    records = identity.records(survivor)
    if not records:
        raise NotFound("person")
    return render.json_response({"PersonalID": survivor, "asked": PersonalID,
                                 "ClientIDs": sorted(r.client_id for r in records),
                                 "history": identity.history(survivor)})


@blp.route("/persons/merge", methods=["POST"])
@blp.doc(summary="Merge one person into another (admin); the merged PersonalID keeps resolving",
         requestBody={"content": {"application/json": {"schema": {
             "type": "object", "required": ["survivor", "merged"],
             "properties": {"survivor": {"type": "string"}, "merged": {"type": "string"}}}}}})
@require("admin")
def merge() -> Response:
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("survivor", "merged")):
        raise Invalid([FieldProblem(None, None, "give survivor and merged PersonalIDs")], status=400)
    survivor = services().identity.merge(body["survivor"], body["merged"], current_access())
    return render.json_response({"PersonalID": survivor})


@blp.route("/persons/<string:PersonalID>/split", methods=["POST"])
@blp.doc(summary="Move some client records to a new person (admin); the two are never linked automatically again",
         requestBody={"content": {"application/json": {"schema": {
             "type": "object", "required": ["ClientIDs"],
             "properties": {"ClientIDs": {"type": "array", "items": {"type": "string"}}}}}}})
@require("admin")
def split(PersonalID: str) -> Response:
    body = request.get_json(silent=True)
    ids = body.get("ClientIDs") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise Invalid([FieldProblem("ClientIDs", None, "a list of ClientIDs")], status=400)
    return render.json_response({"PersonalID": services().identity.split(PersonalID, ids, current_access())},
                                status=201)


@blp.route("/persons/<string:PersonalID>/link", methods=["POST"])
@blp.doc(summary="Move one client record to this person (admin); unlink is a split",
         requestBody={"content": {"application/json": {"schema": {
             "type": "object", "required": ["ClientID"], "properties": {"ClientID": {"type": "string"}}}}}})
@require("admin")
def link(PersonalID: str) -> Response:
    body = request.get_json(silent=True)
    client_id = body.get("ClientID") if isinstance(body, dict) else None
    if not isinstance(client_id, str):
        raise Invalid([FieldProblem("ClientID", None, "the ClientID of the record to move")], status=400)
    return render.json_response({"PersonalID": services().identity.link(client_id, PersonalID, current_access())})


@blp.route("/clientrecords/<string:ClientID>", methods=["GET"])
@blp.doc(summary="One client record by its durable ClientID")
def client_record(ClientID: str) -> Response:
    view, client_id = read_client_record(services().identity, ClientID, current_access())
    return render.record_response(view, services().store, current_access(), extra={"ClientID": client_id})


@blp.route("/clientrecords/<string:ClientID>", methods=["PATCH"])
@blp.doc(summary="Update one client record (the unambiguous write target when a person has several)",
         requestBody={"content": {"application/json": {"schema": patch_schema(CLIENT)}}})
def client_record_update(ClientID: str) -> Response:
    view, client_id = read_client_record(services().identity, ClientID, current_access())
    _, warnings = services().writer.update_view(view, request_body(CLIENT), current_access(),
                                                if_match=request.headers.get("If-Match"))
    updated, client_id = read_client_record(services().identity, client_id, current_access())  # this record, not the person's newest
    extra: dict[str, object] = {"ClientID": client_id}
    if warnings:
        extra["warnings"] = [w.__dict__ for w in warnings]
    return render.record_response(updated, services().store, current_access(), extra=extra)

