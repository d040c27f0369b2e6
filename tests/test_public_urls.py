"""The absolute URLs the API writes (the JSON-LD @context, Location, Link rel=next, the
index's links) name the server, never a Host the client chose: HMIS_LD_PUBLIC_URL when set,
what trusted proxies forwarded when HMIS_LD_TRUSTED_PROXIES says there are some, else the
address the server is bound to. And the front door (`/`, `/api/v1/`) answers without a token."""

from __future__ import annotations

import json
import threading
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from backends import new_store
from conftest import signed_in
from hud_files import read_rows

from hmis_ld.api import create_app
from hmis_ld.api.crud import collection_paths
from hmis_ld.api.origin import BadSetting
from hmis_ld.model import MODEL

PROJECT = MODEL.tables["Project"]
SET_BY_SERVER = {"DateCreated", "DateUpdated", "UserID", "DateDeleted", "ExportID"}
NEW_CLIENT = {"FirstName": "Ada", "LastName": "Lovelace", "NameDataQuality": 1, "SSNDataQuality": 99,
              "DOBDataQuality": 99, "AmIndAKNative": 0, "Asian": 0, "BlackAfAmerican": 0, "HispanicLatinao": 0,
              "MidEastNAfrican": 0, "NativeHIPacific": 0, "White": 1, "VeteranStatus": 0}
HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
           "X-Forwarded-Prefix": "/evil"}


def _app(demo_dump: bytes, **config: object):
    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    app = create_app({"STORE": store, "TESTING": True, **config})
    return signed_in(app)


def _emitted(http, demo_csv: Path, headers: dict[str, str]) -> list[str]:
    """Every absolute URL a few requests with these headers get back."""
    base = collection_paths(PROJECT)[0]
    key = read_rows(demo_csv / "Project.csv")[0]["ProjectID"]
    urls = []
    record = http.get(f"/api/v1/{base}/{key}", headers={**headers, "Accept": "application/ld+json"})
    assert record.status_code == 200
    urls.append(record.get_json()["@context"])
    body = {k: v for k, v in http.get(f"/api/v1/{base}/{key}").get_json().items()
            if k not in SET_BY_SERVER and k != PROJECT.key}
    created = http.post(f"/api/v1/{base}", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    urls.append(created.headers["Location"])
    client = http.post("/api/v1/client", json=NEW_CLIENT, headers=headers)
    assert client.status_code == 201, client.get_json()
    urls.append(client.headers["Location"])
    page = http.get("/api/v1/services?limit=1", headers=headers)
    urls.append(page.headers["Link"].split(">")[0].lstrip("<"))
    front = http.get("/api/v1/", headers=headers)
    urls += [*front.get_json()["links"].values(), front.get_json()["api"]]
    return urls


def test_by_default_urls_name_the_servers_own_address(demo_dump: bytes, demo_csv: Path) -> None:
    http = _app(demo_dump)
    urls = _emitted(http, demo_csv, HOSTILE)
    assert len(urls) == 9
    assert all(u.startswith("http://localhost/api/v1/") for u in urls), urls  # the test client's server name


def test_a_public_url_names_every_url(demo_dump: bytes, demo_csv: Path) -> None:
    http = _app(demo_dump, PUBLIC_URL="https://hmis.example.org/hmis/")
    urls = _emitted(http, demo_csv, HOSTILE)
    assert all(u.startswith("https://hmis.example.org/hmis/api/v1/") for u in urls), urls
    assert "https://hmis.example.org/hmis/api/v1/context.jsonld" in urls


def test_trusted_proxies_are_believed_and_only_as_many_as_configured(demo_dump: bytes, demo_csv: Path) -> None:
    http = _app(demo_dump, TRUSTED_PROXIES=1)
    # the nearest proxy appended its values last; whatever the client sent before them is ignored
    forwarded = {"Host": "internal:8000", "X-Forwarded-Host": "evil.example, hmis.example.org",
                 "X-Forwarded-Proto": "http, https"}
    urls = _emitted(http, demo_csv, forwarded)
    assert all(u.startswith("https://hmis.example.org/api/v1/") for u in urls), urls


def test_a_public_url_wins_over_trusted_proxies(demo_dump: bytes, demo_csv: Path) -> None:
    http = _app(demo_dump, TRUSTED_PROXIES=1, PUBLIC_URL="https://hmis.example.org")
    urls = _emitted(http, demo_csv, HOSTILE)
    assert all(u.startswith("https://hmis.example.org/api/v1/") for u in urls), urls


def test_settings_come_from_the_environment_and_bad_ones_stop_the_start(monkeypatch, demo_dump: bytes) -> None:
    monkeypatch.setenv("HMIS_LD_PUBLIC_URL", "https://from-env.example")
    monkeypatch.setenv("HMIS_LD_TRUSTED_PROXIES", "2")
    app = create_app({"STORE": new_store(), "TESTING": True})
    assert app.test_client().get("/api/v1/").get_json()["api"] == "https://from-env.example/api/v1/"
    for bad in ({"PUBLIC_URL": "hmis.example.org"}, {"PUBLIC_URL": "ftp://x.example"},
                {"PUBLIC_URL": "https://x.example/?q=1"}, {"TRUSTED_PROXIES": "yes"}, {"TRUSTED_PROXIES": -1}):
        with pytest.raises(BadSetting):
            create_app({"STORE": new_store(), "TESTING": True, **bad})


def test_over_real_http_a_forged_host_is_not_echoed(demo_dump: bytes, demo_csv: Path) -> None:
    from werkzeug.serving import make_server

    http = _app(demo_dump)
    auth = http.environ_base["HTTP_AUTHORIZATION"]
    server = make_server("127.0.0.1", 0, http.application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    own = f"http://127.0.0.1:{server.server_port}"
    key = read_rows(demo_csv / "Project.csv")[0]["ProjectID"]
    try:
        request = urllib.request.Request(f"{own}/api/v1/{collection_paths(PROJECT)[0]}/{key}", headers={
            "Authorization": auth, "Accept": "application/ld+json", "Host": "evil.example"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["@context"] == f"{own}/api/v1/context.jsonld"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_the_front_door_answers_without_a_token(demo_dump: bytes) -> None:
    app = create_app({"STORE": new_store(), "TESTING": True})
    anonymous = app.test_client()
    for path in ("/", "/api/v1/", "/api/v1"):
        response = anonymous.get(path)
        assert response.status_code == 200 and response.mimetype == "application/json", path
        body = response.get_json()
        assert body["links"] == {"docs": "http://localhost/api/v1/docs",
                                 "openapi": "http://localhost/api/v1/openapi.json",
                                 "context": "http://localhost/api/v1/context.jsonld",
                                 "token": "http://localhost/api/v1/oauth/token"}
        assert "hmis-ld token NAME" in body["authentication"]["command_line"]
        assert 'rel="service-desc"' in response.headers["Link"]
        for url in body["links"].values():  # each link answers without a token too
            assert anonymous.get(url).status_code in (200, 405), url  # the token endpoint takes POST
    page = anonymous.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.mimetype == "text/html" and page.headers["Vary"] == "Accept"
    html = page.get_data(as_text=True)
    assert 'href="http://localhost/api/v1/docs"' in html and "hmis-ld token NAME" in html
    assert anonymous.get("/", headers={"Accept": "*/*"}).mimetype == "application/json"
    # everything else still needs a token
    denied = anonymous.get("/api/v1/projects")
    assert denied.status_code == 401 and denied.mimetype == "application/problem+json"
