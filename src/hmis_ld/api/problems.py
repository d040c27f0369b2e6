"""Every error as RFC 9457 problem details (`application/problem+json`)."""

from __future__ import annotations

import logging

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from hmis_ld.service.problems import FieldProblem, Problem

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


def problem_response(status: int, title: str, detail: str, errors: list[FieldProblem] | None = None,
                     **extra: object) -> Response:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = [_shortened(e.as_json()) for e in errors]
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


ECHO_LIMIT = 80  # characters of an offending value repeated back


def _shortened(error: dict[str, object]) -> dict[str, object]:
    """An offending value is echoed to help the caller, not repeated whole: a 5,000-digit number
    comes back as its first characters and its length."""
    value = error.get("value")
    if value is not None and not isinstance(value, bool):
        text = value if isinstance(value, str) else str(value)
        if len(text) > ECHO_LIMIT:
            error["value"] = f"{text[:ECHO_LIMIT]}... ({len(text)} characters)"
    return error


def register(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return problem_response(exc.status, exc.title, exc.detail, exc.errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        if exc.response is not None:  # made whole where it was raised (a throttle's 429 with Retry-After)
            return exc.response  # type: ignore[return-value]
        code = exc.code or 500
        messages = getattr(exc, "data", {}).get("messages") if hasattr(exc, "data") else None
        errors = []
        if isinstance(messages, dict):
            for location in messages.values():
                for name, texts in (location.items() if isinstance(location, dict) else []):
                    for text in texts if isinstance(texts, list) else [texts]:
                        errors.append(FieldProblem(str(name), None, str(text)))
        return problem_response(code, exc.name, exc.description or exc.name, errors)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Never echo internals: they may hold record values.
        log.exception("unhandled error: %s", type(exc).__name__)
        return problem_response(500, "Internal Server Error", "the server could not complete the request")
