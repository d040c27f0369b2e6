"""The front door: `/` and `/api/v1/` answer without a token, with where to go next (the
docs, the OpenAPI document, the JSON-LD context) and how to get a token. JSON, or HTML when
the Accept header prefers it (a browser opening the URL `hmis-ld serve` prints)."""

from __future__ import annotations

from html import escape

from flask import Flask, Response, current_app, json, request

from hmis_ld import __version__
from hmis_ld.api.render import JSON
from hmis_ld.model.jsonld import CONTEXT_PATH

HTML = "text/html"
PATHS = ("/", "/api/v1/")  # and /api/v1
BASE = "/api/v1"


def public_url(path: str) -> str:
    """The request's scheme, host and root are the public ones (api.origin)."""
    return request.root_url.rstrip("/") + path


def index() -> dict[str, object]:
    token = public_url(f"{BASE}/oauth/token")
    basic = bool(current_app.config.get("AUTH_BASIC"))
    return {
        "name": "HMIS linked-data API",
        "version": __version__,
        "api": public_url(f"{BASE}/"),
        "links": {
            "docs": public_url(f"{BASE}/docs"),
            "openapi": public_url(f"{BASE}/openapi.json"),
            "context": public_url(CONTEXT_PATH),
            "token": token,
        },
        "authentication": {
            "scheme": "Bearer" + (" or HTTP Basic" if basic else ""),
            "token_endpoint": token,
            "grant_type": "client_credentials",
            "request": f"curl -X POST {token} -d grant_type=client_credentials "
                       "-d client_id=NAME -d client_secret=SECRET",
            "command_line": "hmis-ld token NAME   (on the server's machine, while the server is stopped: "
                            "an embedded store is held by one process; prints a token)",
            "accounts": "hmis-ld users add NAME prints an account's secret once; "
                        "hmis-ld users grant NAME GRANT gives it grants",
            "then": "send Authorization: Bearer TOKEN with every other request",
        },
    }


def _html(body: dict[str, object]) -> str:
    links: dict[str, str] = body["links"]  # type: ignore[assignment]
    auth: dict[str, str] = body["authentication"]  # type: ignore[assignment]

    def a(url: str) -> str:
        return f'<a href="{escape(url)}">{escape(url)}</a>'

    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>HMIS linked-data API</title></head>
<body>
<h1>HMIS linked-data API <small>{escape(str(body["version"]))}</small></h1>
<ul>
<li>Interactive documentation: {a(links["docs"])}</li>
<li>OpenAPI document: {a(links["openapi"])}</li>
<li>JSON-LD context: {a(links["context"])}</li>
</ul>
<h2>Getting a token</h2>
<p>Every other call needs <code>Authorization: Bearer TOKEN</code>. Exchange an account's secret for a token
at {a(auth["token_endpoint"])} (OAuth 2.0 client credentials):</p>
<pre>{escape(auth["request"])}</pre>
<p>or, on the server's machine while the server is stopped, print one with <code>hmis-ld token NAME</code>. <code>hmis-ld users add NAME</code>
creates an account and shows its secret once; <code>hmis-ld users grant NAME GRANT</code> gives it grants.
In the interactive documentation, paste the token into <em>Authorize</em>.</p>
</body></html>
"""


def register(app: Flask) -> None:
    def front() -> Response:
        body = index()
        headers = {"Vary": "Accept",
                   "Link": f'<{body["links"]["openapi"]}>; rel="service-desc", '  # type: ignore[index]
                           f'<{body["links"]["docs"]}>; rel="service-doc"'}  # type: ignore[index]
        if request.accept_mimetypes.best_match([JSON, HTML], default=JSON) == HTML:
            return Response(_html(body), mimetype=HTML, headers=headers)
        return Response(json.dumps(body), mimetype=JSON, headers=headers)

    for path in PATHS:
        app.add_url_rule(path, "index" if path == "/" else "api_index", front, methods=["GET"], strict_slashes=False)
