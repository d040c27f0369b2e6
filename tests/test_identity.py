"""Deduplication on intake, persons and durable client records, over HTTP."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from backends import new_store
from conftest import signed_in, stale_documents, stale_on_parents
from hud_files import read_rows

from hmis_ld.api import create_app

NEW_PERSON = {"FirstName": "Marguerite", "LastName": "Okonkwo-Reyes", "NameDataQuality": 1, "SSN": "412553817",
              "SSNDataQuality": 1, "DOB": "1981-04-17", "DOBDataQuality": 1, "AmIndAKNative": 0, "Asian": 0,
              "BlackAfAmerican": 1, "HispanicLatinao": 0, "MidEastNAfrican": 0, "NativeHIPacific": 0, "White": 0,
              "VeteranStatus": 0}


@pytest.fixture
def app(demo_dump: bytes):
    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return create_app({"STORE": store, "TESTING": True})


@pytest.fixture
def admin(app):
    return signed_in(app, "admin", ("all:read", "all:write", "pii:read", "admin", "audit"))


def _project_with_clients(demo_csv: Path) -> tuple[str, str]:
    enrollment = read_rows(demo_csv / "Enrollment.csv")[0]
    return enrollment["ProjectID"], enrollment["PersonalID"]


def test_same_person_twice_links_to_one_person(admin) -> None:
    first = admin.post("/api/v1/client", json=NEW_PERSON)
    assert first.status_code == 201 and first.get_json()["match"]["grade"] is None
    pid = first.get_json()["PersonalID"]
    again = admin.post("/api/v1/clients", json={**NEW_PERSON, "FirstName": "MARGUERITE"})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["PersonalID"] == pid and again.get_json()["match"]["grade"] == "certain"


def test_export_of_changes_gives_a_person_the_row_of_their_newest_client_record(admin, demo_csv: Path) -> None:
    """A person's Client.csv row is their newest client record: an older one that changed in the
    window does not bring the person in with stale fields."""
    clients = read_rows(demo_csv / "Client.csv")
    a, b = clients[0]["PersonalID"], clients[1]["PersonalID"]
    assert admin.post("/api/v1/persons/merge", json={"survivor": a, "merged": b}).status_code == 200
    records = [admin.get(f"/api/v1/clientrecords/{c}").get_json()
               for c in admin.get(f"/api/v1/persons/{a}").get_json()["ClientIDs"]]
    older = next(r for r in records if r["FirstName"] == clients[0]["FirstName"])
    newer = next(r for r in records if r["FirstName"] == clients[1]["FirstName"])
    assert admin.patch(f"/api/v1/clientrecords/{newer['ClientID']}", json={"NameSuffix": "Jr."}).status_code == 200

    def exported(since: str, until: str = "") -> dict[str, dict]:
        body = admin.get(f"/api/v1/csvexport?changedSince={since}" + (f"&changedUntil={until}" if until else ""))
        return {c["PersonalID"]: c for c in body.get_json()["Client.csv"]}

    assert a not in exported(older["DateUpdated"], older["DateUpdated"])
    row = exported(older["DateUpdated"])[a]
    assert row["NameSuffix"] == "Jr." and row["FirstName"] == clients[1]["FirstName"]


def test_list_pages_show_the_newest_client_record_the_caller_may_see(app, admin, demo_csv: Path) -> None:
    """A page shows each person once, as their newest client record; a reader of one project
    sees the record of that project, however new the others are."""
    clients = {c["PersonalID"]: c for c in read_rows(demo_csv / "Client.csv")}
    projects: dict[str, set[str]] = {}
    for e in read_rows(demo_csv / "Enrollment.csv"):
        projects.setdefault(e["PersonalID"], set()).add(e["ProjectID"])
    a = next(pid for pid, ps in projects.items() if len(ps) == 1)
    (project,) = projects[a]
    b = next(pid for pid, ps in projects.items() if project not in ps and clients[pid]["LastName"])
    assert admin.post("/api/v1/persons/merge", json={"survivor": a, "merged": b}).status_code == 200
    records = [admin.get(f"/api/v1/clientrecords/{c}").get_json()
               for c in admin.get(f"/api/v1/persons/{a}").get_json()["ClientIDs"]]
    newer = next(r for r in records if r["FirstName"] == clients[b]["FirstName"])
    assert admin.patch(f"/api/v1/clientrecords/{newer['ClientID']}", json={"NameSuffix": "Jr."}).status_code == 200
    reader = signed_in(app, "one-project", (f"project:{project}:read", "pii:read"))

    def listed(client, path: str, body: dict | None = None) -> dict:
        response = client.post(path, json=body) if body else client.get(path)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        entries = page[0]["matchedClients"] if body else page["clients"]
        (entry,) = [c for c in entries if c["PersonalID"] == a]
        return entry

    for client, first, suffix in ((admin, clients[b]["FirstName"], "Jr."), (reader, clients[a]["FirstName"], None)):
        entry = listed(client, f"/api/v1/project/{project}/clients?limit=500")
        assert (entry["FirstName"], entry.get("NameSuffix")) == (first, suffix)
    entry = listed(admin, "/api/v1/client/search?limit=500", {"LastName": clients[b]["LastName"]})
    assert (entry["FirstName"], entry.get("NameSuffix")) == (clients[b]["FirstName"], "Jr.")


def test_every_answer_that_shows_a_persons_identifiers_is_an_audited_read(admin) -> None:
    """Matching candidates, a client record by ClientID, and an intake that finds the person
    already held all return names, SSN and DOB: each adds a read entry naming the person."""
    pid = admin.post("/api/v1/client", json=NEW_PERSON).get_json()["PersonalID"]

    def reads() -> int:
        entries = admin.get(f"/api/v1/audit?record={pid}&user=admin&limit=500").get_json()["entries"]
        return sum(e["operation"] == "read" for e in entries)

    client_id = admin.get(f"/api/v1/persons/{pid}").get_json()["ClientIDs"][0]
    calls = [lambda: admin.post("/api/v1/client/match", json=NEW_PERSON),
             lambda: admin.get(f"/api/v1/clientrecords/{client_id}"),
             lambda: admin.post("/api/v1/client", json=NEW_PERSON)]
    for call in calls:
        before = reads()
        response = call()
        assert response.status_code == 200 and NEW_PERSON["SSN"] in response.get_data(as_text=True)
        assert reads() == before + 1


def test_uncertain_match_creates_and_queues_a_review_then_accept_merges(admin) -> None:
    pid = admin.post("/api/v1/client", json=NEW_PERSON).get_json()["PersonalID"]
    typo = {**NEW_PERSON, "FirstName": "Margarite", "LastName": "Okonkwo", "SSN": "", "SSNDataQuality": 99}
    second = admin.post("/api/v1/client", json=typo)
    assert second.status_code == 201, second.get_json()
    other = second.get_json()["PersonalID"]
    grade = second.get_json()["match"]["grade"]
    assert other != pid and grade in ("probable", "possible")
    queue = admin.get("/api/v1/matches").get_json()["matches"]
    review = next(r for r in queue if set(r["PersonalIDs"]) == {pid, other})
    assert all(str(v) not in ("Margarite", "Okonkwo") for v in review["evidence"].values())
    decided = admin.post(f"/api/v1/matches/{review['id']}", json={"decision": "accept"}).get_json()
    survivor = decided["PersonalID"]
    gone = other if survivor == pid else pid
    assert admin.get(f"/api/v1/clients/{gone}").get_json()["PersonalID"] == survivor
    person = admin.get(f"/api/v1/persons/{gone}").get_json()
    assert person["PersonalID"] == survivor and len(person["ClientIDs"]) == 2
    assert [h["operation"] for h in person["history"]] == ["merge"]
    audit = admin.get("/api/v1/audit?since=2000-01-01T00:00:00").get_json()["entries"]
    assert any(e["operation"] == "merge" for e in audit)


def test_merge_split_and_no_automatic_re_merge(admin, demo_csv: Path) -> None:
    clients = read_rows(demo_csv / "Client.csv")
    a, b = clients[0]["PersonalID"], clients[1]["PersonalID"]
    merged = admin.post("/api/v1/persons/merge", json={"survivor": a, "merged": b})
    assert merged.status_code == 200 and merged.get_json()["PersonalID"] == a
    assert admin.get(f"/api/v1/clients/{b}").get_json()["PersonalID"] == a
    enrollments = admin.get(f"/api/v1/client/{b}/enrollments").get_json()["enrollments"]
    expected = {e["EnrollmentID"] for e in read_rows(demo_csv / "Enrollment.csv") if e["PersonalID"] in (a, b)}
    assert {e["EnrollmentID"] for e in enrollments} == expected
    assert all(e["PersonalID"] == a for e in enrollments)
    conflict = admin.patch(f"/api/v1/client/{a}", json={"NameSuffix": "Jr."})
    assert conflict.status_code == 409 and "ClientIDs" in conflict.get_json()["detail"]
    person = admin.get(f"/api/v1/persons/{a}").get_json()
    record = admin.get(f"/api/v1/clientrecords/{person['ClientIDs'][0]}")
    assert record.status_code == 200
    patched = admin.patch(f"/api/v1/clientrecords/{person['ClientIDs'][0]}", json={"NameSuffix": "Jr."})
    assert patched.status_code == 200 and patched.get_json()["NameSuffix"] == "Jr."
    b_records = [c for c in person["ClientIDs"]
                 if admin.get(f"/api/v1/clientrecords/{c}").get_json()["FirstName"] == clients[1]["FirstName"]]
    split = admin.post(f"/api/v1/persons/{a}/split", json={"ClientIDs": b_records})
    assert split.status_code == 201
    new_pid = split.get_json()["PersonalID"]
    moved = admin.get(f"/api/v1/client/{new_pid}/enrollments").get_json()["enrollments"]
    assert {e["EnrollmentID"] for e in moved} == {e["EnrollmentID"] for e in read_rows(demo_csv / "Enrollment.csv")
                                                  if e["PersonalID"] == b}
    again = admin.post("/api/v1/persons/merge", json={"survivor": a, "merged": new_pid})
    assert again.status_code == 409
    assert stale_documents(admin.application.config["STORE"]) == []
    assert stale_on_parents(admin.application.config["STORE"]) == set()


def test_a_person_merged_twice_resolves_to_the_last_survivor(admin, demo_csv: Path) -> None:
    clients = read_rows(demo_csv / "Client.csv")
    a, b, c = (clients[i]["PersonalID"] for i in (4, 5, 6))
    assert admin.post("/api/v1/persons/merge", json={"survivor": b, "merged": a}).status_code == 200
    assert admin.post("/api/v1/persons/merge", json={"survivor": c, "merged": b}).status_code == 200
    for pid in (a, b, c):
        assert admin.get(f"/api/v1/clients/{pid}").get_json()["PersonalID"] == c
        found = admin.post("/api/v1/client/search", json={"PersonalID": pid}).get_json()[0]["matchedClients"]
        assert [m["PersonalID"] for m in found] == [c]
        person = admin.get(f"/api/v1/persons/{pid}").get_json()
        assert person["PersonalID"] == c and [h["operation"] for h in person["history"]] == ["merge", "merge"]
    enrollments = admin.get(f"/api/v1/client/{a}/enrollments").get_json()["enrollments"]
    assert {e["EnrollmentID"] for e in enrollments} == {
        e["EnrollmentID"] for e in read_rows(demo_csv / "Enrollment.csv") if e["PersonalID"] in (a, b, c)}
    again = admin.post("/api/v1/persons/merge", json={"survivor": a, "merged": c})
    assert again.status_code == 409


def test_twenty_concurrent_creates_of_one_person_make_one_person(app) -> None:
    client = signed_in(app, "intake", ("all:read", "all:write", "pii:read"))
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def post() -> None:
        response = app.test_client().post("/api/v1/client", json=NEW_PERSON,
                                          headers={"Authorization": client.environ_base["HTTP_AUTHORIZATION"]})
        with lock:
            results.append((response.status_code, response.get_json()["PersonalID"]))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({pid for _, pid in results}) == 1
    assert sorted(status for status, _ in results) == [200] * 19 + [201]


def test_a_match_the_caller_cannot_see_looks_like_a_new_person(app, demo_csv: Path) -> None:
    project, _ = _project_with_clients(demo_csv)
    enrollments = read_rows(demo_csv / "Enrollment.csv")
    in_project = {e["PersonalID"] for e in enrollments if e["ProjectID"] == project}
    hidden = next(c for c in read_rows(demo_csv / "Client.csv")
                  if c["PersonalID"] not in in_project and c["SSNDataQuality"] == "1" and c["DOB"])
    worker = signed_in(app, "worker", (f"project:{project}:read", f"project:{project}:write", "pii:read"))
    body = {k: hidden[k] for k in ("FirstName", "LastName", "SSN", "DOB")}
    body.update({k: int(hidden[k]) for k in ("NameDataQuality", "SSNDataQuality", "DOBDataQuality", "AmIndAKNative",
                                             "Asian", "BlackAfAmerican", "HispanicLatinao", "MidEastNAfrican",
                                             "NativeHIPacific", "White", "VeteranStatus")})
    assert worker.post("/api/v1/client/match", json=body).get_json() == {"candidates": []}
    created = worker.post(f"/api/v1/client?ProjectID={project}", json=body)
    fresh = worker.post(f"/api/v1/client?ProjectID={project}", json={**NEW_PERSON})
    assert created.status_code == fresh.status_code == 201
    assert created.get_json()["match"] == fresh.get_json()["match"] == {"grade": None, "review": None}
    assert created.get_json()["PersonalID"] != hidden["PersonalID"]
    admin = signed_in(app, "admin2", ("admin",))
    queued = admin.get("/api/v1/matches").get_json()["matches"]
    assert any(set(r["PersonalIDs"]) == {hidden["PersonalID"], created.get_json()["PersonalID"]} for r in queued)


def test_method_is_published(admin) -> None:
    method = admin.get("/api/v1/dedup/method").get_json()
    text = str(method).lower()
    assert "certain" in text and "probable" in text and "ssn" in text


def test_link_moves_one_record_with_its_history_to_another_person(admin, demo_csv: Path) -> None:
    clients = read_rows(demo_csv / "Client.csv")
    a, b = clients[2]["PersonalID"], clients[3]["PersonalID"]
    admin.post("/api/v1/persons/merge", json={"survivor": a, "merged": b})
    target = admin.post("/api/v1/client", json=NEW_PERSON).get_json()["PersonalID"]
    b_record = next(c for c in admin.get(f"/api/v1/persons/{a}").get_json()["ClientIDs"]
                    if admin.get(f"/api/v1/clientrecords/{c}").get_json()["FirstName"] == clients[3]["FirstName"])
    linked = admin.post(f"/api/v1/persons/{target}/link", json={"ClientID": b_record})
    assert linked.status_code == 200 and linked.get_json()["PersonalID"] == target
    moved = {e["EnrollmentID"] for e in admin.get(f"/api/v1/client/{target}/enrollments").get_json()["enrollments"]}
    assert moved == {e["EnrollmentID"] for e in read_rows(demo_csv / "Enrollment.csv") if e["PersonalID"] == b}
    assert [h["operation"] for h in admin.get(f"/api/v1/persons/{target}").get_json()["history"]] == ["link"]


def test_a_merged_persons_record_keeps_its_iri_and_client_id_through_updates(admin, demo_csv: Path) -> None:
    """After a merge, two records of the person may sit in one project's graph; updating the one
    that came from the merged person rewrites it in place: it neither lands on the survivor's
    record nor changes its durable ClientID."""
    by_project: dict[str, list[str]] = {}
    for e in read_rows(demo_csv / "Enrollment.csv"):
        by_project.setdefault(e["ProjectID"], []).append(e["PersonalID"])
    a, b = next(sorted(set(people))[:2] for people in by_project.values() if len(set(people)) >= 2)
    assert admin.post("/api/v1/persons/merge", json={"survivor": a, "merged": b}).status_code == 200
    before = admin.get(f"/api/v1/persons/{a}").get_json()["ClientIDs"]
    originals = {c: admin.get(f"/api/v1/clientrecords/{c}").get_json() for c in before}
    for client_id, record in originals.items():
        patched = admin.patch(f"/api/v1/clientrecords/{client_id}", json={"NameSuffix": "IV"})
        assert patched.status_code == 200 and patched.get_json()["ClientID"] == client_id
        assert patched.get_json()["FirstName"] == record["FirstName"]
    assert admin.get(f"/api/v1/persons/{a}").get_json()["ClientIDs"] == before
    for client_id, record in originals.items():
        now = admin.get(f"/api/v1/clientrecords/{client_id}").get_json()
        assert (now["FirstName"], now["NameSuffix"]) == (record["FirstName"], "IV")
