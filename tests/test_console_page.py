"""The query console's page without a browser: it answers without a token, names only its own
server's files under a strict Content-Security-Policy, and every one of them is served."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from backends import new_store

from hmis_ld.api import create_app
from hmis_ld.model import HMIS, MODEL


class _References(HTMLParser):
    """Every URL the page makes the browser load (scripts, styles, icons, images)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name) is not None:
                self.urls.append(values[name])
        self.data.update({k: v for k, v in values.items() if k.startswith("data-") and v})


@pytest.fixture(scope="module")
def client():
    return create_app({"STORE": new_store(), "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def page(client) -> _References:
    response = client.get("/console")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    parser = _References()
    parser.feed(response.get_data(as_text=True))
    return parser


def test_the_page_answers_without_a_token_under_a_same_origin_policy(client) -> None:
    response = client.get("/console")
    assert response.status_code == 200 and "Authorization" not in response.request.headers
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_asset_is_same_origin_and_served(client, page: _References) -> None:
    assets = [url for url in page.urls if url != "data:,"]  # the empty icon: no request at all
    assert len(assets) == 4  # YASGUI's script and styles, the console's script and styles
    for url in assets:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/console/static/"), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.mimetype in ("text/css", "text/javascript"), url
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_talks_only_to_this_server(client, page: _References) -> None:
    assert page.data["data-endpoint"] == "/api/v1/sparql"
    assert page.data["data-token"] == "/api/v1/oauth/token"
    assert page.data["data-examples"] == "/api/v1/sparql/examples"
    for url in page.data.values():
        assert url.startswith("/") and not url.startswith("//")
    # YASGUI's styles import nothing and name no font or image elsewhere.
    css = client.get("/console/static/vendor/yasgui.min.css").get_data(as_text=True)
    assert "@import" not in css and not re.search(r"url\(\s*['\"]?(https?:)?//", css)


def test_completion_offers_the_model_without_personal_data(client) -> None:
    response = client.get("/console/terms")
    assert response.status_code == 200
    terms = response.get_json()
    assert HMIS + "Client" in terms["classes"] and HMIS + "Enrollment" in terms["classes"]
    assert HMIS + "EntryDate" in terms["properties"] and HMIS + "hasProjectEnrollment" in terms["properties"]
    pii = {f.iri for f in MODEL.tables["Client"].fields if f.pii}
    assert pii and not pii & set(terms["properties"])
