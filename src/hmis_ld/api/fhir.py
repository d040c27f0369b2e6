"""The read-only FHIR R4 facade at /fhir (docs/fhir.md). Parses FHIR search parameters, calls
fhir.service, answers `application/fhir+json`; every error, whoever raised it, goes out as an
OperationOutcome. Authentication is api.auth's, as for /api/v1 (only /fhir/metadata is public)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request

from hmis_ld.api import disclosure
from hmis_ld.api.context import current_access, services
from hmis_ld.api.problems import PROBLEM_JSON
from hmis_ld.fhir.capability import capability_statement
from hmis_ld.fhir.dates import DateTest
from hmis_ld.fhir.resources import Resource, operation_outcome
from hmis_ld.fhir.service import FhirService, Shown, Window
from hmis_ld.fhir.terms import identifier_system, merged_personal_id
from hmis_ld.model.values import ValueProblem, parse_datetime
from hmis_ld.service.paging import Page
from hmis_ld.service.problems import FieldProblem, Invalid, NotFound
from hmis_ld.service.scenarios import SearchCriteria

FHIR_JSON = "application/fhir+json"
JSON_FORMATS = {"json", "application/json", FHIR_JSON}
DEFAULT_COUNT, MAX_COUNT = 50, 500
READABLE = ("Organization", "HealthcareService", "EpisodeOfCare", "Encounter", "Condition", "Observation",
            "CodeSystem", "Coverage")
ISSUE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
         406: "not-supported", 413: "too-costly", 415: "not-supported", 429: "throttled"}

blp = Blueprint("fhir", __name__, url_prefix="/fhir")


def fhir_service() -> FhirService:
    s = services()
    return FhirService(s.store, s.identity, s.scenarios, str(current_app.config["SOURCE"]))


def _bad(name: str, message: str) -> Invalid:
    return Invalid([FieldProblem(name, None, message)], status=400)


def _answer(body: Resource, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype=FHIR_JSON)


@blp.before_request
def _format() -> Response | None:
    wanted = request.args.get("_format")
    # an unescaped + (application/fhir+json) arrives as a space
    if wanted is not None and wanted.replace(" ", "+") not in JSON_FORMATS:
        return _answer(operation_outcome("error", "not-supported", "only JSON is served (_format=json)"), 406)
    return None


@blp.after_app_request
def _outcome(response: Response) -> Response:
    """Problem details under /fhir become an OperationOutcome with the same status and headers."""
    if not request.path.startswith("/fhir") or response.mimetype != PROBLEM_JSON:
        return response
    problem = json.loads(response.get_data())
    text = str(problem.get("detail") or problem.get("title") or "error")
    code = ISSUE.get(response.status_code, "processing" if response.status_code < 500 else "exception")
    response.set_data(json.dumps(operation_outcome("error" if response.status_code < 500 else "fatal", code, text)))
    response.mimetype = FHIR_JSON
    return response


@blp.get("/metadata")
def metadata() -> Response:
    base = request.url_root.rstrip("/")
    return _answer(capability_statement(base + "/fhir", base + "/api/v1/oauth/token"))


# Paging: an offset into the search's stable order, tied to the search it was made for

def _fingerprint() -> str:
    items = sorted((k, v) for k, v in request.args.items(multi=True) if k not in ("_page", "_format"))
    return hashlib.sha256(json.dumps([request.path, items]).encode()).hexdigest()[:16]


def _page() -> Page:
    count_text = request.args.get("_count", str(DEFAULT_COUNT))
    if not count_text.isdigit() or not 1 <= int(count_text) <= MAX_COUNT:
        raise _bad("_count", f"an integer from 1 to {MAX_COUNT}")
    token = request.args.get("_page")
    if token is None:
        return Page(int(count_text))
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
        if data["f"] != _fingerprint() or type(data["o"]) is not int or data["o"] < 0:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise _bad("_page", "not a page of this search: start again without it") from None
    return Page(int(count_text), data["o"])


def _bundle(shown: Shown) -> Response:
    """A searchset without a total (a total would count records the caller may not see)."""
    for view in shown.clients:
        disclosure.note_view(view)  # names, SSN or DOB shown: an audited read
    base = request.url_root.rstrip("/") + "/fhir"
    links = [{"relation": "self", "url": request.url}]
    if shown.next_offset is not None:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "_page"]
        raw = json.dumps({"o": shown.next_offset, "f": _fingerprint()}, separators=(",", ":")).encode()
        args.append(("_page", base64.urlsafe_b64encode(raw).decode().rstrip("=")))
        links.append({"relation": "next", "url": f"{request.base_url}?{urlencode(args)}"})
    entries = [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
               for r in shown.resources]
    return _answer({"resourceType": "Bundle", "type": "searchset", "link": links, "entry": entries})


def _sliced(resources: list[Resource], page: Page, clients: list | None = None) -> Shown:
    end = page.offset + page.limit
    return Shown(resources[page.offset:end], clients or [], end if len(resources) > end else None)


def _allowed(*names: str) -> None:
    unknown = sorted(set(request.args) - {*names, "_count", "_page", "_format"})
    if unknown:
        raise _bad(unknown[0], f"not a search parameter here (known: {', '.join(names)}, _count)")


def _dates(name: str) -> list[DateTest]:
    try:
        return [DateTest.parse(v) for v in request.args.getlist(name)]
    except ValueError as exc:
        raise _bad(name, str(exc)) from None


def _updated(resources: list[Resource]) -> list[Resource]:
    """The resources whose lastUpdated passes every `_lastUpdated` test."""
    tests = _dates("_lastUpdated")
    if not tests:
        return resources
    return [r for r in resources if "meta" in r and all(
        t.on(parse_datetime(str(r["meta"]["lastUpdated"]).removesuffix("Z")).date()) for t in tests)]  # type: ignore[index]


def _client_id(reference: str) -> str:
    return reference.removeprefix("Patient/")


@blp.get("/Patient")
def patient_search() -> Response:
    _allowed("identifier", "name", "family", "given", "birthdate", "_lastUpdated")
    page, access, fhir = _page(), current_access(), fhir_service()
    source = str(current_app.config["SOURCE"])
    identifier = request.args.get("identifier")
    given: dict[str, object] = {}
    if identifier is not None:
        system, bar, value = identifier.rpartition("|")
        if not bar or not value:
            raise _bad("identifier", "give system|value")
        if system == identifier_system(source, "ClientID"):
            try:
                found = fhir.patient(value, access)
                kept = _updated(found.resources)
                return _bundle(_sliced(kept, page, found.clients if kept else []))
            except NotFound:
                return _bundle(Shown([], []))
        fields = {identifier_system(source, "PersonalID"): "PersonalID", "http://hl7.org/fhir/sid/us-ssn": "SSN"}
        if system not in fields:
            raise _bad("identifier", "the system must be the ClientID, PersonalID or SSN system (see /fhir/metadata)")
        given[fields[system]] = value
    family, first = request.args.get("family"), request.args.get("given")
    name = request.args.get("name")
    if name:
        words = name.split()
        family = family or words[-1]
        first = first or (words[0] if len(words) > 1 else None)
    given.update({k: v for k, v in (("LastName", family), ("FirstName", first)) if v})
    births = _dates("birthdate")
    exact = [t for t in births if t.prefix == "eq"]
    if exact:
        given["DOB"] = exact[0].day
    criteria = SearchCriteria(given)  # type: ignore[arg-type]
    if criteria.is_empty():
        raise _bad("identifier", "give identifier, name, family, given or birthdate=YYYY-MM-DD")
    shown = fhir.patients(criteria, access, page)
    if set(given) == {"PersonalID"} and page.offset == 0:  # a merged PersonalID: its Patient, then the survivor's
        shown = Shown([*_merged_person(fhir, str(given["PersonalID"])), *shown.resources], shown.clients,
                      shown.next_offset)
    if births:
        kept = [r for r in shown.resources if "birthDate" in r and all(
            t.on(dt.date.fromisoformat(str(r["birthDate"]))) for t in births)]
        shown = Shown(kept, shown.clients, shown.next_offset)
    return _bundle(Shown(_updated(shown.resources), shown.clients, shown.next_offset))


def _merged_person(fhir: FhirService, personal_id: str) -> list[Resource]:
    try:
        return fhir.merged_patient(personal_id, current_access()).resources
    except NotFound:
        return []


@blp.get("/Patient/<string:client_id>")
def patient_read(client_id: str) -> Response:
    """A client record's Patient, or the inactive Patient of a person merged into another."""
    merged, fhir = merged_personal_id(client_id), fhir_service()
    if merged is not None:
        return _answer(fhir.merged_patient(merged, current_access()).resources[0])
    shown = fhir.patient(client_id, current_access())
    for view in shown.clients:
        disclosure.note_view(view)
    return _answer(shown.resources[0])


@blp.get("/Patient/<string:client_id>/$everything")
def everything(client_id: str) -> Response:
    _allowed("start", "end", "_since")
    try:
        start, end = (DateTest.parse(request.args[n]).day if n in request.args else None for n in ("start", "end"))
        since = parse_datetime(request.args["_since"].removesuffix("Z")[:19]) if "_since" in request.args else None
    except (ValueError, ValueProblem):
        raise _bad("start", "start and end are dates (YYYY-MM-DD), _since a date-time") from None
    page = _page()
    shown = fhir_service().everything(client_id, current_access(), Window(start, end, since))
    return _bundle(_sliced(shown.resources, page, shown.clients))


@blp.get("/EpisodeOfCare")
def episode_search() -> Response:
    _allowed("patient", "date", "_lastUpdated")
    page, patient = _page(), request.args.get("patient")
    if not patient:
        raise _bad("patient", "EpisodeOfCare is searched by patient (Patient/{id})")
    try:
        found = fhir_service().episodes(_client_id(patient), current_access(), _dates("date"))
    except NotFound:
        found = []
    return _bundle(_sliced(_updated(found), page))


@blp.get("/Coverage")
def coverage_search() -> Response:
    _allowed("beneficiary", "_lastUpdated")
    page, beneficiary = _page(), request.args.get("beneficiary")
    if not beneficiary:
        raise _bad("beneficiary", "Coverage is searched by beneficiary (Patient/{id})")
    try:
        found = fhir_service().coverages(_client_id(beneficiary), current_access())
    except NotFound:
        found = []
    return _bundle(_sliced(_updated(found), page))


@blp.get("/<string:kind>/<string:resource_id>")
def read(kind: str, resource_id: str) -> Response:
    if kind not in READABLE:
        raise NotFound(kind)
    return _answer(fhir_service().read(kind, resource_id, current_access()))
