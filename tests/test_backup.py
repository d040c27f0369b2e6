"""Backup, restore and dump as an operator runs them: a store with accounts, audited reads, a
merge and a match review is backed up while the app serves it, restored into a new folder,
dumped and loaded into a real `oxigraph serve`; each copy answers HUD's baseline scenarios
exactly as the original did, to the same bearer token, with the same audit trail."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from backends import oxigraph, start_server
from conftest import TESTER_GRANTS, signed_in
from hud_files import read_rows
from test_cli_store import _env, _run, _serving
from test_identity import NEW_PERSON

from hmis_ld.api import create_app
from hmis_ld.cli import main
from hmis_ld.store import STORE_URL_ENV, EmbeddedStore, Store
from hmis_ld.store.backup import dump, untar
from hmis_ld.store.remote import RemoteStore

pytestmark = pytest.mark.embedded_only(reason="backs up an embedded store folder; the remote parts start their "
                                              "own oxigraph serve")


@dataclass
class Original:
    """The served store's backup, and what the store answered when it was taken."""

    backup: Path
    token: str
    answers: dict[str, tuple[int, object]]
    trail: list[dict]
    ids: dict[str, str]


def _scenario_answers(client, ids: dict[str, str]) -> dict[str, tuple[int, object]]:
    """Status and body of each baseline scenario (HUD 0.5: 1, 3-11), and of the person,
    review and account endpoints an administrator relies on."""
    a, gone, project = ids["survivor"], ids["merged"], ids["project"]
    calls = {
        "1 search by SSN": ("post", "/api/v1/client/search", {"SSN": ids["ssn"]}),
        "1 search by name": ("post", "/api/v1/client/search?limit=500", {"LastName": ids["last_name"][:2]}),
        "3 project clients": ("get", f"/api/v1/project/{project}/clients?limit=500", None),
        "4 project clients by date": ("get", f"/api/v1/project/{project}/clients?EntryDate=2020-01-01", None),
        "5 enrollments": ("get", f"/api/v1/client/{a}/enrollments", None),
        "5 enrollments of a merged id": ("get", f"/api/v1/client/{gone}/enrollments", None),
        "6 projects by funder": ("get", "/api/v1/projects?Funder=3&limit=500", None),
        "7 projects by type": ("get", "/api/v1/projects?ProjectType=13&limit=500", None),
        "8 clients by funder": ("get", "/api/v1/clients?Funder=3&limit=500", None),
        "9 active clients": ("get", "/api/v1/clients?active=true&asOf=2025-01-15&limit=500", None),
        "10 changes": ("get", f"/api/v1/client/{a}/changes?since=2000-01-01T00:00:00&until=2100-01-01T00:00:00",
                       None),
        "11 services": ("get", f"/api/v1/client/{a}/services?limit=500", None),
        "csv export": ("get", f"/api/v1/csvexport?PersonalID={a}", None),
        "a client": ("get", f"/api/v1/clients/{ids['created']}", None),
        "a person": ("get", f"/api/v1/persons/{gone}", None),
        "reviews": ("get", "/api/v1/matches", None),
        "accounts": ("get", "/api/v1/admin/users", None),
    }
    out = {}
    for name, (method, url, body) in calls.items():
        response = client.open(url, method=method.upper(), json=body)
        out[name] = (response.status_code, response.get_json())
    return out


def _trail(client) -> list[dict]:
    response = client.get("/api/v1/audit?since=2000-01-01T00:00:00&limit=500")
    assert response.status_code == 200 and "Link" not in response.headers
    return response.get_json()["entries"]


def _client_with(app, token: str):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = token
    return client


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory, demo_dump: bytes, demo_csv: Path) -> Original:
    """A store folder with demo clients, two accounts, audited reads, a merge and an accepted
    match review, backed up through the API while the app serves it (for an administrator
    only: a reader is refused)."""
    folder = tmp_path_factory.mktemp("original")
    store = EmbeddedStore(folder / "store")
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    app = create_app({"STORE": store, "TESTING": True})
    admin = signed_in(app, "admin", TESTER_GRANTS)
    clients = read_rows(demo_csv / "Client.csv")
    a, b = clients[0]["PersonalID"], clients[1]["PersonalID"]
    assert admin.post("/api/v1/persons/merge", json={"survivor": a, "merged": b}).status_code == 200
    created = admin.post("/api/v1/client", json=NEW_PERSON).get_json()["PersonalID"]
    typo = {**NEW_PERSON, "FirstName": "Margarite", "LastName": "Okonkwo", "SSN": "", "SSNDataQuality": 99}
    assert admin.post("/api/v1/client", json=typo).status_code == 201
    review = admin.get("/api/v1/matches").get_json()["matches"][0]
    assert admin.post(f"/api/v1/matches/{review['id']}", json={"decision": "accept"}).status_code == 200
    ids = {"survivor": a, "merged": b, "created": created, "ssn": NEW_PERSON["SSN"],
           "last_name": clients[2]["LastName"], "project": read_rows(demo_csv / "Enrollment.csv")[0]["ProjectID"]}
    reader = signed_in(app, "reader", ("all:read",))
    answers = _scenario_answers(admin, ids)  # audited reads, before the backup
    refused = reader.post("/api/v1/admin/backup")
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    response = admin.post("/api/v1/admin/backup")
    assert response.status_code == 200 and response.mimetype == "application/x-tar"
    backup = folder / "backup"
    untar(io.BytesIO(response.get_data()), backup)
    trail = _trail(admin)
    store.close()
    assert not [p for p in folder.iterdir() if p.name.startswith(".hmis-ld-backup")]  # no scratch left
    return Original(backup, admin.environ_base["HTTP_AUTHORIZATION"], answers, trail, ids)


def _unordered(value: object) -> object:
    """Lists as sorted lists, at every depth."""
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return sorted((_unordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _answers_as_before(store: Store, original: Original, *, same_order: bool = True) -> None:
    """`same_order=False` for another engine: listings without a sort key come in the order of
    the engine's plan, which differs between the embedded store and a remote one."""
    client = _client_with(create_app({"STORE": store, "TESTING": True}), original.token)
    trail = _trail(client)  # read first: the scenario reads below add to it
    answers = _scenario_answers(client, original.ids)
    if same_order:
        assert (trail, answers) == (original.trail, original.answers)
    else:
        assert _unordered([trail, answers]) == _unordered([original.trail, original.answers])


def test_the_backup_holds_the_audit_trail_of_what_was_done(original: Original) -> None:
    operations = {e["operation"] for e in original.trail}
    assert {"read", "merge", "create", "backup"} <= operations
    assert all(status == 200 for status, _ in original.answers.values()), original.answers


def test_a_restored_folder_answers_every_scenario_as_before_to_the_same_token(original: Original,
                                                                                tmp_path: Path) -> None:
    assert main(["restore", str(original.backup), "--store", str(tmp_path / "restored")]) == 0
    store = EmbeddedStore(tmp_path / "restored")
    try:
        _answers_as_before(store, original)
    finally:
        store.close()


def test_a_dump_loaded_into_oxigraph_serve_answers_as_before(original: Original, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The dump goes in with the engine's own loader; the engine's backup (one query for every
    quad) comes back into a folder that answers the same too."""
    assert main(["restore", str(original.backup), "--store", str(tmp_path / "copy")]) == 0
    dump = tmp_path / "all.nq.gz"
    assert main(["dump", str(dump), "--store", str(tmp_path / "copy")]) == 0
    loaded = subprocess.run([oxigraph(), "load", "--location", str(tmp_path / "engine"), "--file", str(dump)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert loaded.returncode == 0, loaded.stderr
    url = start_server(tmp_path / "engine")
    store = RemoteStore(url)
    _answers_as_before(store, original, same_order=False)
    with monkeypatch.context() as env:  # main() hands --store-url on through the environment: undone after
        env.setenv(STORE_URL_ENV, url)
        assert main(["backup", str(tmp_path / "engine-backup"), "--store-url", url]) == 0
    assert main(["restore", str(tmp_path / "engine-backup"), "--store", str(tmp_path / "back")]) == 0
    back = EmbeddedStore(tmp_path / "back")
    try:
        assert back.dump_nquads() == store.dump_nquads()
    finally:
        back.close()


def test_restore_refuses_a_store_with_data_unless_forced(original: Original, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "store"
    store = EmbeddedStore(target)
    store.extend([ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("kept"),
                          ox.NamedNode("urn:x:g"))])
    store.close()
    capsys.readouterr()
    assert main(["restore", str(original.backup), "--store", str(target)]) == 2
    error = capsys.readouterr().err
    assert "holds data" in error and "--force" in error
    store = EmbeddedStore(target)
    assert store.graph_names() == ["urn:x:g"]
    store.close()
    broken = tmp_path / "broken.nq"
    broken.write_text('<urn:x:a> <urn:x:b> "fine" .\n<urn:x:a> <urn:x:b> "no end\n')
    assert main(["restore", str(broken), "--store", str(target), "--force"]) == 2
    assert "not a readable N-Quads dump" in capsys.readouterr().err
    store = EmbeddedStore(target)
    assert store.graph_names() == ["urn:x:g"]  # a restore that fails leaves the store as it was
    store.close()
    assert main(["restore", str(original.backup), "--store", str(target), "--force"]) == 0
    store = EmbeddedStore(target)
    assert "urn:x:g" not in store.graph_names() and not store.is_empty()
    store.close()


def test_a_served_store_is_backed_up_online_by_its_server(original: Original, tmp_path: Path) -> None:
    """`hmis-ld serve` holds the store folder: the command says to ask the server, and the
    server, asked with an administrator's token (signed by the restored store's key), takes
    the backup while it serves."""
    folder, env = tmp_path / "store", _env()
    assert main(["restore", str(original.backup), "--store", str(folder)]) == 0
    with _serving(["--store", str(folder)], tmp_path, env) as (base, _):
        held = _run(["backup", str(tmp_path / "offline"), "--store", str(folder)], tmp_path, env)
        assert held.returncode == 2 and "--server" in held.stderr
        online = _run(["backup", str(tmp_path / "online"), "--server", base], tmp_path,
                      _env(HMIS_LD_TOKEN=original.token.removeprefix("Bearer ")))
        assert online.returncode == 0, online.stderr
    assert not (tmp_path / "offline").exists()
    assert main(["restore", str(tmp_path / "online"), "--store", str(tmp_path / "restored")]) == 0
    store = EmbeddedStore(tmp_path / "restored")
    try:
        trail = _trail(_client_with(create_app({"STORE": store, "TESTING": True}), original.token))
    finally:
        store.close()
    assert trail[:len(original.trail)] == original.trail
    assert [e["operation"] for e in trail[len(original.trail):]] == ["backup"]


def test_a_remote_dump_holds_every_graph_whichever_way_the_engine_gives_it(tmp_path: Path) -> None:
    """Oxigraph hands its whole dataset over from its Graph Store endpoint; an engine that does
    not is read by one query. Both dumps hold the default graph and every named graph."""
    url = start_server()
    store = RemoteStore(url)
    store.update('INSERT DATA { <urn:x:s> <urn:x:p> "in the default graph" . '
                 'GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> "named", "tab\\there" } }')
    dump(store, tmp_path / "download.nq")
    dump(RemoteStore(url, store_url=url + "/no-graph-store"), tmp_path / "query.nq")
    lines = {name: sorted((tmp_path / name).read_text().splitlines()) for name in ("download.nq", "query.nq")}
    assert lines["download.nq"] == lines["query.nq"] == sorted([
        '<urn:x:s> <urn:x:p> "in the default graph" .', '<urn:x:s> <urn:x:p> "named" <urn:x:g> .',
        '<urn:x:s> <urn:x:p> "tab\\there" <urn:x:g> .'])
