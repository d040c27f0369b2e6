"""One JSON line per request: request id, user, route template, method, status, duration.

The line names the route's template (`/api/v1/clients/<key>`), never the path the client sent,
and no query string, header or body: identifiers, names, SSNs and DOBs never reach the log.
The request id is the client's `X-Request-ID` when it is a short token of safe characters,
else a fresh one; either way it is sent back in `X-Request-ID`, so a client's report and a log
line can be matched. Lines go to stderr, or appended to the file REQUEST_LOG names
(HMIS_LD_REQUEST_LOG).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import uuid
from typing import TextIO

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")  # <string:key> -> <key>
_STARTED = "hmis_ld_started"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestLog:
    """Writes whole lines under a lock, so that threads never interleave them."""

    def __init__(self, target: str | None):
        self._stream: TextIO = sys.stderr if target in (None, "", "-") else open(  # noqa: SIM115
            str(target), "a", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def write(self, line: dict[str, object]) -> None:
        text = json.dumps(line, separators=(",", ":")) + "\n"
        with self._lock:
            self._stream.write(text)
            self._stream.flush()


def route_template() -> str:
    """The matched route with its converters dropped; "-" when no route matched (a 404), so
    that an unknown path, which may hold anything, is never written."""
    rule = request.url_rule
    return _CONVERTER.sub(r"<\1>", rule.rule) if rule is not None else "-"


def _start() -> None:
    setattr(g, _STARTED, time.perf_counter())
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex


def _finish(log: RequestLog, response: Response) -> Response:
    started = g.get(_STARTED)
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[HEADER] = request_id
    access = g.get("access")
    log.write({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "request_id": request_id,
               "user": access.account if access is not None else "-", "method": request.method if request.method in METHODS else "other",
               "route": route_template(), "status": response.status_code,
               "ms": round((time.perf_counter() - started) * 1000, 2) if started is not None else None})
    return response


def register(app: Flask) -> None:
    """First of the before-request hooks (a refusal before authentication is logged too)."""
    log = RequestLog(app.config.get("REQUEST_LOG"))  # type: ignore[arg-type]
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(lambda response: _finish(log, response))
