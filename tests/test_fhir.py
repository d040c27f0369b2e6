"""The FHIR facade over HTTP: every resource it makes validates as FHIR (fhir.resources R4B),
errors are OperationOutcomes, a hidden resource answers like a missing one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from backends import new_store
from conftest import signed_in
from fhir.resources.R4B import get_fhir_model_class
from fhir_data import FIRST_DAY, MANY, write_fhir_export
from hud_files import read_rows
from medicaid_data import ENROLLMENTS

from hmis_ld.api import create_app
from hmis_ld.csv.importer import import_csv
from hmis_ld.fhir.service import ORDER

FHIR = "application/fhir+json"
PID_SYSTEM = "urn:hmis-ld:local:PersonalID"


def _validate(resource: dict) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _search(client, url: str) -> list[dict]:
    """Every resource of a searchset, following its next links: each page a valid Bundle
    without a total; no resource twice."""
    out: list[dict] = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200 and answer.mimetype == FHIR, (url, answer.get_json())
        bundle = answer.get_json()
        _validate(bundle)
        assert bundle["type"] == "searchset" and "total" not in bundle
        out += [e["resource"] for e in bundle["entry"]]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert len({(r["resourceType"], r["id"]) for r in out}) == len(out)
    return out


def _everything(client, cid: str, count: int = 3, **window: str) -> list[dict]:
    return _search(client, f"/fhir/Patient/{cid}/$everything?" + urlencode({"_count": count, **window}))


def _patients(client, limit: int = 6) -> list[str]:
    pids = [c["PersonalID"] for c in client.get(f"/api/v1/clients?limit={limit}").get_json()["clients"]]
    return [r["id"] for pid in pids for r in _search(client, f"/fhir/Patient?identifier={PID_SYSTEM}|{pid}")]


def _persons_with_every_kind(folder: Path) -> list[str]:
    """PersonalIDs (read from the CSV files, not through the API) whose records give every
    resource type: a service, a disability, health insurance, an exit."""
    def first(table: str, keep) -> str:
        return next(r["PersonalID"] for r in read_rows(folder / f"{table}.csv") if not r["DateDeleted"] and keep(r))
    return list(dict.fromkeys([
        first("Services", lambda r: True), first("Disabilities", lambda r: r["DisabilityResponse"] == "1"),
        first("IncomeBenefits", lambda r: "1" in (r["Medicaid"], r["Medicare"], r["SCHIP"], r["VHAServices"])),
        first("Exit", lambda r: True)]))


@pytest.mark.parametrize("source", ["testkit", "demo"])
def test_every_resource_type_validates_and_reads_back(source: str, request) -> None:
    client = request.getfixturevalue("http") if source == "testkit" else request.getfixturevalue("writable")[0]
    folder = request.getfixturevalue("testkit" if source == "testkit" else "demo_csv")
    kinds, read_back = set(), set()
    for pid in _persons_with_every_kind(folder):
        for cid in [r["id"] for r in _search(client, f"/fhir/Patient?identifier={PID_SYSTEM}|{pid}")]:
            resources = _everything(client, cid)
            assert resources[0]["resourceType"] == "Patient"
            for resource in resources:
                _validate(resource)
                kinds.add(resource["resourceType"])
                if (resource["resourceType"], cid) not in read_back:  # one of each type per record: fast
                    read_back.add((resource["resourceType"], cid))
                    read = client.get(f"/fhir/{resource['resourceType']}/{resource['id']}")
                    assert read.status_code == 200 and read.mimetype == FHIR and read.get_json() == resource
    assert kinds == set(ORDER)


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


# On a small synthetic export whose rows the tests know (fhir_data.py)

@pytest.fixture(scope="module")
def fhir_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fhir_export(tmp_path_factory.mktemp("fhir"))


def _app_over(folder: Path):
    store = new_store()
    import_csv(store, folder, progress=False)
    return create_app({"STORE": store, "TESTING": True})


@pytest.fixture(scope="module")
def kit(fhir_export: Path):
    return _app_over(fhir_export)


@pytest.fixture(scope="module")
def reader(kit):
    return signed_in(kit, "fhir-reader", ("all:read", "pii:read"))


def _persons(resources: list[dict]) -> set[str]:
    return {i["value"] for r in resources for i in r["identifier"] if i["system"] == PID_SYSTEM}


def _records(client, personal_id: str) -> dict[str, str]:
    """The person's client records the caller sees: ProjectID -> Patient id."""
    found = {}
    for patient in _search(client, f"/fhir/Patient?identifier={PID_SYSTEM}|{personal_id}"):
        for episode in _search(client, f"/fhir/EpisodeOfCare?patient=Patient/{patient['id']}"):
            found[ENROLLMENTS[episode["id"]][1]] = patient["id"]
    return found


def test_name_searches_take_prefixes_and_ignore_case_and_accents(reader) -> None:
    for query, persons in [("family=lopez", {"C1", "C2", "C3"}), ("family=LÓP", {"C1", "C2", "C3"}),
                           ("given=ana", {"C1", "C2", "C4"}), ("name=Ana%20Lopez", {"C1", "C2"}),
                           ("name=jones", {"C5", "C6"}), ("family=lopez&given=ben", {"C3"}),
                           ("family=nobody", set())]:
        assert _persons(_search(reader, f"/fhir/Patient?{query}")) == persons, query


def test_birthdate_with_prefixes(reader) -> None:
    for query, persons in [("birthdate=1990-01-01", {"C2", "C4"}), ("birthdate=eq1990-01-01", {"C2", "C4"}),
                           ("family=lopez&birthdate=ge1980-05-06", {"C1", "C2"}),
                           ("family=lopez&birthdate=le1980-05-06", {"C1", "C3"}),
                           ("family=lopez&birthdate=gt1980-05-06", {"C2"}),
                           ("family=lopez&birthdate=lt1980-05-06", {"C3"}),
                           ("family=lopez&birthdate=ge1976-01-01&birthdate=lt1990-01-01", {"C1"})]:
        assert _persons(_search(reader, f"/fhir/Patient?{query}")) == persons, query
    assert {r["birthDate"] for r in _search(reader, "/fhir/Patient?birthdate=1990-01-01")} == {"1990-01-01"}
    alone = reader.get("/fhir/Patient?birthdate=ge1980-01-01")  # a range is no search key: it only narrows
    assert alone.status_code == 400 and alone.get_json()["resourceType"] == "OperationOutcome"


def test_patient_search_by_last_update_and_count(reader) -> None:
    assert _persons(_search(reader, "/fhir/Patient?family=lopez&_lastUpdated=lt2026-02-01")) == {"C1"}
    assert _persons(_search(reader, "/fhir/Patient?family=lopez&_lastUpdated=ge2026-02-01"
                                    "&_lastUpdated=lt2026-03-01")) == {"C2"}
    assert _persons(_search(reader, "/fhir/Patient?family=lopez&_lastUpdated=gt2026-04-01")) == set()
    pages, url = [], "/fhir/Patient?family=lopez&_count=1"
    while url:
        bundle = reader.get(url).get_json()
        pages.append(_persons([e["resource"] for e in bundle["entry"]]))
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert sorted(map(sorted, pages)) == [["C1"], ["C2"], ["C3"]]  # a page holds one person's records


def test_episode_of_care_by_patient_date_last_update_and_count(reader) -> None:
    record = _records(reader, "C6")["P2"]  # E7 2026-01-01 to 2026-02-15, E8 open since 2026-03-10
    for query, episodes in [("date=2026-02-01", ["E7"]), ("date=ge2026-03-01", ["E8"]), ("date=le2026-01-31", ["E7"]),
                            ("date=gt2026-02-15", ["E8"]), ("date=lt2026-03-10", ["E7"]),
                            ("date=ge2026-02-01&date=le2026-03-31", ["E7", "E8"]), ("date=2026-03-01", []),
                            ("_lastUpdated=lt2026-03-01", ["E7"]), ("_lastUpdated=ge2026-03-01", ["E8"]),
                            ("_count=1", ["E7", "E8"])]:
        found = _search(reader, f"/fhir/EpisodeOfCare?patient=Patient/{record}&{query}")
        assert [r["id"] for r in found] == episodes, query
    pages = reader.get(f"/fhir/EpisodeOfCare?patient=Patient/{record}&_count=1").get_json()
    assert len(pages["entry"]) == 1 and any(link["relation"] == "next" for link in pages["link"])


def _periods(resources: list[dict]) -> set[tuple]:
    return {(r["id"].split("-")[0], r["period"]["start"], r["period"].get("end"),
             r["type"].get("coding", [{}])[0].get("code")) for r in resources}


def test_coverage_comes_from_insurance_with_its_periods(reader) -> None:
    c3 = _records(reader, "C3")
    assert _periods(_search(reader, f"/fhir/Coverage?beneficiary=Patient/{c3['P1']}")) == {
        ("SCHIP", "2026-02-01", "2026-02-28", None),  # IB21 says no on 2026-03-01
        ("VHAServices", "2026-02-01", None, "32"), ("OtherInsurance", "2026-02-01", None, None)}
    assert _periods(_search(reader, f"/fhir/Coverage?beneficiary=Patient/{c3['P3']}")) == {
        ("Medicaid", "2026-02-01", None, "2"), ("Medicare", "2026-02-01", None, "1")}
    assert _periods(_search(reader, f"/fhir/Coverage?beneficiary={_records(reader, 'C1')['P1']}")) == {
        ("Medicaid", "2026-01-10", "2026-03-14", "2")}
    assert _periods(_search(reader, f"/fhir/Coverage?beneficiary=Patient/{_records(reader, 'C6')['P2']}")) == {
        ("Medicaid", "2026-01-01", "2026-02-15", "2"), ("Medicaid", "2026-03-10", None, "2")}  # the exit day counts
    # lastUpdated: the latest of the records that decide the period (IB20, IB21; IB6 for P3)
    assert {r["meta"]["lastUpdated"] for r in _search(reader, f"/fhir/Coverage?beneficiary=Patient/{c3['P1']}")} \
        == {"2026-03-01T10:00:00Z"}
    assert len(_search(reader, f"/fhir/Coverage?beneficiary=Patient/{c3['P1']}&_lastUpdated=lt2026-04-01")) == 3
    assert _search(reader, f"/fhir/Coverage?beneficiary=Patient/{c3['P3']}&_lastUpdated=lt2026-04-01") == []
    first = reader.get(f"/fhir/Coverage?beneficiary=Patient/{c3['P1']}&_count=2").get_json()
    assert len(first["entry"]) == 2 and len(_search(reader, first["link"][1]["url"])) == 1


def test_everything_pages_a_client_with_many_services_and_keeps_to_its_window(reader) -> None:
    record = _records(reader, "C1")["P1"]
    paged = _everything(reader, record, count=7)  # about 20 pages; no duplicates (_search)
    assert paged == _everything(reader, record, count=500)  # no gaps, the same order
    encounters = {r["id"] for r in paged if r["resourceType"] == "Encounter"}
    assert encounters == {f"M{n}" for n in range(MANY)} | {"S1", "S2", "S3", "S4"}  # S16 is deleted
    days = {f"M{n}": FIRST_DAY + dt.timedelta(days=n) for n in range(MANY)}
    february = _everything(reader, record, count=500, start="2026-02-01", end="2026-02-28")
    assert {r["id"] for r in february if r["resourceType"] == "Encounter"} == \
        {k for k, d in days.items() if d.month == 2} | {"S1"}
    assert {r["resourceType"] for r in february} == {"Patient", "Organization", "HealthcareService", "EpisodeOfCare",
                                                     "Encounter", "Coverage"}  # the entry Observation is January's
    since = _everything(reader, record, count=500, _since="2026-03-01T00:00:00Z")
    assert {r["id"] for r in since if r["resourceType"] == "Encounter"} == \
        {k for k, d in days.items() if d >= dt.date(2026, 3, 1)} | {"S1", "S2", "S3", "S4"}
    assert all(r["meta"]["lastUpdated"] >= "2026-03-01" for r in since[1:])


def test_ssn_only_with_pii_read(kit, reader) -> None:
    ssn = "http://hl7.org/fhir/sid/us-ssn"
    [patient] = _search(reader, f"/fhir/Patient?identifier={ssn}|123456789")
    assert {"system": ssn, "value": "123456789"}.items() <= next(
        i for i in patient["identifier"] if i["system"] == ssn).items()
    plain = signed_in(kit, "fhir-plain", ("all:read",))
    assert all(i["system"] != ssn for i in plain.get(f"/fhir/Patient/{patient['id']}").get_json()["identifier"])
    assert _search(plain, f"/fhir/Patient?identifier={ssn}|123456789") == []
    everything = _everything(plain, patient["id"], count=500)
    assert "123456789" not in json.dumps(everything) and "López" not in json.dumps(everything)


def test_format_json_is_honoured_and_errors_are_operation_outcomes(reader) -> None:
    record = _records(reader, "C6")["P2"]
    for url in ["/fhir/metadata", "/fhir/Patient?family=jones", f"/fhir/Patient/{record}",
                f"/fhir/Patient/{record}/$everything", f"/fhir/EpisodeOfCare?patient=Patient/{record}",
                "/fhir/EpisodeOfCare/E7"]:
        for wanted in ("json", "application/fhir%2Bjson", "application/fhir+json", "application/json"):
            answer = reader.get(url + ("&" if "?" in url else "?") + "_format=" + wanted)
            assert answer.status_code == 200 and answer.mimetype == FHIR, (url, wanted)
    paged = reader.get("/fhir/Patient?family=jones&_count=1&_format=json").get_json()
    assert "_format=json" in paged["link"][1]["url"]
    for url, status in [("/fhir/Patient?family=jones&_format=xml", 406), ("/fhir/Patient?birthdate=someday", 400),
                        (f"/fhir/EpisodeOfCare?patient=Patient/{record}&date=soon", 400),
                        (f"/fhir/Patient/{record}/$everything?start=2026-13-01", 400),
                        (f"/fhir/Patient/{record}/$everything?_count=-1", 400),
                        (f"/fhir/Coverage?beneficiary=Patient/{record}&_lastUpdated=x", 400),
                        ("/fhir/Coverage", 400), ("/fhir/Claim/S1", 404), ("/fhir/Encounter/nothing", 404)]:
        answer = reader.get(url)
        assert answer.status_code == status and answer.mimetype == FHIR, url
        outcome = answer.get_json()
        _validate(outcome)
        assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["diagnostics"]


def _same_as_missing(hidden, missing) -> None:
    """A hidden resource answers like a missing one: status, body and headers but the
    per-request ones."""
    def headers(answer) -> dict:
        return {k: v for k, v in answer.headers.items() if k not in ("Date", "X-Request-ID")}
    assert (hidden.status_code, hidden.get_data(), headers(hidden)) == \
        (missing.status_code, missing.get_data(), headers(missing))


def test_a_reader_of_one_project_never_sees_another_projects_resources(kit, reader) -> None:
    c3 = _records(reader, "C3")  # enrolled in P1 (E3) and P3 (E4)
    theirs = [r for r in _everything(reader, c3["P3"], count=500)
              if r["resourceType"] in ("EpisodeOfCare", "Encounter", "Condition", "Coverage", "Observation")]
    assert {r["resourceType"] for r in theirs} == {"EpisodeOfCare", "Encounter", "Condition", "Coverage",
                                                   "Observation"}
    p1 = signed_in(kit, "fhir-p1", ("project:P1:read", "pii:read", "payment"))
    for resource in theirs:
        kind = resource["resourceType"]
        _same_as_missing(p1.get(f"/fhir/{kind}/{resource['id']}"), p1.get(f"/fhir/{kind}/{resource['id']}0"))
    _same_as_missing(p1.get(f"/fhir/Patient/{c3['P3']}"), p1.get("/fhir/Patient/0000000000000000000f"))
    _same_as_missing(p1.get(f"/fhir/Patient/{c3['P3']}/$everything"),
                     p1.get("/fhir/Patient/0000000000000000000f/$everything"))
    assert _search(p1, f"/fhir/EpisodeOfCare?patient=Patient/{c3['P3']}") == []
    assert _search(p1, f"/fhir/Coverage?beneficiary=Patient/{c3['P3']}") == []
    assert _records(p1, "C3") == {"P1": c3["P1"]}
    mine = {(r["resourceType"], r["id"]) for r in _everything(p1, c3["P1"], count=500)}
    assert mine and not mine & {(r["resourceType"], r["id"]) for r in theirs}
    def claims(client) -> set[str]:
        bundle = client.get("/api/v1/billing/medicaid", query_string={"from": "2026-03-15", "to": "2026-04-30"})
        return {c["resource"]["identifier"][0]["value"] for c in bundle.get_json()["entry"]}
    assert claims(signed_in(kit, "fhir-biller", ("all:read", "payment"))) == {"S7", "S12", "S17"}
    assert claims(p1) == {"S7"}  # S12 is P2's, S17 P3's


def test_a_merge_links_the_patients_both_ways(fhir_export: Path) -> None:
    app = _app_over(fhir_export)
    admin = signed_in(app)
    assert admin.post("/api/v1/persons/merge", json={"survivor": "C5", "merged": "C6"}).status_code == 200
    found = _search(admin, f"/fhir/Patient?identifier={PID_SYSTEM}|C6")
    merged, records = found[0], found[1:]
    assert merged["active"] is False and merged["identifier"] == [
        {"use": "old", "system": PID_SYSTEM, "value": "C6"}]
    assert {link["type"] for link in merged["link"]} == {"replaced-by"}
    assert {link["other"]["reference"] for link in merged["link"]} == {f"Patient/{r['id']}" for r in records}
    assert _persons(records) == {"C5"} and len(records) == 2  # C5's record and the one C6 had, ClientIDs kept
    for record in records:
        assert {"type": "replaces", "other": {"reference": f"Patient/{merged['id']}", "identifier": {
            "system": PID_SYSTEM, "value": "C6"}, "display": "a person merged into this one"}} in record["link"]
        assert {"type": "seealso", "other": {"reference": f"Patient/{next(r['id'] for r in records if r != record)}"}
                } in record["link"]
        assert admin.get(f"/fhir/Patient/{record['id']}").get_json() == record
    assert admin.get(f"/fhir/Patient/{merged['id']}").get_json() == merged
    p1 = signed_in(app, "fhir-p1-merge", ("project:P1:read", "pii:read"))  # sees no record the merge moved
    assert _search(p1, f"/fhir/Patient?identifier={PID_SYSTEM}|C6") == []
    _same_as_missing(p1.get(f"/fhir/Patient/{merged['id']}"), p1.get("/fhir/Patient/merged-C9"))
    _same_as_missing(admin.get("/fhir/Patient/merged-C5"), admin.get("/fhir/Patient/merged-C9"))
