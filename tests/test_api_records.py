"""Foundational CRUD over HTTP: one collection per HMIS CSV file, formats, ETags, errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import stale_documents, stale_on_parents
from hud_files import read_rows
from pyld import jsonld

from hmis_ld.api.crud import CRUD_TABLES, collection_paths
from hmis_ld.model import MODEL
from hmis_ld.model.inference import derived_iris
from hmis_ld.model.jsonld import context
from hmis_ld.model.records import INTERNAL
from hmis_ld.store import EVERY_GRAPH

WRITABLE = {"DateCreated", "DateUpdated", "UserID", "DateDeleted", "ExportID"}


def _csv_value(raw: str) -> str:
    return raw.replace(" ", "T") if len(raw) == 19 and raw[10] == " " else raw


def _first_row(folder: Path, table: str) -> dict[str, str]:
    return read_rows(folder / f"{table}.csv")[0]


@pytest.mark.parametrize("table", [t.name for t in CRUD_TABLES])
def test_read_each_kind_of_record_as_in_the_csv(writable, demo_csv: Path, table: str) -> None:
    http, _ = writable
    row = _first_row(demo_csv, table)
    t = MODEL.tables[table]
    for base in collection_paths(t):
        response = http.get(f"/api/v1/{base}/{row[t.key]}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        for name, raw in row.items():
            if raw and name != "ExportID":
                assert str(body[name]) == _csv_value(raw) or float(body[name]) == float(raw), name
        assert response.headers["ETag"]


@pytest.mark.parametrize("table", [t.name for t in CRUD_TABLES])
def test_create_update_delete_each_kind_of_record(writable, demo_csv: Path, table: str) -> None:
    http, store = writable
    t = MODEL.tables[table]
    base = collection_paths(t)[0]
    source = http.get(f"/api/v1/{base}/{_first_row(demo_csv, table)[t.key]}").get_json()
    body = {k: v for k, v in source.items() if k not in WRITABLE and k != t.key}
    created = http.post(f"/api/v1/{base}", json=body)
    assert created.status_code == 201, created.get_json()
    key = created.get_json()[t.key]
    assert created.headers["Location"].endswith(f"/api/v1/{base}/{key}")
    assert t.key == "UserID" or created.get_json()["UserID"] == "tester"
    text_field = next((f for f in t.fields if f.kind == "string" and not f.required and not f.code_list
                       and f.name not in WRITABLE and not f.pattern and (f.max_length or 50) >= 5), None)
    if text_field is not None:
        etag = created.headers["ETag"]
        patched = http.patch(f"/api/v1/{base}/{key}", json={text_field.name: "Hello"}, headers={"If-Match": etag})
        assert patched.status_code == 200, patched.get_json()
        assert patched.get_json()[text_field.name] == "Hello"
        assert patched.headers["ETag"] != etag
        cleared = http.patch(f"/api/v1/{base}/{key}", json={text_field.name: None})
        assert text_field.name not in cleared.get_json()
    assert http.delete(f"/api/v1/{base}/{key}").status_code == 204
    gone = http.get(f"/api/v1/{base}/{key}")
    assert gone.status_code == 404 and gone.mimetype == "application/problem+json"
    assert stale_documents(store) == []
    assert stale_on_parents(store) == set()


def test_lists_page_through_a_collection_without_totals(writable, demo_csv: Path) -> None:
    http, _ = writable
    expected = {r["ServicesID"] for r in read_rows(demo_csv / "Services.csv")}
    seen: list[str] = []
    url = "/api/v1/services?limit=100"
    while url:
        response = http.get(url)
        seen += [s["ServicesID"] for s in response.get_json()]
        link = response.headers.get("Link", "")
        url = link[1:link.index(">")] if link else ""
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_patch_keeps_omitted_fields_and_sets_date_updated(writable, demo_csv: Path) -> None:
    http, _ = writable
    client = _first_row(demo_csv, "Client")
    before = http.get(f"/api/v1/clients/{client['PersonalID']}").get_json()
    after = http.patch(f"/api/v1/client/{client['PersonalID']}", json={"NameSuffix": "Jr.", "UserID": "mallory",
                                                                       "DateUpdated": "2000-01-01T00:00:00"})
    assert after.status_code == 200
    body = after.get_json()
    assert body["NameSuffix"] == "Jr." and body["UserID"] == "tester"
    assert body["DateUpdated"] > before["DateUpdated"]
    assert {k: v for k, v in body.items() if k not in ("NameSuffix", "DateUpdated", "UserID")} == {
        k: v for k, v in before.items() if k not in ("NameSuffix", "DateUpdated", "UserID")}


def test_if_match_mismatch_is_412_and_changes_nothing(writable, demo_csv: Path) -> None:
    http, store = writable
    pid = _first_row(demo_csv, "Client")["PersonalID"]
    before = store.dump_nquads()
    stale = http.patch(f"/api/v1/clients/{pid}", json={"NameSuffix": "Sr."}, headers={"If-Match": '"stale"'})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert http.delete(f"/api/v1/clients/{pid}", headers={"If-Match": '"stale"'}).status_code == 412
    assert store.dump_nquads() == before


def test_invalid_write_is_422_per_field_and_leaves_the_store_byte_for_byte(writable, demo_csv: Path) -> None:
    http, store = writable
    enrollment = _first_row(demo_csv, "Enrollment")
    before = store.dump_nquads()
    bad = http.post("/api/v1/exit", json={"EnrollmentID": enrollment["EnrollmentID"],
                                          "PersonalID": enrollment["PersonalID"], "ExitDate": "1999-01-01",
                                          "Destination": 4242})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    errors = bad.get_json()["errors"]
    assert {e["field"] for e in errors} >= {"Destination"}
    assert all({"field", "message", "severity"} <= set(e) for e in errors)
    before_exit = http.post("/api/v1/exit", json={"EnrollmentID": enrollment["EnrollmentID"],
                                                  "PersonalID": enrollment["PersonalID"], "ExitDate": "1999-01-01",
                                                  "Destination": 30 if "30" in MODEL.code_lists["3.12.1"].codes
                                                  else 99})
    assert before_exit.status_code == 422
    assert any(e["field"] == "ExitDate" for e in before_exit.get_json()["errors"])
    orphan = http.post("/api/v1/enrollments", json={"PersonalID": "nobody", "ProjectID": "nowhere",
                                                    "EntryDate": "2024-01-01", "RelationshipToHoH": 1,
                                                    "EnrollmentCoC": "XX-500", "DisablingCondition": 0})
    assert orphan.status_code == 422
    assert http.post("/api/v1/clients", data="not json", content_type="application/json").status_code in (400, 422)
    assert http.post("/api/v1/clients", json={"Nickname": "x"}).status_code == 422
    assert store.dump_nquads() == before


def test_new_client_in_a_project_and_enrollment_copies_the_client_there(writable, demo_csv: Path) -> None:
    http, _ = writable
    project = _first_row(demo_csv, "Project")
    client = http.post(f"/api/v1/client?ProjectID={project['ProjectID']}", json={
        "FirstName": "Ada", "LastName": "Lovelace", "NameDataQuality": 1, "SSNDataQuality": 99,
        "DOBDataQuality": 99, "AmIndAKNative": 0, "Asian": 0, "BlackAfAmerican": 0, "HispanicLatinao": 0,
        "MidEastNAfrican": 0, "NativeHIPacific": 0, "White": 1, "VeteranStatus": 0})
    assert client.status_code == 201, client.get_json()
    pid = client.get_json()["PersonalID"]
    assert client.headers["Location"].endswith(f"/api/v1/clients/{pid}")
    other = next(r for r in read_rows(demo_csv / "Project.csv") if r["ProjectID"] != project["ProjectID"])
    coc = next(r["CoCCode"] for r in read_rows(demo_csv / "ProjectCoC.csv") if r["ProjectID"] == other["ProjectID"])
    enrollment = http.post("/api/v1/enrollments", json={
        "PersonalID": pid, "ProjectID": other["ProjectID"], "EntryDate": "2026-01-05", "HouseholdID": "h-ada",
        "RelationshipToHoH": 1, "EnrollmentCoC": coc, "DisablingCondition": 0})
    assert enrollment.status_code == 201, enrollment.get_json()
    clients = http.get(f"/api/v1/project/{other['ProjectID']}/clients").get_json()["clients"]
    assert pid in {c["PersonalID"] for c in clients}
    found = http.post("/api/v1/client/search", json={"FirstName": "ada", "LastName": "LOVEL"}).get_json()
    assert [c["PersonalID"] for c in found[0]["matchedClients"]] == [pid]


def test_an_exit_written_patched_and_deleted_shows_in_the_enrollment_scenarios(writable, demo_csv: Path) -> None:
    http, store = writable
    exits = {r["EnrollmentID"] for r in read_rows(demo_csv / "Exit.csv")}
    enrollment = next(e for e in read_rows(demo_csv / "Enrollment.csv") if e["EnrollmentID"] not in exits)
    pid, project, eid = enrollment["PersonalID"], enrollment["ProjectID"], enrollment["EnrollmentID"]
    project_type = next(r["ProjectType"] for r in read_rows(demo_csv / "Project.csv") if r["ProjectID"] == project)
    day_after_entry = (dt.date.fromisoformat(enrollment["EntryDate"]) + dt.timedelta(days=1)).isoformat()

    def exit_dates() -> tuple[object, object]:
        mine = http.get(f"/api/v1/client/{pid}/enrollments").get_json()["enrollments"]
        theirs = http.get(f"/api/v1/project/{project}/clients?limit=500").get_json()["clients"]
        return (next(e.get("ExitDate") for e in mine if e["EnrollmentID"] == eid),
                next(c.get("exitDate") for c in theirs
                     if c["PersonalID"] == pid and c["entryDate"] == enrollment["EntryDate"]))

    def active_day_after_entry() -> bool:
        """Scenario 9 finds enrollments by when they may be active, which the exit decides."""
        response = http.get(f"/api/v1/clients?ProjectType={project_type}&active=true&asOf={day_after_entry}&limit=500")
        assert response.status_code == 200 and "Link" not in response.headers
        return any(e["EnrollmentID"] == eid for c in response.get_json()["clients"] for e in c["Enrollments"])

    assert exit_dates() == (None, None)
    assert active_day_after_entry()
    exits_path = f"/api/v1/{collection_paths(MODEL.tables['Exit'])[0]}"
    template = http.get(f"{exits_path}/{_first_row(demo_csv, 'Exit')['ExitID']}").get_json()
    body = {k: v for k, v in template.items() if k not in WRITABLE and k != "ExitID"}
    created = http.post(exits_path, json={**body, "EnrollmentID": eid, "PersonalID": pid,
                                               "ExitDate": enrollment["EntryDate"]})
    assert created.status_code == 201, created.get_json()
    exit_id = created.get_json()["ExitID"]
    assert exit_dates() == (enrollment["EntryDate"], enrollment["EntryDate"])
    assert not active_day_after_entry()
    enrollments_path = f"/api/v1/{collection_paths(MODEL.tables['Enrollment'])[0]}"
    assert http.patch(f"{enrollments_path}/{eid}", json={}).status_code == 200  # rewrites the enrollment
    assert exit_dates() == (enrollment["EntryDate"], enrollment["EntryDate"])
    assert not active_day_after_entry()
    assert http.patch(f"{exits_path}/{exit_id}", json={"ExitDate": day_after_entry}).status_code == 200
    assert active_day_after_entry()
    assert http.patch(f"{exits_path}/{exit_id}", json={"ExitDate": "2099-01-01"}).status_code == 200
    assert exit_dates() == ("2099-01-01", "2099-01-01")
    assert active_day_after_entry()
    assert http.delete(f"{exits_path}/{exit_id}").status_code == 204
    assert exit_dates() == (None, None)
    assert active_day_after_entry()
    assert stale_on_parents(store) == set()
    assert http.delete(f"{enrollments_path}/{eid}").status_code == 204
    assert not active_day_after_entry()
    assert stale_on_parents(store) == set()


def test_a_funder_written_patched_and_deleted_moves_its_project_between_funder_lookups(writable,
                                                                                        demo_csv: Path) -> None:
    http, store = writable
    funders_path = f"/api/v1/{collection_paths(MODEL.tables['Funder'])[0]}"
    template = http.get(f"{funders_path}/{_first_row(demo_csv, 'Funder')['FunderID']}").get_json()
    body = {k: v for k, v in template.items() if k not in WRITABLE and k not in ("FunderID", "OtherFunder")}
    project = _first_row(demo_csv, "Project")["ProjectID"]
    codes = {int(r["Funder"]) for r in read_rows(demo_csv / "Funder.csv") if r["ProjectID"] == project}
    first_code, second_code = sorted({2, 3, 4, 5, 6} - codes)[:2]

    def funded_by() -> set[int]:
        return {code for code in (first_code, second_code)
                if project in {p["ProjectID"] for p in
                               http.get(f"/api/v1/projects?Funder={code}&limit=500").get_json()["projects"]}}

    def create(code: int) -> str:
        created = http.post(funders_path, json={**body, "ProjectID": project, "Funder": code})
        assert created.status_code == 201, created.get_json()
        return created.get_json()["FunderID"]

    assert funded_by() == set()
    one, two = create(first_code), create(first_code)
    assert funded_by() == {first_code}
    assert http.patch(f"/api/v1/projects/{project}", json={}).status_code == 200  # rewrites the project
    assert funded_by() == {first_code}
    assert http.delete(f"{funders_path}/{one}").status_code == 204
    assert funded_by() == {first_code}  # the other Funder record of that code stays
    assert http.patch(f"{funders_path}/{two}", json={"Funder": second_code}).status_code == 200
    assert funded_by() == {second_code}
    assert http.delete(f"{funders_path}/{two}").status_code == 204
    assert funded_by() == set()
    assert stale_on_parents(store) == set()


def test_jsonld_expands_to_exactly_the_stored_triples(writable, demo_csv: Path) -> None:
    http, store = writable
    for table in ("Enrollment", "Exit", "IncomeBenefits", "Project"):
        t = MODEL.tables[table]
        key = _first_row(demo_csv, table)[t.key]
        response = http.get(f"/api/v1/{collection_paths(t)[0]}/{key}", headers={"Accept": "application/ld+json"})
        assert response.mimetype == "application/ld+json"
        doc = response.get_json()
        doc["@context"] = context()["@context"]
        expanded = jsonld.to_rdf(doc, {"format": "application/n-quads"})
        subject = doc["@id"]
        # triples children own on it (HUD's parent -> child links, restated exit dates) are not its
        # own; what the server keeps for itself (read copies, keys, the import's hash) is never
        # shown; derived classes are for queries
        skipped = ", ".join(f"<{p}>" for p in sorted({*MODEL.ownership.not_own, *INTERNAL}))
        derived = ", ".join(f"<{c}>" for c in sorted(derived_iris()))
        stored = {f"{r['s']} {r['p']} {r['o']} ." for r in store.select(
            f"SELECT ?s ?p ?o WHERE {{ BIND(<{subject}> AS ?s) ?s ?p ?o "
            f"FILTER(?p NOT IN ({skipped}) && ?o NOT IN ({derived})) }}", graphs=EVERY_GRAPH)}
        assert set(expanded.strip().splitlines()) == stored, table


def test_context_and_turtle_are_served(http) -> None:
    ctx = http.get("/api/v1/context.jsonld")
    assert ctx.status_code == 200 and ctx.get_json()["@context"]["FirstName"]["@id"] == "urn:hud:hmis:owl#FirstName"
    project = http.get("/api/v1/projects/1428", headers={"Accept": "text/turtle"})
    assert project.mimetype == "text/turtle"
    assert "hmis:ProjectID" in project.get_data(as_text=True)
    assert "ext:fields" not in project.get_data(as_text=True)  # a read cache, not the record's RDF


def test_unknown_routes_and_methods_are_problem_json(http) -> None:
    for response in (http.get("/api/v1/nothing-here"), http.put("/api/v1/clients/1")):
        assert response.mimetype == "application/problem+json"
        assert response.status_code in (404, 405)


def test_openapi_and_offline_docs(http) -> None:
    spec = http.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    for path in ("/api/v1/client/search", "/api/v1/clients", "/api/v1/projects", "/api/v1/csvexport",
                 "/api/v1/project/{ProjectID}/clients", "/api/v1/client/{PersonalID}/enrollments",
                 "/api/v1/client/{PersonalID}/changes", "/api/v1/client/{PersonalID}/services",
                 "/api/v1/exit/{key}", "/api/v1/youtheducationstatus"):
        assert path in spec["paths"], path
    assert "Client" in spec["components"]["schemas"]
    page = http.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
    assert http.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_conditional_get_answers_304_when_unchanged(writable, demo_csv: Path) -> None:
    http, _ = writable
    url = f"/api/v1/projects/{_first_row(demo_csv, 'Project')['ProjectID']}"
    etag = http.get(url).headers["ETag"]
    assert http.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert http.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_bad_value_is_reported_once(writable) -> None:
    http, _ = writable
    errors = http.post("/api/v1/clients", json={"NameDataQuality": 7}).get_json()["errors"]
    assert [e["message"] for e in errors if e["field"] == "NameDataQuality"] == ["not a code of list 3.01.5"]


def test_a_grouped_ssn_is_stored_as_its_nine_characters(writable) -> None:
    http, _ = writable
    created = http.post("/api/v1/client", json={
        "FirstName": "Grace", "LastName": "Hopper", "NameDataQuality": 1, "SSN": "412-55-3817", "SSNDataQuality": 1,
        "DOBDataQuality": 99, "AmIndAKNative": 0, "Asian": 0, "BlackAfAmerican": 0, "HispanicLatinao": 0,
        "MidEastNAfrican": 0, "NativeHIPacific": 0, "White": 1, "VeteranStatus": 0})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["SSN"] == "412553817"
    pid = created.get_json()["PersonalID"]
    patched = http.patch(f"/api/v1/client/{pid}", json={"SSN": "xxx xx 3817", "SSNDataQuality": 2})
    assert patched.status_code == 200 and patched.get_json()["SSN"] == "xxxxx3817"
    assert http.patch(f"/api/v1/client/{pid}", json={"SSN": "412-55-38170"}).status_code == 422
