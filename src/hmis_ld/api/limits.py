"""What a request may send: a bounded body, JSON in a JSON media type, JSON that nests no
deeper than a record does, header fields of a sane size. Each refusal is a 4xx in problem
details, decided before the request touches the store.

- A body longer than MAX_CONTENT_LENGTH (HMIS_LD_MAX_CONTENT_LENGTH, default 1 MiB) is
  refused with 413 from its Content-Length, before it is read; a chunked body (no
  Content-Length) is read up to that limit and no further (Werkzeug's LimitedStream).
  An endpoint of LARGER_BODIES has its own limit instead (an export's upload).
- A POST, PUT or PATCH with a body to a JSON endpoint must say application/json,
  application/ld+json or another +json type: anything else is 415. The token endpoint takes
  form posts and the SPARQL endpoint its own types.
- A JSON body is parsed strictly (RFC 8259: no NaN or Infinity), at most MAX_DEPTH levels
  deep; a number too long for a Python int, or too large for a float, stays exact (a
  Decimal) so that the field it is sent for refuses it with 422 (model.values) instead of
  the parser failing or a float becoming infinite.
- A header field longer than MAX_HEADER_FIELD is 431. Lines longer than the HTTP server
  reads (64 KiB in Werkzeug's) never reach the app: ProblemRequestHandler makes the
  server's own refusals problem details too.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal

from flask import Flask, Request, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler

from hmis_ld.api.problems import PROBLEM_JSON, problem_response
from hmis_ld.service.problems import FieldProblem

DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024  # bytes; the largest record body is a few KB
MAX_DEPTH = 32  # a record is one object of scalars; search and merge bodies are as flat
MAX_HEADER_FIELD = 8 * 1024  # bytes of one header value (a bearer token is under 2 KB)
MAX_INT_DIGITS = 1000  # a longer JSON integer is kept as a Decimal (Python's int() stops at 4,300)
# Endpoints whose bodies are not JSON: form posts, SPARQL's own media types.
NOT_JSON = frozenset({"auth.token", "sparql.sparql", "imports.upload"})
# Endpoints whose bodies may be larger: endpoint -> (setting, default bytes).
LARGER_BODIES = {"imports.upload": ("IMPORT_MAX_BYTES", 512 * 1024 * 1024)}
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class NotJson(ValueError):
    """A body that is not strict JSON within our limits. The message never quotes the body."""


def _number(text: str) -> float | Decimal:
    value = float(text)
    return value if math.isfinite(value) else Decimal(text)


def _integer(text: str) -> int | Decimal:
    return int(text) if len(text) <= MAX_INT_DIGITS else Decimal(text)


def _constant(name: str) -> object:
    raise NotJson(f"{name} is not JSON")


def _depth(value: object) -> int:
    """How deep containers nest (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads(data: str | bytes, **kwargs: object) -> object:
    """json.loads, strict and bounded: ValueError (NotJson) for anything we do not take."""
    try:
        value = json.loads(data, parse_float=_number, parse_int=_integer, parse_constant=_constant,
                           **kwargs)  # type: ignore[arg-type]
    except RecursionError:
        raise NotJson(f"nested deeper than {MAX_DEPTH} levels") from None
    if _depth(value) > MAX_DEPTH:
        raise NotJson(f"nested deeper than {MAX_DEPTH} levels")
    return value


class HardenedJSON(DefaultJSONProvider):
    """The app's JSON provider (Flask hands it to each request as its json_module): loads
    strictly and bounded, dumps as before."""

    def loads(self, s: str | bytes, **kwargs: object) -> object:
        return loads(s, **kwargs)


class HardenedRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> object:
        detail = str(e) if isinstance(e, NotJson) else "the body is not JSON"
        raise BadRequest(detail)


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _before_anything() -> Response | None:
    """Runs first, before authentication: what can be refused without reading the body."""
    if request.endpoint in LARGER_BODIES:
        setting, default = LARGER_BODIES[request.endpoint]
        request.max_content_length = int(current_app.config.get(setting, default))
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        return problem_response(413, "Content Too Large", f"a request body may hold at most {limit} bytes")
    for name, value in request.headers.items():
        if len(value) > MAX_HEADER_FIELD:
            return problem_response(431, "Request Header Fields Too Large",
                                    f"the {name} header is longer than {MAX_HEADER_FIELD} bytes")
    if (request.method in WITH_BODY and request.endpoint is not None and request.endpoint not in NOT_JSON
            and (_has_body() or request.mimetype) and not request.is_json):
        return problem_response(415, "Unsupported Media Type",
                                "send the body as application/json (or application/ld+json)")
    return None


def _parse_json_body() -> Response | None:
    """Runs after authentication. A chunked body is read here, up to the limit: Werkzeug's
    reader stops at the limit without a word, which would hand the endpoint a truncated body
    (its form parser and get_data then read the copy kept). A JSON body is parsed once, here,
    so that a malformed one is a 400 that says why; the endpoints read the parsed body from
    the request's cache."""
    limit = request.max_content_length
    if request.content_length is None and limit is not None and _has_body() \
            and len(request.get_data(cache=True)) >= limit:
        return problem_response(413, "Content Too Large", f"a request body may hold fewer than {limit} bytes")
    if (request.method in WITH_BODY and request.endpoint is not None and request.endpoint not in NOT_JSON
            and request.is_json and _has_body()):
        try:
            body = request.get_json()
        except BadRequest as exc:
            if isinstance(exc, RequestEntityTooLarge):
                raise
            return problem_response(400, "Bad Request", f"the body is not acceptable JSON: {exc.description}")
        where = _surrogate(body)
        if where is not None:
            message = "holds an unpaired surrogate (\\ud800 to \\udfff), which no text may"
            return problem_response(422, "Invalid request", f"{where}: {message}",
                                    [FieldProblem(where, None, message)])
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(body: object) -> str | None:
    """The member of a parsed body that holds a lone surrogate (JSON's "\\ud800" escapes parse
    to one; no UTF-8 text, and so no store, can hold it), or None. JSON's own escaped pairs
    parse to whole characters."""
    stack: list[tuple[object, str]] = [(body, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, value in item.items():
                if _SURROGATE.search(key):
                    return where or "body"
                stack.append((value, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((value, f"{where}[{n}]") for n, value in enumerate(item))
    return None


def register(app: Flask) -> None:
    """Called by auth.register once its hook is in: the size, header and media type checks
    go before authentication, the JSON parse after it."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_CONTENT_LENGTH
    provider = HardenedJSON(app)
    provider.__dict__.update(vars(app.json))  # keeps settings made before (sort_keys)
    app.json = provider
    app.request_class = HardenedRequest
    app.before_request_funcs.setdefault(None, []).insert(0, _before_anything)
    app.before_request(_parse_json_body)


class ProblemRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server, answering what it refuses itself (a header line over
    64 KiB: 431, more than 100 headers: 431, a request line too long: 414) as problem
    details rather than an HTML page; `hmis-ld serve --dev` runs with it."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        try:
            title = self.responses[code][0]
        except KeyError:
            title = "Error"
        details = {431: "the request's header fields are too large", 414: "the request line is too long"}
        body = json.dumps({"type": "about:blank", "title": title, "status": code,
                           "detail": details.get(code, title)}).encode()
        self.log_error("code %d, message %s", code, title)
        self.send_response(code, title)
        self.send_header("Content-Type", PROBLEM_JSON)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.close_connection = True
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)
