"""The query console in a real browser (Debian's chromium, driven by Playwright) against a
real server process: sign in with a client id and secret, run an example query, see its rows,
download them as CSV. Without chromium the test skips, except in CI (CI=true), where it fails."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from hmis_ld.authz.accounts import Accounts
from hmis_ld.store import EmbeddedStore

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EXAMPLE = "Scenario 1: find client records by PersonalID"  # the start of its title
SERVER = """
import sys
from werkzeug.serving import make_server
from hmis_ld.api import create_app
server = make_server("127.0.0.1", 0, create_app({"STORE_PATH": sys.argv[1]}), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the browser test (.ci/run installs chromium and playwright)")
    pytest.skip(reason)


@pytest.fixture
def sync_playwright():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing (pip install -e '.[test]')")
    return sync_playwright


@pytest.fixture
def server(tmp_path: Path, demo_dump: bytes) -> Iterator[tuple[str, str]]:
    """A real server process on a free loopback port over the demo clients, and the secret of
    a `researcher` account that may read every project and query SPARQL."""
    folder = tmp_path / "store"
    store = EmbeddedStore(folder)
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    accounts = Accounts(store)
    secret = accounts.add("researcher")
    for grant in ("all:read", "sparql"):
        accounts.grant("researcher", grant)
    store.close()
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        port = process.stdout.readline().strip()
        assert port.isdigit(), "the server process did not start"
        yield f"http://127.0.0.1:{port}", secret
    finally:
        process.terminate()
        process.wait(timeout=10)


def _api(base: str, secret: str, path: str, query: str | None = None) -> object:
    """What the page must show, asked over plain HTTP: JSON from `path`, with a SPARQL query
    posted when one is given."""
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "researcher",
                                   "client_secret": secret}).encode()
    with urllib.request.urlopen(f"{base}/api/v1/oauth/token", data=form, timeout=10) as answer:
        token = json.load(answer)["access_token"]
    body = urllib.parse.urlencode({"query": query}).encode() if query is not None else None
    request = urllib.request.Request(f"{base}{path}", data=body, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json, application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def test_a_researcher_signs_in_runs_an_example_and_downloads_csv(sync_playwright, server, tmp_path: Path) -> None:
    base, secret = server
    foreign, problems, bearers = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.on("request", lambda r: None if r.url.startswith((base + "/", "data:", "blob:")) else foreign.append(r.url))
            page.on("request", lambda r: bearers.append(r.headers.get("authorization"))
                    if r.url == f"{base}/api/v1/sparql" else None)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                                 "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
            page.goto(f"{base}/console")
            page.fill("#client-id", "researcher")
            page.fill("#client-secret", secret)
            page.click("#sign-in")
            page.wait_for_selector("#who:has-text('Signed in as researcher')")

            option = page.locator("#examples option", has_text=EXAMPLE)
            option.wait_for(state="attached")
            page.select_option("#examples", value=option.get_attribute("value"))
            query = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
            listed = _api(base, secret, "/api/v1/sparql/examples")
            assert query == next(e["query"] for e in listed if e["title"].startswith(EXAMPLE))
            page.click(".yasqe_queryButton")
            page.wait_for_selector(".yasr table.dataTable tbody tr td")

            expected = _api(base, secret, "/api/v1/sparql", query)
            variables = expected["head"]["vars"]
            rows = expected["results"]["bindings"]
            assert rows, "the example found nothing: the demo data should have clients"
            headers = page.locator(".yasr table.dataTable thead th").all_inner_texts()
            assert [h.strip() for h in headers if h.strip()] == variables
            shown = page.locator(".yasr table.dataTable tbody tr").count()
            assert shown == len(rows)  # 20 rows: one page
            assert rows[0]["personalID"]["value"] in page.locator(".yasr table.dataTable tbody").inner_text()
            shot = tmp_path / "console.png"
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("HMIS_LD_SCREENSHOTS"):
                target = Path(os.environ["HMIS_LD_SCREENSHOTS"])
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, target / "console.png")
            grip = page.locator(".grip-handle").first.bounding_box()  # drag a column wider: its styles pass the CSP
            page.mouse.move(grip["x"] + 2, grip["y"] + 5)
            page.mouse.down()
            page.mouse.move(grip["x"] + 60, grip["y"] + 5)
            page.mouse.up()

            with page.expect_download() as download:
                page.click(".yasr_downloadIcon")
            table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
            assert table[0] == variables
            assert [r[variables.index("personalID")] for r in table[1:]] == [r["personalID"]["value"] for r in rows]

            # Each query sent the bearer token, which is nowhere but in the page's memory.
            assert bearers and all(b == bearers[0] and b.startswith("Bearer ey") for b in bearers)
            token = bearers[0].removeprefix("Bearer ")
            assert context.cookies() == []
            stored = page.evaluate("JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
            assert token not in stored and secret not in stored
            assert token not in page.url and secret not in page.url

        finally:
            browser.close()
    assert foreign == [], "the console fetched from elsewhere than its own server"
    assert problems == []
