"""Medicaid billing (scenario 13) and coverage periods on a small synthetic export whose
expected answers are computed here from the rows written (tests/medicaid_data.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from backends import new_store
from conftest import signed_in
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim
from medicaid_data import ENROLLMENTS, SERVICES, D, had, write_export

from hmis_ld.api import create_app
from hmis_ld.authz import SYSTEM, Access
from hmis_ld.csv.importer import import_csv
from hmis_ld.model import iris
from hmis_ld.service.coverage import KINDS, coverage_periods

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
BILLING = ("all:read", "payment")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    store = new_store()
    import_csv(store, write_export(tmp_path_factory.mktemp("medicaid")), progress=False)
    return create_app({"STORE": store, "TESTING": True})


def expected(start: str, end: str, projects: set[str] | None = None, person: str | None = None) -> set[str]:
    """The services a reader of `projects` (all when None) must be shown: live, in the window,
    and the person had Medicaid that day in an enrollment the reader sees."""
    return {k for k, (e, day, _, _, gone) in SERVICES.items()
            if not gone and D(start) <= D(day) <= D(end)
            and (projects is None or ENROLLMENTS[e][1] in projects)
            and person in (None, ENROLLMENTS[e][0])
            and had("Medicaid", ENROLLMENTS[e][0], D(day), projects)}


def claims(http, **params: str) -> list[dict]:
    response = http.get("/api/v1/billing/medicaid", query_string=params)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/fhir+json"
    bundle = json.loads(response.data)
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        Claim.model_validate(entry["resource"])
    return [e["resource"] for e in bundle["entry"]]


def keys(found: list[dict]) -> set[str]:
    return {c["identifier"][0]["value"] for c in found}


def test_claims_are_the_services_of_people_covered_that_day(app) -> None:
    found = claims(signed_in(app, "biller", BILLING), **MARCH)
    want = expected(start=MARCH["from"], end=MARCH["to"])
    # the data has services inside and outside coverage, coverage starting and ending
    # mid-month, an exit ending it, a deleted record, and coverage from another enrollment
    assert want == {"S2", "S6", "S7", "S9", "S10", "S12", "S15"}
    assert keys(found) == want
    by_key = {c["identifier"][0]["value"]: c for c in found}
    s2 = by_key["S2"]
    assert s2["item"][0]["servicedDate"] == "2026-03-05"
    assert s2["item"][0]["productOrService"]["coding"][0]["code"] == "H0036"
    assert s2["item"][0]["productOrService"]["coding"][1]["display"] == "Community mental health"
    assert {"url": "urn:hmis-ld:fhir:StructureDefinition:coverage-period",
            "valuePeriod": {"start": "2026-01-10", "end": "2026-03-14"}} in s2["extension"]
    assert s2["insurance"][0]["coverage"]["identifier"]["value"] == "IB12"
    assert s2["provider"]["identifier"]["value"] == "O1"
    unmapped = by_key["S9"]  # PATH habilitation has no code in the shipped table
    assert {"url": "urn:hmis-ld:fhir:StructureDefinition:billing-code-unmapped", "valueBoolean": True} \
        in unmapped["extension"]


def test_a_window_project_organization_and_client_narrow_the_claims(app) -> None:
    client = signed_in(app, "biller2", BILLING)
    assert keys(claims(client, **{"from": "2026-03-10", "to": "2026-03-12"})) == expected("2026-03-10", "2026-03-12")
    assert keys(claims(client, **MARCH, project="P1")) == {k for k in expected("2026-03-01", "2026-03-31")
                                                           if ENROLLMENTS[SERVICES[k][0]][1] == "P1"}
    assert keys(claims(client, **MARCH, organization="O2")) == {"S10"}
    assert keys(claims(client, **MARCH, client="C2")) == expected("2026-03-01", "2026-03-31", person="C2")
    assert claims(client, **MARCH, project="nope") == []


def test_a_one_project_reader_sees_neither_services_nor_coverage_of_another(app) -> None:
    found = claims(signed_in(app, "p1-biller", ("project:P1:read", "payment")), **MARCH)
    # C3's P1 service was covered by Medicaid recorded in P3, which this reader cannot see
    assert keys(found) == expected("2026-03-01", "2026-03-31", {"P1"}) == {"S2", "S6", "S7"}
    assert "S9" in expected("2026-03-01", "2026-03-31")


def test_csv_has_the_same_rows_and_names_only_with_pii_read(app) -> None:
    plain = signed_in(app, "csv-biller", BILLING)
    response = plain.get("/api/v1/billing/medicaid", query_string=MARCH, headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["ServicesID"] for r in rows} == expected("2026-03-01", "2026-03-31")
    assert all(r["FirstName"] == "" and r["DOB"] == "" and r["ClientID"] for r in rows)
    s9 = next(r for r in rows if r["ServicesID"] == "S9")
    assert (s9["Mapped"], s9["CoverageProjectID"], s9["RecordTypeLabel"]) == ("no", "P3", "PATH service")
    pii = signed_in(app, "pii-biller", (*BILLING, "pii:read"))
    rows = list(csv.DictReader(io.StringIO(pii.get("/api/v1/billing/medicaid", query_string={
        **MARCH, "format": "csv"}).get_data(as_text=True))))
    assert {(r["PersonalID"], r["FirstName"], r["DOB"]) for r in rows if r["ServicesID"] == "S6"} == {
        ("C2", "FirstC2", "1980-05-06")}


def test_every_answer_is_an_audited_read_naming_each_person(app) -> None:
    store = app.extensions["hmis_ld"].store
    client = signed_in(app, "audited-biller", BILLING)
    shown = claims(client, **MARCH, project="P1")
    rows = store.select(
        "SELECT ?key ?u WHERE { GRAPH ?g { ?a <urn:hmis-ld:ext#userID> ?u ; <urn:hmis-ld:ext#recordKey> ?key ; "
        "<urn:hmis-ld:ext#operation> \"read\" } }",
        substitutions={"u": ox.Literal("audited-biller")}, graphs=[iris.AUDIT])
    persons = {ENROLLMENTS[SERVICES[k][0]][0] for k in keys(shown)}
    assert {r["key"].value for r in rows} == persons == {"C1", "C2", "C3"}


def test_without_the_payment_grant_it_is_403(app) -> None:
    response = signed_in(app, "reader", ("all:read", "pii:read")).get("/api/v1/billing/medicaid", query_string=MARCH)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


@pytest.fixture(scope="module")
def biller(app):
    return signed_in(app, "bad-biller", BILLING)


@pytest.mark.parametrize("params", [
    {}, {"from": "2026-03-01"}, {"from": "2026-03-31", "to": "2026-03-01"}, {"from": "2025-01-01", "to": "2026-03-01"},
    {"from": "someday", "to": "2026-03-01"}, {**MARCH, "format": "xml"}, {**MARCH, "project": "P1", "organization": "O1"},
])
def test_bad_parameters_are_400_problems(biller, params: dict) -> None:
    response = biller.get("/api/v1/billing/medicaid", query_string=params)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_coverage_periods_follow_the_records(app) -> None:
    store = app.extensions["hmis_ld"].store
    assert KINDS[:3] == ("Medicaid", "Medicare", "SCHIP") and len(KINDS) == 10
    periods = coverage_periods(store, SYSTEM, kinds=["Medicaid"])
    shown = {(p.personal_id, p.enrollment_id, p.start.isoformat(), p.end.isoformat() if p.end else None, p.sources)
             for p in periods}
    assert shown == {
        ("C1", "E1", "2026-01-10", "2026-03-15", ("IB1", "IB12")),
        ("C2", "E2", "2026-03-10", "2026-03-26", ("IB4",)),  # the exit day still counts
        ("C3", "E4", "2026-02-01", None, ("IB6",)),
        ("C4", "E5", "2026-03-20", None, ("IB8",)),  # IB7 is deleted
        ("C6", "E7", "2026-01-01", "2026-02-16", ("IB10",)),
        ("C6", "E8", "2026-03-10", None, ("IB11",)),
    }
    # the periods agree with the independent computation on every day of the data
    for person in {p for p, *_ in ENROLLMENTS.values()}:
        mine = [p for p in periods if p.personal_id == person]
        for n in range(120):
            day = dt.date(2026, 1, 1) + dt.timedelta(days=n)
            assert any(p.covers(day) for p in mine) == had("Medicaid", person, day), (person, day)
    by_person = coverage_periods(store, SYSTEM, personal_ids=["C3", "C5"], kinds=["Medicare", "Medicaid"])
    assert {(p.kind, p.personal_id, p.project_id) for p in by_person} == {
        ("Medicaid", "C3", "P3"), ("Medicare", "C3", "P3"), ("Medicare", "C5", "P2")}
    p1 = Access(user_id="u", read=(iris.project_graph("local", "P1"),))
    assert coverage_periods(store, p1, personal_ids=["C3"]) == []
    assert [p.personal_id for p in coverage_periods(store, p1, kinds=["Medicaid"])] == ["C1", "C2"]
    with pytest.raises(ValueError):
        coverage_periods(store, SYSTEM, kinds=["SNAP"])


def test_billing_codes_come_from_the_setting(app, tmp_path: Path) -> None:
    table = tmp_path / "codes.json"
    table.write_text(json.dumps([{"RecordType": 141, "TypeProvided": 3, "System": "urn:x", "Code": "X1",
                                  "Display": "Habilitation"}]))
    app.config["BILLING_CODES"] = str(table)
    try:
        found = {c["identifier"][0]["value"]: c for c in claims(signed_in(app, "codes-biller", BILLING), **MARCH)}
    finally:
        del app.config["BILLING_CODES"]
    assert found["S9"]["item"][0]["productOrService"]["coding"][0]["code"] == "X1"
    assert found["S2"]["item"][0]["productOrService"]["coding"][0]["system"] != "urn:x"  # not in that table
