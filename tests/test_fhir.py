"""The FHIR facade over HTTP: every resource it makes validates as FHIR (fhir.resources R4B),
errors are OperationOutcomes, a hidden resource answers like a missing one."""

from __future__ import annotations

import pytest
from conftest import signed_in
from fhir.resources.R4B import get_fhir_model_class

FHIR = "application/fhir+json"
PID_SYSTEM = "urn:hmis-ld:local:PersonalID"


def _validate(resource: dict) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _everything(client, cid: str) -> list[dict]:
    """Every resource of $everything, following next links (no duplicates, no gaps)."""
    url, out = f"/fhir/Patient/{cid}/$everything?_count=3", []
    while url:
        bundle = client.get(url).get_json()
        _validate(bundle)
        assert "total" not in bundle
        out += [e["resource"] for e in bundle["entry"]]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert len({(r["resourceType"], r["id"]) for r in out}) == len(out)
    return out


def _patients(client, limit: int = 6) -> list[str]:
    pids = [c["PersonalID"] for c in client.get(f"/api/v1/clients?limit={limit}").get_json()["clients"]]
    found = []
    for pid in pids:
        bundle = client.get(f"/fhir/Patient?identifier={PID_SYSTEM}|{pid}").get_json()
        found += [e["resource"]["id"] for e in bundle["entry"]]
    return found


@pytest.mark.parametrize("source", ["testkit", "demo"])
def test_every_resource_validates_and_reads_back(source: str, http, writable) -> None:
    client = http if source == "testkit" else writable[0]
    kinds = set()
    for cid in _patients(client):
        resources = _everything(client, cid)
        assert resources[0]["resourceType"] == "Patient"
        for resource in resources:
            _validate(resource)
            kinds.add(resource["resourceType"])
            read = client.get(f"/fhir/{resource['resourceType']}/{resource['id']}")
            assert read.status_code == 200 and read.mimetype == FHIR and read.get_json() == resource
    assert {"Patient", "EpisodeOfCare", "HealthcareService", "Organization", "Observation"} <= kinds


def test_metadata_is_public_and_everything_else_needs_a_token(testkit_app) -> None:
    anonymous = testkit_app.test_client()
    statement = anonymous.get("/fhir/metadata?_format=json")
    assert statement.status_code == 200 and statement.mimetype == FHIR
    _validate(statement.get_json())
    kinds = {r["type"] for r in statement.get_json()["rest"][0]["resource"]}
    assert {"Patient", "EpisodeOfCare", "Coverage", "CodeSystem"} <= kinds
    refused = anonymous.get("/fhir/Patient?family=a")
    assert refused.status_code == 401 and refused.mimetype == FHIR and "WWW-Authenticate" in refused.headers
    assert refused.get_json()["resourceType"] == "OperationOutcome"


def test_errors_are_operation_outcomes(http) -> None:
    for url, status in [("/fhir/Patient?nonsense=1", 400), ("/fhir/Patient?_count=0&family=a", 400),
                        ("/fhir/Patient/none", 404), ("/fhir/Nothing/1", 404), ("/fhir/metadata?_format=xml", 406),
                        ("/fhir/Patient?family=a&_page=bogus", 400), ("/fhir/EpisodeOfCare", 400)]:
        answer = http.get(url)
        assert answer.status_code == status and answer.mimetype == FHIR, url
        _validate(answer.get_json())


def test_project_type_code_system_is_served(http) -> None:
    system = http.get("/fhir/CodeSystem/hmis-2.02.6").get_json()
    _validate(system)
    assert {c["code"] for c in system["concept"]} >= {"0", "1", "13"}


def test_patient_search_pages_without_gaps_or_duplicates(http) -> None:
    first = http.get("/api/v1/clients?limit=1").get_json()["clients"][0]
    family = first["LastName"][:1]
    url, seen = f"/fhir/Patient?family={family}&_count=2", []
    while url:
        bundle = http.get(url).get_json()
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    whole = http.get(f"/fhir/Patient?family={family}&_count=500").get_json()
    assert seen == [e["resource"]["id"] for e in whole["entry"]] and len(set(seen)) == len(seen) and seen


def test_a_reader_without_pii_sees_no_name_ssn_or_birthdate(testkit_app, http) -> None:
    cid = _patients(http, 1)[0]
    reader = signed_in(testkit_app, "fhir-no-pii", ("all:read",))
    patient = reader.get(f"/fhir/Patient/{cid}").get_json()
    assert "name" not in patient and "birthDate" not in patient
    assert all(i["system"] != "http://hl7.org/fhir/sid/us-ssn" for i in patient["identifier"])


def test_a_one_project_reader_sees_only_that_project(writable) -> None:
    client, _ = writable
    cid = _patients(client, 10)
    resources = {r["id"]: r for c in cid for r in _everything(client, c)}
    episodes = [r for r in resources.values() if r["resourceType"] == "EpisodeOfCare"]
    mine = episodes[0]["managingOrganization"]
    project = next(r for r in resources.values() if r["resourceType"] == "HealthcareService"
                   and r["providedBy"] == mine)["id"]
    reader = signed_in(client.application, "fhir-one", (f"project:{project}:read", "pii:read"))
    hidden = [(r, c) for c in cid for r in _everything(client, c)
              if r["resourceType"] in ("EpisodeOfCare", "Encounter", "Coverage", "Condition")
              and (r["resourceType"] != "EpisodeOfCare" or True)]
    missing = reader.get("/fhir/Patient/00000000000000000000")
    for resource, patient in hidden:
        answer = reader.get(f"/fhir/{resource['resourceType']}/{resource['id']}")
        if answer.status_code == 200:
            assert reader.get(f"/fhir/Patient/{patient}").status_code == 200
            continue
        assert answer.status_code == 404
    for patient in cid:
        answer = reader.get(f"/fhir/Patient/{patient}")
        if answer.status_code == 404:
            assert answer.get_data() == missing.get_data() and answer.headers["Content-Type"] == \
                missing.headers["Content-Type"]
            assert reader.get(f"/fhir/EpisodeOfCare?patient=Patient/{patient}").get_json()["entry"] == []
            assert reader.get(f"/fhir/Coverage?beneficiary=Patient/{patient}").get_json()["entry"] == []
