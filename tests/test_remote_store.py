"""The remote backend against a real `oxigraph serve`, and several API processes sharing it:
what one process's memory used to guarantee must hold across processes (one person from
concurrent intakes, one winner among If-Match writers, revocation everywhere)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from backends import free_port, start_server

from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.tokens import Issuer
from hmis_ld.csv.importer import import_csv
from hmis_ld.store import EVERY_GRAPH
from hmis_ld.store.remote import RemoteStore

G1, G2 = "urn:test:graph:one", "urn:test:graph:two"
P = ox.NamedNode("urn:test:p")


@pytest.fixture
def remote() -> RemoteStore:
    store = RemoteStore(start_server())
    store.extend([ox.Quad(ox.NamedNode("urn:test:a"), P, ox.Literal("one"), ox.NamedNode(G1)),
                  ox.Quad(ox.NamedNode("urn:test:b"), P, ox.Literal("two"), ox.NamedNode(G2))])
    return store


def _values(store: RemoteStore, sparql: str, graphs) -> set[str]:
    return {r["o"].value for r in store.select(sparql, graphs=graphs)}


def test_the_dataset_is_the_engines_and_a_querys_own_from_cannot_widen_it(remote: RemoteStore) -> None:
    assert _values(remote, "SELECT ?o WHERE { ?s ?p ?o }", [G1]) == {"one"}
    assert _values(remote, f"SELECT ?o FROM <{G2}> WHERE {{ ?s ?p ?o }}", [G1]) == {"one"}
    assert _values(remote, f"SELECT ?o FROM NAMED <{G2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", [G1]) == {"one"}
    assert _values(remote, f"SELECT ?o WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}", [G1]) == set()
    assert _values(remote, "SELECT ?o WHERE { ?s ?p ?o }", []) == set()
    assert _values(remote, "SELECT ?o WHERE { ?s ?p ?o }", EVERY_GRAPH) == {"one", "two"}
    answer = remote.sparql(f"SELECT ?o FROM <{G2}> WHERE {{ ?s ?p ?o }}", default_graphs=[G1], named_graphs=[])
    assert [s["o"].value for s in answer] == ["one"]


def test_substitutions_are_values_never_query_text(remote: RemoteStore) -> None:
    hostile = ox.Literal('two" } } ; DROP ALL ; SELECT * WHERE { ?s ?p "')
    rows = list(remote.select("SELECT ?s ?o WHERE { ?s <urn:test:p> ?o }", graphs=EVERY_GRAPH,
                              substitutions={"o": hostile}))
    assert rows == []
    rows = list(remote.select("SELECT ?s ?o WHERE { ?s <urn:test:p> ?o }", graphs=EVERY_GRAPH,
                              substitutions={"o": ox.Literal("two")}))
    assert [(r["s"].value, r["o"].value) for r in rows] == [("urn:test:b", "two")]  # kept in the projection
    assert remote.ask("ASK { ?s ?p ?o }", graphs=[G1], substitutions={"s": ox.NamedNode("urn:test:a")})
    assert not remote.ask("ASK { ?s ?p ?o }", graphs=[G1], substitutions={"s": ox.NamedNode("urn:test:b")})
    with pytest.raises(ValueError):
        remote.select("SELECT ?o WHERE { ?s ?p ?o }", graphs=[G1], substitutions={"o) {}": ox.Literal("x")})
    assert _values(remote, "SELECT ?o WHERE { ?s ?p ?o }", EVERY_GRAPH) == {"one", "two"}


def test_a_store_lock_is_held_by_one_claimant_at_a_time(remote: RemoteStore) -> None:
    others = [RemoteStore(remote.url) for _ in range(4)]  # as if in other processes
    inside, most = [0], [0]

    def work(store: RemoteStore) -> None:
        for _ in range(5):
            with store.lock("counter"):
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                time.sleep(0.002)
                inside[0] -= 1

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, others))
    assert most[0] == 1
    assert not remote.ask("ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), 'locks')) }", graphs=EVERY_GRAPH)


PERSON = {"FirstName": "Quintessa", "LastName": "Abernathy-Volk", "NameDataQuality": 1, "SSN": "512345678",
          "SSNDataQuality": 1, "DOB": "1983-04-17", "DOBDataQuality": 1, "AmIndAKNative": 0, "Asian": 0,
          "BlackAfAmerican": 0, "HispanicLatinao": 0, "MidEastNAfrican": 0, "NativeHIPacific": 0, "White": 1,
          "VeteranStatus": 0}


class Workers:
    """Four `hmis-ld serve --dev` processes over one `oxigraph serve`."""

    def __init__(self, url: str, count: int = 4):
        env = {**os.environ, "HMIS_LD_STORE_URL": url, "PYTHONUNBUFFERED": "1"}
        hmis_ld = str(Path(sys.executable).with_name("hmis-ld"))
        self.ports = [free_port() for _ in range(count)]
        self.processes = [subprocess.Popen([hmis_ld, "serve", "--dev", "--port", str(port)], env=env,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                          for port in self.ports]
        self.urls = [f"http://127.0.0.1:{port}/api/v1" for port in self.ports]
        deadline = time.monotonic() + 60
        for api, process in zip(self.urls, self.processes, strict=True):
            while True:
                try:
                    requests.get(api + "/", timeout=2)
                    break
                except requests.ConnectionError:
                    assert process.poll() is None and time.monotonic() < deadline, "a worker did not start"
                    time.sleep(0.1)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def shared_store(demo_csv: Path) -> RemoteStore:
    store = RemoteStore(start_server())
    import_csv(store, demo_csv, progress=False)
    return store


@pytest.fixture(scope="module")
def workers(shared_store: RemoteStore) -> Iterator[Workers]:
    running = Workers(shared_store.url)
    yield running
    running.stop()


def _token(store: RemoteStore, name: str, grants: tuple[str, ...]) -> dict[str, str]:
    accounts = Accounts(store)
    accounts.add(name)
    for grant in grants:
        accounts.grant(name, grant)
    token = Issuer(store, "hmis-ld", "hmis-ld-api").issue(name, set(grants))
    return {"Authorization": f"Bearer {token}"}


ADMIN = ("all:read", "all:write", "pii:read", "admin", "audit")


@pytest.mark.slow
def test_concurrent_intakes_through_four_workers_make_one_person(shared_store: RemoteStore, workers: Workers) -> None:
    headers = _token(shared_store, "intake", ADMIN)

    def create(i: int) -> requests.Response:
        return requests.post(workers.urls[i % 4] + "/clients", json=PERSON, headers=headers, timeout=60)

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(create, range(20)))
    assert sorted(Counter(a.status_code for a in answers).items()) == [(200, 19), (201, 1)], \
        [a.text for a in answers if a.status_code >= 300]
    assert len({a.json()["PersonalID"] for a in answers}) == 1


@pytest.mark.slow
def test_concurrent_patches_with_one_if_match_have_one_winner(shared_store: RemoteStore, workers: Workers) -> None:
    headers = _token(shared_store, "patcher", ADMIN)
    created = requests.post(workers.urls[0] + "/clients", json={**PERSON, "FirstName": "Odalys", "SSN": "598765432",
                                                                 "DOB": "1991-09-02", "LastName": "Tremont"},
                            headers=headers, timeout=60)
    assert created.status_code == 201, created.text
    pid, etag = created.json()["PersonalID"], created.headers["ETag"]

    def patch(i: int) -> requests.Response:
        return requests.patch(f"{workers.urls[i % 4]}/clients/{pid}", json={"NameSuffix": f"S{i}"},
                              headers={**headers, "If-Match": etag}, timeout=60)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(patch, range(12)))
    assert sorted(Counter(a.status_code for a in answers).items()) == [(200, 1), (412, 11)]
    winner = next(a for a in answers if a.status_code == 200)
    now = requests.get(f"{workers.urls[3]}/clients/{pid}", headers=headers, timeout=60)
    assert now.headers["ETag"] == winner.headers["ETag"]


@pytest.mark.slow
def test_a_revoked_grant_stops_working_in_every_worker(shared_store: RemoteStore, workers: Workers,
                                                       demo_csv: Path) -> None:
    from hud_files import read_rows

    pid = read_rows(demo_csv / "Client.csv")[0]["PersonalID"]
    reader = _token(shared_store, "reader", ("all:read",))
    admin = _token(shared_store, "revoker", ADMIN)

    def statuses() -> list[int]:
        return [requests.get(f"{u}/clients/{pid}", headers=reader, timeout=60).status_code for u in workers.urls]

    assert statuses() == [200] * 4
    revoked = requests.delete(workers.urls[1] + "/admin/users/reader/grants/all:read", headers=admin, timeout=60)
    assert revoked.status_code in (200, 204), revoked.text
    assert statuses() == [404] * 4  # at once: grants are read from the shared store on every request
