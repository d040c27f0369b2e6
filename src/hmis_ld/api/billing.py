"""Medicaid billing (scenario 13) over HTTP: the claims of a window as a FHIR Bundle or as CSV.

It needs the `payment` scope (HL7 purpose of use HPAYMT) besides record grants, which still
decide which projects' services and coverage the caller sees. Every answer is an audited
read naming each person on it, whether or not it shows their names.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from flask import Response, current_app, request
from flask_smorest import Blueprint

from hmis_ld import clock
from hmis_ld.api.context import current_access, services
from hmis_ld.api.disclosure import note_fields
from hmis_ld.api.guard import require
from hmis_ld.api.spec import problem_responses
from hmis_ld.fhir.claim import claims_bundle
from hmis_ld.model import MODEL
from hmis_ld.model.values import ValueProblem, parse_date
from hmis_ld.service.medicaid import BillableService, BillingQuery, billable_services, load_codes
from hmis_ld.service.problems import FieldProblem, Invalid

FHIR_JSON = "application/fhir+json"
CSV = "text/csv"
FORMATS = {"fhir": FHIR_JSON, "json": FHIR_JSON, "csv": CSV}
COLUMNS = ("ServicesID", "DateProvided", "PersonalID", "ClientID", "FirstName", "MiddleName", "LastName", "DOB",
           "EnrollmentID", "ProjectID", "ProjectName", "OrganizationID", "OrganizationName", "RecordType",
           "RecordTypeLabel", "TypeProvided", "TypeProvidedLabel", "BillingSystem", "BillingCode", "BillingDisplay",
           "Mapped", "CoverageStart", "CoverageEnd", "CoverageEnrollmentID", "CoverageProjectID", "CoverageSources")
CODES_SETTING = "BILLING_CODES"  # HMIS_LD_BILLING_CODES

blp = Blueprint("billing", __name__, url_prefix="/api/v1", description="Medicaid billing (scenario 13)")

_PARAMS = [
    {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
    {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
     "description": "inclusive; at most 366 days after from"},
    {"name": "project", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "organization", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "client", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "a PersonalID"},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": sorted(FORMATS)},
     "description": "fhir or csv, for clients that cannot set Accept (it wins over Accept)"},
]


def _media_type() -> str:
    given = request.args.get("format")
    if given is not None:
        if given.lower() not in FORMATS:
            raise Invalid([FieldProblem("format", given, f"one of {', '.join(sorted(FORMATS))}")], status=400)
        return FORMATS[given.lower()]
    best = request.accept_mimetypes.best_match([FHIR_JSON, "application/json", CSV], default=FHIR_JSON)
    return CSV if best == CSV else FHIR_JSON


def _date(name: str) -> dt.date:
    """A required date parameter, or a 400."""
    text = request.args.get(name)
    if not text:
        raise Invalid([FieldProblem(name, None, "required (YYYY-MM-DD)")], status=400)
    try:
        return parse_date(text)
    except ValueProblem as exc:
        raise Invalid([FieldProblem(name, text[:40], str(exc))], status=400) from None


def _row(s: BillableService) -> dict[str, object]:
    return {
        "ServicesID": s.services_id, "DateProvided": s.date.isoformat(), "PersonalID": s.personal_id,
        "ClientID": s.client_id, **{k: str(v) for k, v in s.client.items()},
        "EnrollmentID": s.enrollment_id, "ProjectID": s.project_id, "ProjectName": s.project_name,
        "OrganizationID": s.organization_id, "OrganizationName": s.organization_name,
        "RecordType": s.record_type, "RecordTypeLabel": s.record_type_label, "TypeProvided": s.type_provided,
        "TypeProvidedLabel": s.type_provided_label,
        "BillingSystem": s.code.system if s.code else None, "BillingCode": s.code.code if s.code else None,
        "BillingDisplay": s.code.display if s.code else None, "Mapped": "yes" if s.code else "no",
        "CoverageStart": s.coverage.start.isoformat(),
        "CoverageEnd": s.coverage.end.isoformat() if s.coverage.end else None,
        "CoverageEnrollmentID": s.coverage.enrollment_id, "CoverageProjectID": s.coverage.project_id,
        "CoverageSources": " ".join(s.coverage.sources),
    }


def _csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@blp.route("/billing/medicaid", methods=["GET"])
@blp.doc(summary="Services delivered to clients who had Medicaid that day, as FHIR Claims or CSV (scope: payment)",
         parameters=_PARAMS,
         responses={200: {"description": "A FHIR Bundle of professional Claims, or the same rows as CSV",
                          "content": {FHIR_JSON: {"schema": {"type": "object"}}, CSV: {"schema": {"type": "string"}}}},
                    **problem_responses(400)})
@require("payment")
def medicaid_claims() -> Response:
    kind = _media_type()
    asked = BillingQuery(_date("from"), _date("to"), project=request.args.get("project"),
                         organization=request.args.get("organization"), client=request.args.get("client"))
    store, access = services().store, current_access()
    found = billable_services(store, access, asked, load_codes(current_app.config.get(CODES_SETTING)))
    client = MODEL.tables["Client"]
    for s in found:
        note_fields(client, s.personal_id, ["PersonalID", *(["ClientID"] if s.client_id else []), *s.client])
    headers = {"Vary": "Accept", "Cache-Control": "no-store"}
    if kind == CSV:
        return Response(_csv([_row(s) for s in found]), mimetype=CSV, headers=headers)
    bundle = claims_bundle(found, str(current_app.config["SOURCE"]), clock.today())
    return Response(json.dumps(bundle), mimetype=FHIR_JSON, headers=headers)
