"""Creating a client record (POST /client, POST /clients): deduplication first, shared by the
HUD scenario and the CRUD collection."""

from __future__ import annotations

from flask import Response, request

from hmis_ld.api import params, render
from hmis_ld.api.context import current_access, services
from hmis_ld.api.jsonld_input import request_body
from hmis_ld.model import MODEL
from hmis_ld.service.dedup import Intake

CLIENT = MODEL.tables["Client"]


def intake_response(intake: Intake) -> Response:
    """201 for a new client record, 200 when the caller's project already holds this person (the
    answer shows the person's identifiers: render audits it as a read, as any answer that does)."""
    extra: dict[str, object] = {"match": {"grade": intake.grade, "review": intake.review}}
    if intake.warnings:
        extra["warnings"] = [w.__dict__ for w in intake.warnings]
    location = f"{request.root_url.rstrip('/')}/api/v1/clients/{intake.view.key}" if intake.created else None
    return render.record_response(intake.view, services().store, current_access(), 201 if intake.created else 200,
                                  extra, location)


def create_client() -> Response:
    intake = services().dedup.create(request_body(CLIENT), current_access(),
                                     owner_project=params.arg("ProjectID"))
    return intake_response(intake)
