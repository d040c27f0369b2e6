"""Authentication, authorization in the query layer, and the audit trail."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pyoxigraph as ox
import pytest
from backends import new_store
from conftest import signed_in
from hud_files import read_rows
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.tokens import Issuer


class Demo:
    """Who is where in the demo data, read from its CSV files."""

    def __init__(self, folder: Path):
        self.enrollments = read_rows(folder / "Enrollment.csv")
        self.clients = {c["PersonalID"]: c for c in read_rows(folder / "Client.csv")}
        by_project = defaultdict(set)
        projects_of = defaultdict(set)
        for e in self.enrollments:
            by_project[e["ProjectID"]].add(e["PersonalID"])
            projects_of[e["PersonalID"]].add(e["ProjectID"])
        self.project = max(by_project, key=lambda p: len(by_project[p]))
        self.visible = by_project[self.project]
        # one visible client with a full SSN, the same in every test process (a set's order is not)
        self.client = min(pid for pid in self.visible
                          if self.clients[pid]["SSN"].isdigit() and len(self.clients[pid]["SSN"]) == 9)
        self.hidden = next(pid for pid, projects in projects_of.items()
                           if self.project not in projects and self.clients[pid]["SSN"].isdigit())
        self.hidden_enrollment = next(e for e in self.enrollments if e["PersonalID"] == self.hidden)
        self.services = read_rows(folder / "Services.csv")


@pytest.fixture(scope="module")
def demo(demo_csv: Path) -> Demo:
    return Demo(demo_csv)


@pytest.fixture
def app(demo_dump: bytes):
    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return create_app({"STORE": store, "TESTING": True})


def body_of(response) -> tuple[int, str, object]:
    return response.status_code, response.mimetype, response.get_json(silent=True)


# Authentication

def _token(app, claims: dict, key=None, header: dict | None = None) -> str:
    issuer = Issuer(app.extensions["hmis_ld"].store, "hmis-ld", "hmis-ld-api")
    now = int(time.time())
    full = {"iss": "hmis-ld", "aud": "hmis-ld-api", "sub": "alice", "iat": now, "exp": now + 600,
            "scope": "all:read", **claims}
    key = key or issuer.key
    return jwt.encode(header or {"alg": "ES256", "kid": issuer.key.kid}, full, key)


def test_fresh_store_has_no_accounts_and_everything_needs_credentials(app) -> None:
    assert Accounts(app.extensions["hmis_ld"].store).all() == []
    client = app.test_client()
    for url in ("/api/v1/projects", "/api/v1/clients/1", "/api/v1/audit", "/api/v1/sparql?query=ASK{}"):
        response = client.get(url)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize("case", ["expired", "wrong issuer", "wrong audience", "bad signature", "alg none",
                                  "unknown subject", "garbage"])
def test_bad_tokens_are_401_without_detail(app, case: str) -> None:
    Accounts(app.extensions["hmis_ld"].store).add("alice")
    now = int(time.time())
    if case == "expired":
        token = _token(app, {"exp": now - 10, "iat": now - 700})
    elif case == "wrong issuer":
        token = _token(app, {"iss": "someone-else"})
    elif case == "wrong audience":
        token = _token(app, {"aud": "another-api"})
    elif case == "bad signature":
        token = _token(app, {}, key=ECKey.generate_key("P-256"))
    elif case == "alg none":
        header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
        claims = base64.urlsafe_b64encode(json.dumps({"iss": "hmis-ld", "aud": "hmis-ld-api", "sub": "alice",
                                                      "exp": now + 600, "scope": "all:read"}).encode()).rstrip(b"=")
        token = f"{header.decode()}.{claims.decode()}."
    elif case == "unknown subject":
        token = _token(app, {"sub": "mallory"})
    else:
        token = "not.a.token"
    response = app.test_client().get("/api/v1/projects", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.get_json()["detail"] == "valid credentials are required"


def test_a_token_stops_working_when_it_expires(app) -> None:
    accounts = Accounts(app.extensions["hmis_ld"].store)
    accounts.add("alice")
    accounts.grant("alice", "all:read")
    expires = int(time.time()) + 2
    headers = {"Authorization": f"Bearer {_token(app, {'exp': expires})}"}
    client = app.test_client()
    assert [client.get("/api/v1/projects", headers=headers).status_code for _ in range(2)] == [200, 200]
    time.sleep(expires - time.time() + 0.2)
    assert client.get("/api/v1/projects", headers=headers).status_code == 401


def test_missing_scope_is_403(app) -> None:
    client = signed_in(app, "reader", ("all:read",))
    for url in ("/api/v1/audit", "/api/v1/admin/users", "/api/v1/sparql?query=ASK%7B%7D"):
        response = client.get(url)
        assert response.status_code == 403 and response.mimetype == "application/problem+json"


def test_client_credentials_flow_and_scope_narrowing(app, demo: Demo) -> None:
    accounts = Accounts(app.extensions["hmis_ld"].store)
    secret = accounts.add("integration")
    accounts.grant("integration", "all:read")
    accounts.grant("integration", "pii:read")
    client = app.test_client()
    assert client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": "integration",
                                                     "client_secret": "wrong"}).status_code == 401
    narrow = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "scope": "all:read"},
                         headers={"Authorization": "Basic " + base64.b64encode(f"integration:{secret}".encode()).decode()})
    assert narrow.status_code == 200 and narrow.get_json()["scope"] == "all:read"
    token = narrow.get_json()["access_token"]
    record = client.get(f"/api/v1/clients/{demo.hidden}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert "FirstName" not in record and "SSN" not in record and record["PersonalID"] == demo.hidden
    assert client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": "integration",
                                                     "client_secret": secret, "scope": "admin"}).status_code == 400
    jwks = client.get("/api/v1/oauth/jwks.json").get_json()
    assert jwks["keys"] and "d" not in jwks["keys"][0]


def test_revoking_a_grant_takes_effect_on_live_tokens(app, demo: Demo) -> None:
    client = signed_in(app, "temp", ("all:read",))
    assert client.get(f"/api/v1/clients/{demo.hidden}").status_code == 200
    Accounts(app.extensions["hmis_ld"].store).revoke("temp", "all:read")
    assert client.get(f"/api/v1/clients/{demo.hidden}").status_code == 404


def test_http_basic_only_when_enabled(demo_dump: bytes) -> None:
    for enabled in (False, True):
        store = new_store()
        store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
        app = create_app({"STORE": store, "TESTING": True, "AUTH_BASIC": enabled})
        secret = Accounts(store).add("hud-client")
        Accounts(store).grant("hud-client", "all:read")
        basic = {"Authorization": "Basic " + base64.b64encode(f"hud-client:{secret}".encode()).decode()}
        assert app.test_client().get("/api/v1/projects", headers=basic).status_code == (200 if enabled else 401)
        wrong = {"Authorization": "Basic " + base64.b64encode(b"hud-client:nope").decode()}
        assert app.test_client().get("/api/v1/projects", headers=wrong).status_code == 401


class _Jwks(BaseHTTPRequestHandler):
    keys: ClassVar[dict] = {}

    def do_GET(self) -> None:
        body = json.dumps(self.keys).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_external_identity_provider_tokens_via_jwks(demo_dump: bytes) -> None:
    idp_key = RSAKey.generate_key(2048, parameters={"alg": "RS256"}, auto_kid=True)
    _Jwks.keys = {"keys": [idp_key.as_dict(private=False)]}
    server = HTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = new_store()
        store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
        app = create_app({"STORE": store, "TESTING": True,
                          "AUTH_EXTERNAL_JWKS_URL": f"http://127.0.0.1:{server.server_port}/jwks",
                          "AUTH_EXTERNAL_ISSUER": "https://idp.example", "AUTH_EXTERNAL_AUDIENCE": "hmis"})
        Accounts(store).add("carol")
        Accounts(store).grant("carol", "all:read")
        now = int(time.time())
        claims = {"iss": "https://idp.example", "aud": "hmis", "sub": "carol", "exp": now + 300, "scope": "all:read"}
        good = jwt.encode({"alg": "RS256", "kid": idp_key.kid}, claims, idp_key)
        assert app.test_client().get("/api/v1/projects", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        for bad in ({**claims, "aud": "other"}, {**claims, "iss": "https://evil.example"}, {**claims, "exp": now - 5}):
            token = jwt.encode({"alg": "RS256", "kid": idp_key.kid}, bad, idp_key)
            assert app.test_client().get("/api/v1/projects",
                                         headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        server.shutdown()


# Authorization: a hidden record is exactly as absent as a missing one

def test_hidden_and_missing_records_answer_identically(app, demo: Demo) -> None:
    client = signed_in(app, "caseworker", (f"project:{demo.project}:read", f"project:{demo.project}:write",
                                           "pii:read"))
    hidden = demo.clients[demo.hidden]
    enrollment = demo.hidden_enrollment
    service = next((s for s in demo.services if s["EnrollmentID"] == enrollment["EnrollmentID"]), None)
    probes = [
        ("get", "/api/v1/clients/{}", demo.hidden, "no-such-person"),
        ("get", "/api/v1/client/{}/enrollments", demo.hidden, "no-such-person"),
        ("get", "/api/v1/client/{}/changes", demo.hidden, "no-such-person"),
        ("get", "/api/v1/client/{}/services", demo.hidden, "no-such-person"),
        ("get", "/api/v1/enrollments/{}", enrollment["EnrollmentID"], "no-such-enrollment"),
        ("patch", "/api/v1/client/{}", demo.hidden, "no-such-person"),
        ("delete", "/api/v1/enrollments/{}", enrollment["EnrollmentID"], "no-such-enrollment"),
    ]
    if service:
        probes.append(("get", "/api/v1/services/{}", service["ServicesID"], "no-such-service"))
    for method, url, secret_id, missing_id in probes:
        kwargs = {"json": {"NameSuffix": "x"}} if method == "patch" else {}
        seen = body_of(client.open(url.format(secret_id), method=method.upper(), **kwargs))
        absent = body_of(client.open(url.format(missing_id), method=method.upper(), **kwargs))
        assert seen == absent and seen[0] == 404, url
    for criteria in ({"SSN": hidden["SSN"]}, {"SSN": hidden["SSN"][-4:]}, {"PersonalID": demo.hidden},
                     {"FirstName": hidden["FirstName"], "LastName": hidden["LastName"], "DOB": hidden["DOB"]}):
        seen = body_of(client.post("/api/v1/client/search", json=criteria))
        assert seen == body_of(client.post("/api/v1/client/search", json={"SSN": "000000001"})), criteria
    listed = {c["PersonalID"] for c in client.get("/api/v1/clients?limit=500").get_json()["clients"]}
    assert demo.hidden not in listed and listed <= demo.visible
    day = demo.hidden_enrollment["DateUpdated"][:10]  # the changes of that day include the hidden enrollment
    for query in ("", f"?changedSince={day}T00:00:00&changedUntil={day}T23:59:59"):
        export = client.get(f"/api/v1/csvexport{query}").get_json()
        assert {c["PersonalID"] for c in export["Client.csv"]} <= demo.visible
        assert demo.hidden not in {e["PersonalID"] for e in export["Enrollment.csv"]}


def test_sparql_cannot_count_ask_or_reach_hidden_graphs(app, demo: Demo) -> None:
    client = signed_in(app, "analyst", (f"project:{demo.project}:read", "pii:read", "sparql"))
    hidden = demo.clients[demo.hidden]
    hmis = "urn:hud:hmis:owl#"

    def ask(query: str) -> object:
        response = client.post("/api/v1/sparql", data=query, content_type="application/sparql-query")
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.loads(response.get_data())

    assert ask(f'ASK {{ ?c <{hmis}SSN> "{hidden["SSN"]}" }}')["boolean"] is False
    assert ask(f'ASK {{ GRAPH ?g {{ ?c <{hmis}PersonalID> "{demo.hidden}" }} }}')["boolean"] is False
    hidden_graph = f"urn:hmis-ld:graph:project:local:{demo.hidden_enrollment['ProjectID']}"
    for clause in ("FROM", "FROM NAMED"):  # a hidden graph counts exactly like one that does not exist
        counts = [ask(f"SELECT (COUNT(*) AS ?n) {clause} <{graph}> "
                      "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")["results"]["bindings"]
                  for graph in (hidden_graph, "urn:hmis-ld:graph:project:local:no-such-project")]
        assert counts[0] == counts[1] == [{"n": {"type": "literal", "value": "0",
                                                  "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]
    own = f"urn:hmis-ld:graph:project:local:{demo.project}"
    assert ask(f"ASK FROM <{own}> {{ ?s ?p ?o }}")["boolean"] is True
    graphs = {b["g"]["value"] for b in ask("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")["results"]["bindings"]}
    assert hidden_graph not in graphs and not any(g.endswith(("persons", "audit", "accounts")) for g in graphs)
    # identifiers are read where each read is audited, not here, even with pii:read
    assert own in graphs and not any(g.endswith(":pii") for g in graphs)
    visible = demo.clients[demo.client]
    assert ask(f'ASK {{ GRAPH ?g {{ ?c <{hmis}SSN> "{visible["SSN"]}" }} }}')["boolean"] is False
    assert ask(f"ASK FROM <{own}:pii> {{ ?s ?p ?o }}")["boolean"] is False
    people = ask(f"SELECT DISTINCT ?pid WHERE {{ ?p <{hmis}hasProjectEnrollment>/<{hmis}PersonalID> ?pid }}")
    assert {b["pid"]["value"] for b in people["results"]["bindings"]} <= demo.visible
    clients = ask(f"SELECT (COUNT(DISTINCT ?pid) AS ?n) WHERE {{ ?c a <{hmis}Client> ; <{hmis}PersonalID> ?pid }}")
    assert int(clients["results"]["bindings"][0]["n"]["value"]) == len(demo.visible)
    assert client.get("/api/v1/sparql", query_string={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}).status_code == 400
    assert client.post("/api/v1/sparql", data="DELETE WHERE { ?s ?p ?o }",
                       content_type="application/sparql-query").status_code == 400


def test_without_pii_grant_and_for_researchers_no_direct_identifiers(app, demo: Demo) -> None:
    pid = demo.client
    for grants in ((f"project:{demo.project}:read",), ("all:read", "pii:read", "researcher")):
        client = signed_in(app, "r" + str(len(grants)), grants)
        record = client.get(f"/api/v1/clients/{pid}").get_json()
        assert record["PersonalID"] == pid
        assert not {"FirstName", "LastName", "MiddleName", "SSN", "DOB", "NameSuffix"} & set(record)
        assert client.post("/api/v1/client/search", json={"SSN": demo.clients[pid]["SSN"]}).status_code == 404


def test_a_project_reader_sees_a_person_with_the_enrollments_of_its_project_alone(app, demo: Demo,
                                                                                  demo_csv: Path) -> None:
    """Scenario 8 lists each person with their enrollments in the projects of a funder: for a
    reader of one project, that project's alone, though the person's other client records link
    to enrollments in other projects of the funder."""
    funders = [f for f in read_rows(demo_csv / "Funder.csv") if not f["DateDeleted"]]
    code = next(f["Funder"] for f in funders if f["ProjectID"] == demo.project)
    funded = {f["ProjectID"] for f in funders if f["Funder"] == code}
    live = [e for e in demo.enrollments if not e["DateDeleted"] and e["ProjectID"] in funded]
    expected = defaultdict(set)
    for e in live:
        if e["ProjectID"] == demo.project:
            expected[e["PersonalID"]].add(e["EnrollmentID"])
    assert {e["PersonalID"] for e in live if e["ProjectID"] != demo.project} & set(expected)
    reader = signed_in(app, "one-project-lister", (f"project:{demo.project}:read", "pii:read"))
    got = reader.get(f"/api/v1/clients?Funder={code}&limit=500").get_json()["clients"]
    assert {c["PersonalID"]: {e["EnrollmentID"] for e in c["Enrollments"]} for c in got} == expected


def test_a_system_wide_reader_without_pii_sees_everything_else_a_full_reader_sees(app, demo: Demo) -> None:
    """Their dataset lists every record graph, so each read names the graphs it looks in: a
    pattern left outside one is looked up in each graph, and one named wrongly finds nothing."""
    identifiers = {"FirstName", "MiddleName", "LastName", "NameSuffix", "SSN", "DOB"}
    pid = max(demo.visible, key=lambda p: sum(s["PersonalID"] == p for s in demo.services))
    enrollment = next(e for e in demo.enrollments if e["PersonalID"] == pid)
    service = next(s for s in demo.services if s["PersonalID"] == pid)
    full = signed_in(app, "full-reader", ("all:read", "pii:read"))
    plain = signed_in(app, "plain-reader", ("all:read",))
    urls = [f"/api/v1/project/{demo.project}/clients?limit=500", "/api/v1/clients?Funder=3&limit=500",
            "/api/v1/clients?ProjectType=13&active=true&asOf=2026-01-15&limit=500",
            f"/api/v1/client/{pid}/enrollments", f"/api/v1/client/{pid}/services?limit=500",
            f"/api/v1/client/{pid}/changes?since=2000-01-01T00:00:00", f"/api/v1/clients/{pid}",
            f"/api/v1/enrollments/{enrollment['EnrollmentID']}", f"/api/v1/services/{service['ServicesID']}",
            "/api/v1/projects?Funder=3"]

    def without_identifiers(value: object) -> object:
        if isinstance(value, dict):
            return {k: without_identifiers(v) for k, v in value.items() if k not in identifiers}
        return [without_identifiers(v) for v in value] if isinstance(value, list) else value

    for url in urls:
        seen, expected = plain.get(url), full.get(url)
        assert seen.status_code == expected.status_code == 200, url
        assert seen.get_json() == without_identifiers(expected.get_json()) and seen.get_json(), url
    by_id = {"PersonalID": pid}
    assert plain.post("/api/v1/client/search", json=by_id).get_json() == without_identifiers(
        full.post("/api/v1/client/search", json=by_id).get_json())
    with_ssn = {"PersonalID": demo.client, "SSN": demo.clients[demo.client]["SSN"]}
    assert full.post("/api/v1/client/search", json=with_ssn).status_code == 200
    assert plain.post("/api/v1/client/search", json=with_ssn).status_code == 404
    # a collection's order follows the graphs its reader's dataset lists
    listed = [sorted(map(json.dumps, r.get_json())) for r in (
        plain.get("/api/v1/enrollments?limit=500"), full.get("/api/v1/enrollments?limit=500"))]
    assert listed[0] == listed[1] and len(listed[0]) == len(demo.enrollments) - sum(
        bool(e["DateDeleted"]) for e in demo.enrollments)
    turtle = {"Accept": "text/turtle"}
    own = plain.get(f"/api/v1/clients/{pid}", headers=turtle).get_data(as_text=True)
    assert "hmis:PersonalID" in own and "hmis:SSN " not in own and "hmis:SSN " in full.get(
        f"/api/v1/clients/{pid}", headers=turtle).get_data(as_text=True)
    # a project's first enrollment makes a new graph, in their dataset at once
    writer = signed_in(app, "writer", ("all:read", "all:write", "pii:read"))
    project = writer.post("/api/v1/projects", json={
        "OrganizationID": "1", "ProjectName": "New Shelter", "OperatingStartDate": "2026-01-01",
        "ContinuumProject": 1, "ProjectType": 0, "HousingType": 1, "TargetPopulation": 4}).get_json()
    created = writer.post("/api/v1/enrollments", json={
        "PersonalID": pid, "ProjectID": project["ProjectID"], "EntryDate": "2026-02-01", "HouseholdID": "h-new",
        "RelationshipToHoH": 1, "EnrollmentCoC": "XX-500", "DisablingCondition": 0})
    assert created.status_code == 201, created.get_json()
    enrolled = plain.get(f"/api/v1/client/{pid}/enrollments").get_json()
    assert created.get_json()["EnrollmentID"] in {e["EnrollmentID"] for e in enrolled["enrollments"]}


def test_writes_stay_inside_writable_graphs(app, demo: Demo) -> None:
    client = signed_in(app, "reader-writer", (f"project:{demo.project}:read", f"project:{demo.project}:write",
                                              "all:read"))
    other = demo.hidden_enrollment["ProjectID"]
    response = client.post("/api/v1/enrollments", json={
        "PersonalID": demo.hidden, "ProjectID": other, "EntryDate": "2026-02-01", "RelationshipToHoH": 1, "HouseholdID": "h1",
        "EnrollmentCoC": "XX-500", "DisablingCondition": 0})
    assert response.status_code == 403, response.get_json()
    chosen_key = client.post("/api/v1/enrollments", json={
        "EnrollmentID": "mine", "PersonalID": demo.client, "ProjectID": demo.project,
        "EntryDate": "2026-02-01", "RelationshipToHoH": 1, "EnrollmentCoC": "XX-500", "DisablingCondition": 0,
        "HouseholdID": "h2"})
    assert chosen_key.status_code == 422
    assert chosen_key.get_json()["errors"][0]["field"] == "EnrollmentID"


# The acting user and the audit trail

def test_user_id_comes_from_the_credential_and_acting_for_needs_a_grant(app, demo: Demo) -> None:
    pid = demo.client
    plain = signed_in(app, "worker", ("all:read", "all:write", "pii:read"))
    body = plain.patch(f"/api/v1/client/{pid}", json={"NameSuffix": "II", "UserID": "someone-else"}).get_json()
    assert body["UserID"] == "worker"
    assert plain.patch(f"/api/v1/client/{pid}", json={"NameSuffix": "III"},
                       headers={"X-Acting-User": "u-42"}).status_code == 403
    system = signed_in(app, "vendor-sync", ("all:read", "all:write", "act-as"))
    acted = system.patch(f"/api/v1/client/{pid}", json={"NameDataQuality": 1}, headers={"X-Acting-User": "u-42"})
    assert acted.status_code == 200 and acted.get_json()["UserID"] == "u-42"


def test_writes_and_pii_reads_are_audited_without_values(app, demo: Demo) -> None:
    pid = demo.client
    worker = signed_in(app, "worker2", ("all:read", "all:write", "pii:read"))
    worker.patch(f"/api/v1/client/{pid}", json={"NameSuffix": "IV"})
    worker.get(f"/api/v1/clients/{pid}")
    auditor = signed_in(app, "auditor", ("audit",))
    entries = auditor.get(f"/api/v1/audit?record={pid}&user=worker2").get_json()["entries"]
    operations = {e["operation"] for e in entries}
    assert {"update", "read"} <= operations
    assert all(e["UserID"] == "worker2" and pid in e["records"] for e in entries)
    read = next(e for e in entries if e["operation"] == "read")
    assert "SSN" in read["fields"] or "FirstName" in read["fields"]
    # a page of scenario 8 shows names and DOB alone, and its entry says so
    assert pid in {c["PersonalID"] for c in worker.get("/api/v1/clients?limit=500").get_json()["clients"]}
    after = auditor.get(f"/api/v1/audit?record={pid}&user=worker2").get_json()["entries"]
    (page_read,) = [e for e in after if e not in entries]
    assert page_read["operation"] == "read" and set(page_read["fields"]) == {"FirstName", "LastName", "DOB"}
    text = json.dumps(entries)
    assert demo.clients[pid]["LastName"] not in text and "IV" not in text.split('"fields"')[0]
    assert worker.get("/api/v1/audit").status_code == 403


def test_cli_manages_users_and_prints_tokens(tmp_path: Path) -> None:
    env_store = str(tmp_path / "store")

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "hmis_ld.cli", *args, "--store", env_store],
                              capture_output=True, text=True, check=False, timeout=60)

    added = cli("users", "add", "admin")
    assert added.returncode == 0 and added.stdout.strip().splitlines()[-1]
    assert cli("users", "grant", "admin", "admin").returncode == 0
    assert cli("users", "grant", "admin", "all:read").returncode == 0
    assert cli("users", "grant", "admin", "everything").returncode == 2
    assert cli("users", "list").stdout.strip() == "admin\tadmin all:read"
    assert cli("users", "revoke", "admin", "all:read").returncode == 0
    token = cli("token", "admin").stdout.strip().splitlines()[-1]
    app = create_app({"STORE_PATH": env_store, "TESTING": True})
    users = app.test_client().get("/api/v1/admin/users", headers={"Authorization": f"Bearer {token}"})
    assert users.status_code == 200 and users.get_json() == [{"name": "admin", "grants": ["admin"]}]
    app.extensions["hmis_ld"].store.close()


def test_a_writer_without_pii_access_does_not_erase_pii(app, demo: Demo) -> None:
    pid = demo.client
    writer = signed_in(app, "no-pii-writer", (f"project:{demo.project}:read", f"project:{demo.project}:write"))
    response = writer.patch(f"/api/v1/client/{pid}", json={"VeteranStatus": 0})
    assert response.status_code == 200 and "LastName" not in response.get_json()
    full = signed_in(app, "checker", ("all:read", "pii:read")).get(f"/api/v1/clients/{pid}").get_json()
    assert full["LastName"] == demo.clients[pid]["LastName"]
    assert full.get("SSN", "") == demo.clients[pid]["SSN"]


def test_an_enrollment_by_a_writer_without_pii_access_copies_the_whole_client(app, demo: Demo,
                                                                              demo_csv: Path) -> None:
    pid = demo.client
    other = next(p["ProjectID"] for p in read_rows(demo_csv / "Project.csv")
                 if p["ProjectID"] not in {e["ProjectID"] for e in demo.enrollments if e["PersonalID"] == pid})
    coc = next(r["CoCCode"] for r in read_rows(demo_csv / "ProjectCoC.csv") if r["ProjectID"] == other)
    writer = signed_in(app, "intake", (f"project:{demo.project}:read", f"project:{other}:read",
                                       f"project:{other}:write"))
    enrollment = writer.post("/api/v1/enrollments", json={
        "PersonalID": pid, "ProjectID": other, "EntryDate": "2026-01-05", "HouseholdID": "h-copy",
        "RelationshipToHoH": 1, "EnrollmentCoC": coc, "DisablingCondition": 0})
    assert enrollment.status_code == 201, enrollment.get_json()
    there = signed_in(app, "other-project", (f"project:{other}:read", "pii:read"))
    assert there.get(f"/api/v1/clients/{pid}").get_json()["LastName"] == demo.clients[pid]["LastName"]
