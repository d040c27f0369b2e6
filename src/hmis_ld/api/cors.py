"""CORS for the SPARQL endpoint, so that browser tools on other origins can query it: off
unless HMIS_LD_CORS_ORIGINS lists origins (comma-separated, or a JSON list; `*` for any).

A preflight (OPTIONS) carries no credentials, so it is answered before authentication."""

from __future__ import annotations

from flask import Flask, Response, request

PATHS = ("/api/v1/sparql",)
EXPOSED = "HMIS-LD-Truncated, HMIS-LD-Row-Limit, Retry-After, Link"


def origins(value: object) -> frozenset[str]:
    if not value:
        return frozenset()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return frozenset(str(item).strip().rstrip("/") for item in items if str(item).strip())


def install(app: Flask) -> None:
    allowed = origins(app.config.get("CORS_ORIGINS"))
    if not allowed:
        return

    def allowed_origin() -> str | None:
        origin = request.headers.get("Origin")
        if origin is None or not request.path.startswith(PATHS):
            return None
        return origin if origin in allowed or "*" in allowed else None

    @app.before_request
    def _preflight() -> Response | None:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        if allowed_origin() is None:
            return None
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Accept"
        response.headers["Access-Control-Max-Age"] = "600"
        return response

    @app.after_request
    def _headers(response: Response) -> Response:
        origin = allowed_origin()
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED
            response.vary.add("Origin")
        return response
