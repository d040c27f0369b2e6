"""Serving: health checks, request logs without personal data, and `hmis-ld serve` under
gunicorn as a real process (a graceful SIGTERM finishes the write in flight and flushes)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
from conftest import signed_in
from hud_files import read_rows

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.tokens import Issuer
from hmis_ld.store import EmbeddedStore


def _app(demo_dump: bytes, log: Path):
    store = EmbeddedStore()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return create_app({"STORE": store, "TESTING": True, "REQUEST_LOG": str(log)}), store


def _lines(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_health_and_readiness_need_no_token_and_show_no_data(demo_dump: bytes, tmp_path: Path) -> None:
    app, store = _app(demo_dump, tmp_path / "requests.log")
    client = app.test_client()
    for path, status in (("/healthz", "up"), ("/readyz", "ready")):
        response = client.get(path)
        assert response.status_code == 200 and response.get_json() == {"status": status}
        assert response.headers["Cache-Control"] == "no-store"
    store.close()
    down = client.get("/readyz")
    assert down.status_code == 503 and down.mimetype == "application/problem+json"
    assert down.get_json()["detail"] == "the store does not answer"
    assert client.get("/healthz").status_code == 200


def test_request_log_lines_name_routes_never_personal_data(demo_dump: bytes, demo_csv: Path, tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    app, _ = _app(demo_dump, log)
    http = signed_in(app)
    person = read_rows(demo_csv / "Client.csv")[0]
    first, last, ssn, dob = person["FirstName"], person["LastName"], person["SSN"], person["DOB"]
    assert first and last and ssn and dob
    found = http.post("/api/v1/client/search", json={"FirstName": first, "LastName": last, "SSN": ssn, "DOB": dob})
    assert found.status_code == 200 and found.get_json()[0]["matchedClients"]
    enrollments = http.get(f"/api/v1/client/{person['PersonalID']}/enrollments?FirstName={first}&SSN={ssn}")
    assert enrollments.status_code in (200, 400)
    http.get(f"/api/v1/client/{urllib.parse.quote(last)}/enrollments?DOB={dob}")
    http.get(f"/api/v1/{ssn}/{urllib.parse.quote(first)}?LastName={urllib.parse.quote(last)}")
    app.test_client().post(f"/api/v1/client/search?SSN={ssn}", json={"LastName": last})  # no token: 401
    http.patch(f"/api/v1/client/{person['PersonalID']}", json={"FirstName": first + "x", "DOB": dob})

    text = log.read_text()
    for value in {first, last, ssn, dob, first + "x"}:  # (a PersonalID is a short number: it may be in an id)
        assert value not in text, value
    lines = _lines(log)
    assert len(lines) == 6
    assert {line["route"] for line in lines} >= {"/api/v1/client/search", "/api/v1/client/<PersonalID>/enrollments",
                                                 "/api/v1/client/<PersonalID>", "-"}
    assert [line["user"] for line in lines] == ["tester"] * 4 + ["-", "tester"]
    assert lines[0]["method"] == "POST" and lines[0]["status"] == 200 and lines[0]["ms"] > 0
    assert lines[4]["status"] == 401


def test_request_id_is_echoed_when_safe_and_made_up_otherwise(demo_dump: bytes, tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    app, _ = _app(demo_dump, log)
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21"})
    assert given.headers["X-Request-ID"] == "lb-7f3a9c21"
    for unsafe in ("a b c d e f g h", "x" * 65, "<script>", "short"):
        response = client.get("/healthz", headers={"X-Request-ID": unsafe})
        assert response.headers["X-Request-ID"] != unsafe and len(response.headers["X-Request-ID"]) == 32
    ids = [line["request_id"] for line in _lines(log)]
    assert ids[0] == "lb-7f3a9c21" and len(set(ids)) == 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(folder: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMIS_LD_")}
    env["HMIS_LD_REQUEST_LOG"] = str(log)
    server = subprocess.Popen([sys.executable, "-m", "hmis_ld.cli", "serve", "--store", str(folder), "--port",
                               str(port), "--threads", "2", "--graceful-timeout", "5"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            raise AssertionError(f"serve exited with {server.returncode}: {server.stderr.read()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).close()
            return server
        except OSError:
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.2)


def test_sigterm_lets_the_write_in_flight_finish_then_flushes_the_store(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    store = EmbeddedStore(folder)
    accounts = Accounts(store)
    accounts.add("writer")
    for grant in ("all:write", "all:read", "pii:read"):
        accounts.grant("writer", grant)
    token = Issuer(store, "hmis-ld", "hmis-ld-api").issue("writer", {"all:write", "all:read", "pii:read"})
    store.close()
    port = _free_port()
    server = _serve(folder, port, tmp_path / "requests.log")
    body = json.dumps({"FirstName": "Ada", "LastName": "Lovelace", "NameDataQuality": 1, "SSNDataQuality": 99,
                       "DOBDataQuality": 99, "AmIndAKNative": 0, "Asian": 0, "BlackAfAmerican": 0,
                       "HispanicLatinao": 0, "MidEastNAfrican": 0, "NativeHIPacific": 0, "White": 1,
                       "VeteranStatus": 0}).encode()
    head = (f"POST /api/v1/client HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head + body[:20])  # the request is in flight: its body is still arriving
        time.sleep(1.0)
        server.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert server.poll() is None, "the server stopped before its request finished"
        conn.sendall(body[20:])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 201"), answer[:500]
    created = json.loads(rest.partition(b"\r\n\r\n")[2])
    out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err[-2000:]
    assert "development server" not in out + err and "WARNING" not in out + err

    reopened = EmbeddedStore(folder)
    try:
        rows = list(reopened.select("SELECT ?s ?id WHERE { ?s ?p ?id }", graphs=reopened.graph_names(),
                                    substitutions={"id": ox.Literal(created["PersonalID"])}))
        assert rows, "the write made before SIGTERM is not in the store"
    finally:
        reopened.close()
