"""The audit trail as auditors read it (GET /api/v1/audit): who, when, which records and fields,
whichever form an entry was written in, and entries small enough that reads do not swamp the store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from backends import new_store
from conftest import signed_in

from hmis_ld.api import create_app
from hmis_ld.authz.audit import PROV
from hmis_ld.model import iris
from hmis_ld.model.schema import EXT

KEYS = ("time", "UserID", "account", "operation", "recordType", "records", "fields")
READER = ("all:read", "pii:read")


@pytest.fixture(scope="module")
def app(demo_dump: bytes):
    """One store for the module: each test reads and writes as accounts of its own."""
    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return create_app({"STORE": store, "TESTING": True})


@pytest.fixture(scope="module")
def auditor(app):
    return signed_in(app, "auditor", ("audit",))


def _entries(auditor, **query: str) -> list[dict]:
    return auditor.get("/api/v1/audit", query_string={**query, "limit": "500"}).get_json()["entries"]


def test_the_account_is_the_user_unless_a_client_acts_for_one(app, auditor) -> None:
    reader = signed_in(app, "reader-1", READER)
    pid = reader.get("/api/v1/clients?limit=1").get_json()["clients"][0]["PersonalID"]
    reader.get(f"/api/v1/clients/{pid}")
    vendor = signed_in(app, "vendor-sync", ("all:read", "all:write", "act-as"))
    acted = vendor.patch(f"/api/v1/client/{pid}", json={"NameDataQuality": 1}, headers={"X-Acting-User": "u-42"})
    assert acted.status_code == 200
    reads = _entries(auditor, record=pid, user="reader-1")
    assert len(reads) == 2 and {(e["operation"], e["UserID"], e["account"]) for e in reads} == {
        ("read", "reader-1", "reader-1")}
    (update,) = _entries(auditor, record=pid, user="u-42")
    assert (update["operation"], update["UserID"], update["account"]) == ("update", "u-42", "vendor-sync")
    assert "NameDataQuality" in update["fields"]


def test_entries_written_by_an_earlier_version_read_as_before(app, auditor) -> None:
    """A store from before entries were made smaller holds typed entries that always name the
    account: the trail answers them in the same shape, next to new ones."""
    store = app.extensions["hmis_ld"].store
    old, graph = ox.NamedNode(iris.BASE + "audit:earlier"), ox.NamedNode(iris.AUDIT)
    facts = [("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(PROV + "Activity")),
             (PROV + "startedAtTime", ox.Literal("2025-01-02T03:04:05", datatype=ox.NamedNode(
                 "http://www.w3.org/2001/XMLSchema#dateTime"))),
             (PROV + "wasAssociatedWith", ox.NamedNode(iris.BASE + "account:worker%207")),
             (EXT + "userID", ox.Literal("w7")), (EXT + "operation", ox.Literal("read")),
             (EXT + "recordType", ox.Literal("Client")), (EXT + "recordKey", ox.Literal("P-1")),
             (EXT + "recordKey", ox.Literal("P-2")), (EXT + "field", ox.Literal("DOB")),
             (EXT + "field", ox.Literal("SSN"))]
    store.extend(ox.Quad(old, ox.NamedNode(p), o, graph) for p, o in facts)
    signed_in(app, "reader-2", READER).get("/api/v1/clients?limit=3")
    (earlier,) = _entries(auditor, record="P-1")
    assert {k: earlier[k] for k in KEYS[:5]} == {
        "time": "2025-01-02T03:04:05", "UserID": "w7", "account": "worker 7", "operation": "read", "recordType": "Client"}
    assert sorted(earlier["records"]) == ["P-1", "P-2"] and sorted(earlier["fields"]) == ["DOB", "SSN"]
    everything = _entries(auditor, since="2000-01-01T00:00:00")
    assert earlier in everything and all(tuple(e) == KEYS for e in everything)
    assert any(e["UserID"] == "reader-2" and len(e["records"]) == 3 for e in everything)


def test_a_page_read_is_one_entry_of_a_key_per_person_and_a_small_header(app, auditor) -> None:
    shown = signed_in(app, "reader-3", READER).get("/api/v1/clients?limit=20").get_json()["clients"]
    (entry,) = _entries(auditor, user="reader-3")
    assert sorted(entry["records"]) == sorted(c["PersonalID"] for c in shown)
    assert entry["fields"] and all(f in ("FirstName", "MiddleName", "LastName", "NameSuffix", "SSN", "DOB")
                                   for f in entry["fields"])
    rows = app.extensions["hmis_ld"].store.select(f'SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EXT}userID> "reader-3" ; ?p ?o }}',
                        graphs=[iris.AUDIT])  # the test's own look at the stored entry
    assert int(next(rows)["n"].value) == len(shown) + len(entry["fields"]) + 4
