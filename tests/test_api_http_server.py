"""The app behind a real HTTP server (werkzeug, on a free localhost port), spoken to with
urllib: what a client on the network sees, headers and all, not the Flask test client."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox
from backends import new_store
from conftest import signed_in
from hud_files import read_rows
from werkzeug.serving import make_server

from hmis_ld.api import create_app


def test_scenarios_over_real_http(demo_dump: bytes, demo_csv: Path) -> None:
    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    app = create_app({"STORE": store})
    auth = signed_in(app).environ_base["HTTP_AUTHORIZATION"]
    funded = {f["ProjectID"] for f in read_rows(demo_csv / "Funder.csv") if f["Funder"] == "3" and not f["DateDeleted"]}
    client = read_rows(demo_csv / "Client.csv")[0]

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1"
    try:
        request = urllib.request.Request(f"{base}/projects?Funder=3", headers={"Authorization": auth})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "application/json"
            projects = json.load(response)["projects"]
        assert funded and {p["ProjectID"] for p in projects} == funded

        request = urllib.request.Request(
            f"{base}/client/search", method="POST", data=json.dumps({"PersonalID": client["PersonalID"]}).encode(),
            headers={"Authorization": auth, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "application/json"
            matched = json.load(response)[0]["matchedClients"]
        assert [(c["PersonalID"], c["LastName"]) for c in matched] == [(client["PersonalID"], client["LastName"])]

        # Without credentials: 401 problem details and a challenge, over the wire too.
        try:
            urllib.request.urlopen(f"{base}/projects?Funder=3", timeout=10).close()
            raise AssertionError("expected 401")
        except urllib.error.HTTPError as error:
            assert error.code == 401
            assert error.headers.get_content_type() == "application/problem+json"
            assert error.headers["WWW-Authenticate"].startswith("Bearer")
            error.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    assert not thread.is_alive()
