"""Production serving over a shared store: `hmis-ld serve --store-url URL --workers 4` (gunicorn)
in front of one `oxigraph serve`. A short mixed load over loopback is answered without a server
error, every answer agrees with the store whichever worker gave it, and no worker is lost.
Runs on the remote backend (CI's second pass, HMIS_LD_TEST_BACKEND=remote)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from backends import REMOTE, free_port, start_server
from hud_files import read_rows
from test_remote_store import ADMIN, PERSON, _token

from hmis_ld.cli import main
from hmis_ld.csv.importer import import_csv
from hmis_ld.store.remote import RemoteStore

remote_only = pytest.mark.skipif(not REMOTE, reason="a load test of the remote backend: HMIS_LD_TEST_BACKEND=remote")

WORKERS = 4
REQUESTS = 256


def _children(task: Path) -> list[int]:
    try:
        return [int(c) for c in (task / "children").read_text().split()]
    except FileNotFoundError:  # the thread ended between the listing and the read
        return []


def _workers(pid: int) -> set[int]:
    return {c for task in Path(f"/proc/{pid}/task").iterdir() for c in _children(task)}


class Served:
    """gunicorn with WORKERS workers over `store`, on a free loopback port."""

    def __init__(self, store: RemoteStore, log: Path):
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api/v1"
        env = {**os.environ, "HMIS_LD_REQUEST_LOG": str(log)}
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("hmis-ld")), "serve", "--store-url", store.url, "--workers",
             str(WORKERS), "--threads", "4", "--port", str(self.port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while len(self.workers()) < WORKERS or not self._ready():
            assert self.process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)

    def _ready(self) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/readyz", timeout=10).status_code == 200
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or a worker still booting
            return False

    def workers(self) -> set[int]:
        return _workers(self.process.pid)

    def stop(self) -> int:
        self.process.terminate()
        return self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(demo_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, dict[str, str]]]:
    store = RemoteStore(start_server())
    import_csv(store, demo_csv, progress=False)
    headers = _token(store, "load", ADMIN)
    server = Served(store, tmp_path_factory.mktemp("load") / "requests.log")
    yield server, headers
    assert server.stop() == 0


def test_more_than_one_worker_needs_a_remote_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HMIS_LD_STORE_URL", raising=False)
    assert main(["serve", "--workers", "2", "--store", str(tmp_path / "store")]) == 2
    assert "--workers above 1 needs --store-url" in capsys.readouterr().err
    assert not (tmp_path / "store").exists()


@remote_only
def test_four_workers_answer_a_mixed_load_consistently(served: tuple[Served, dict[str, str]], demo_csv: Path
                                                       ) -> None:
    server, headers = served
    api = server.api
    clients = {c["PersonalID"]: c for c in read_rows(demo_csv / "Client.csv")}
    projects = [p["ProjectID"] for p in read_rows(demo_csv / "Project.csv")]
    funder = read_rows(demo_csv / "Funder.csv")[0]["Funder"]
    listing = requests.get(f"{api}/projects?Funder={funder}", headers=headers, timeout=60).json()
    shared = requests.post(f"{api}/clients", json={**PERSON, "FirstName": "Marisol", "LastName": "Quennell",
                                                    "SSN": "523456781", "DOB": "1979-11-23"},
                           headers=headers, timeout=60)
    assert shared.status_code == 201, shared.text
    shared_pid = shared.json()["PersonalID"]
    workers = server.workers()
    statuses: Counter = Counter()
    winners: dict[str, list[str]] = {}  # If-Match sent -> ETags of the PATCHes it let through
    lock = threading.Lock()
    local = threading.local()

    def call(method: str, url: str, **kwargs) -> requests.Response:
        session = getattr(local, "session", None) or requests.Session()  # keep-alive, one per thread
        local.session = session
        answer = session.request(method, url, headers={**headers, **kwargs.pop("headers", {})}, timeout=60, **kwargs)
        with lock:
            statuses[answer.status_code] += 1
        assert answer.status_code < 500, answer.text
        return answer

    def one(i: int) -> None:
        rng = random.Random(i)
        kind = i % 8
        if kind in (0, 1):
            pid = rng.choice(sorted(clients))
            body = call("GET", f"{api}/clients/{pid}").json()
            assert body["PersonalID"] == pid and body.get("FirstName") == (clients[pid]["FirstName"] or None)
        elif kind == 2:
            project = rng.choice(projects)
            assert call("GET", f"{api}/projects/{project}").json()["ProjectID"] == project
        elif kind == 3:
            missing = call("GET", f"{api}/clients/no-such-{i}")
            assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/problem+json"
        elif kind == 4:
            assert call("GET", f"{api}/projects?Funder={funder}").json() == listing
        elif kind == 5:
            body = {**PERSON, "FirstName": f"Loadrun{i:03d}", "LastName": f"Parallel{i:03d}",
                    "SSN": f"5{i % 100:02d}3{1000 + i:05d}"[:9], "DOB": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}"}
            created = call("POST", f"{api}/clients", json=body)
            assert created.status_code == 201, created.text
            again = requests.get(f"{api}/clients/{created.json()['PersonalID']}", headers=headers, timeout=60)
            assert again.status_code == 200 and again.json()["FirstName"] == body["FirstName"]
            assert again.headers["ETag"] == created.headers["ETag"]
        elif kind == 6:
            etag = call("GET", f"{api}/clients/{shared_pid}").headers["ETag"]
            patched = call("PATCH", f"{api}/clients/{shared_pid}", json={"NameSuffix": f"S{i}"},
                           headers={"If-Match": etag})
            assert patched.status_code in (200, 412), patched.text
            if patched.status_code == 200:
                with lock:
                    winners.setdefault(etag, []).append(patched.headers["ETag"])
        else:
            page = call("GET", f"{api}/clients?Funder={funder}&limit=5").json()["clients"]
            assert len(page) <= 5 and all(entry["PersonalID"] in clients for entry in page)

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(REQUESTS)))
    assert time.monotonic() - started < 60
    assert winners and all(len(etags) == 1 for etags in winners.values()), winners  # one per version, across workers
    final = requests.get(f"{api}/clients/{shared_pid}", headers=headers, timeout=60)
    assert final.headers["ETag"] in {etag for etags in winners.values() for etag in etags}
    assert not [s for s in statuses if s >= 500]
    assert server.workers() == workers  # none died or was restarted for a timeout
