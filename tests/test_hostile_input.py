"""Hostile input, tried from outside (issue 18 §5): every request below is a clear 4xx in
problem details, and the store holds exactly what it held before. Over HTTP to the real app
(Flask's test client), and for what a server refuses before the app sees it, a real HTTP
server on a free localhost port."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from backends import new_store
from conftest import signed_in
from werkzeug.serving import make_server

from hmis_ld.api import create_app
from hmis_ld.api.limits import DEFAULT_MAX_CONTENT_LENGTH, ProblemRequestHandler
from hmis_ld.authz.accounts import Accounts
from hmis_ld.store import EmbeddedStore

B = "/api/v1"
PROBLEM = "application/problem+json"
CLIENT_BODY = {"FirstName": "Ada", "LastName": "Lovelace", "NameDataQuality": 1, "SSNDataQuality": 99,
               "DOBDataQuality": 99, "AmIndAKNative": 0, "Asian": 0, "BlackAfAmerican": 0, "HispanicLatinao": 0,
               "MidEastNAfrican": 0, "NativeHIPacific": 0, "White": 1, "VeteranStatus": 0}
SERVER_FIELDS = ("ServicesID", "DateCreated", "DateUpdated", "UserID", "DateDeleted", "ExportID")


def _store(demo_dump: bytes) -> EmbeddedStore:
    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return store


@pytest.fixture(scope="module")
def target(demo_dump: bytes):
    """One app over a demo store for the whole module: every request here must leave it as it was."""
    store = _store(demo_dump)
    app = create_app({"STORE": store, "TESTING": True})
    return app, signed_in(app, "hostile"), store


def _digest(store: EmbeddedStore) -> str:
    return hashlib.sha256(store.dump_nquads()).hexdigest()


@contextlib.contextmanager
def unchanged(store: EmbeddedStore) -> Iterator[None]:
    before = _digest(store)
    yield
    assert _digest(store) == before, "the store changed"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    assert response.mimetype == PROBLEM
    body = json.loads(response.get_data())  # strict: no NaN or Infinity
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _fields(problem: dict) -> set[str]:
    return {e["field"] for e in problem.get("errors", [])}


def _cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _service_body(http) -> dict:
    record = http.get(f"{B}/services?limit=1").get_json()[0]
    return {k: v for k, v in record.items() if k not in SERVER_FIELDS}


# Query parameters: 400

@pytest.mark.parametrize("query", ["limit=--5", "limit=" + "9" * 5000, "limit=%D9%A3", "limit=-0x5",
                                   "cursor=" + _cursor({"o": 2**64, "f": "x"}),
                                   "cursor=" + _cursor({"o": True, "f": "x"}),
                                   "cursor=" + base64.urlsafe_b64encode(b"[" * 5000).decode().rstrip("=")])
def test_a_malformed_paging_parameter_is_400(target, query: str) -> None:
    _, http, store = target
    with unchanged(store):
        for path in ("/services", "/clients", "/projects"):
            problem = _problem(http.get(f"{B}{path}?{query}"), 400)
            assert _fields(problem) & {"limit", "cursor"}


def test_a_cursor_past_the_end_of_every_listing_is_refused_not_run(target) -> None:
    _, http, store = target
    first = http.get(f"{B}/services?limit=1")
    assert first.status_code == 200
    fingerprint = json.loads(base64.urlsafe_b64decode(first.headers["Link"].split("cursor=")[1].split(">")[0] + "=="))
    with unchanged(store):
        problem = _problem(http.get(f"{B}/services?limit=1&cursor=" + _cursor({**fingerprint, "o": 2**64})), 400)
    assert _fields(problem) == {"cursor"}


# JSON bodies that are not JSON we take: 400

@pytest.mark.parametrize("raw", [b"[" * 10_000 + b"]" * 10_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
                                 b'{"FirstName": ' + b"[" * 40 + b"]" * 40 + b"}",
                                 b'{"White": NaN}', b'{"White": Infinity}', b'{"White": 1', b"\xff\xfe"])
def test_json_that_nests_too_deep_or_is_not_json_is_400(target, raw: bytes) -> None:
    _, http, store = target
    personal_id = http.get(f"{B}/clients?limit=1").get_json()["clients"][0]["PersonalID"]
    with unchanged(store):
        for method, path in (("POST", "/client"), ("POST", "/services"), ("PATCH", f"/client/{personal_id}"),
                             ("POST", "/client/search"), ("POST", "/client/match")):
            problem = _problem(http.open(f"{B}{path}", method=method, data=raw, content_type="application/json"),
                               400)
            assert "JSON" in problem["detail"]


# Values a field cannot hold: 422

def _client_with(**fields: object) -> dict:
    return {**CLIENT_BODY, **fields}


HUGE = "9" * 5000


@pytest.mark.parametrize(("fields", "raw_number", "field"), [
    ({"FirstName": "\ud800"}, None, "FirstName"),
    ({"LastName": "Love\udfffLace"}, None, "LastName"),
    ({"FirstName": "Ada\x00"}, None, "FirstName"),
    ({"LastName": "Love\x1blace"}, None, "LastName"),
    ({"YearEnteredService": HUGE}, None, "YearEnteredService"),
    ({"YearEnteredService": 0}, HUGE, "YearEnteredService"),  # a 5,000-digit JSON number
    ({"YearEnteredService": 10**30}, None, "YearEnteredService"),
    ({"YearEnteredService": 2**31}, None, "YearEnteredService"),
    ({"VeteranStatus": 0}, "1e400", "VeteranStatus"),
])
def test_a_client_with_a_value_no_field_can_hold_is_422(target, fields: dict, raw_number: str | None,
                                                        field: str) -> None:
    _, http, store = target
    body = json.dumps(_client_with(**fields))
    if raw_number is not None:
        body = body.replace(f'"{field}": {fields[field]}', f'"{field}": {raw_number}')
    with unchanged(store):
        problem = _problem(http.post(f"{B}/client", data=body, content_type="application/json"), 422)
    assert field in _fields(problem)
    if field in ("FirstName", "LastName"):  # personal data is never echoed
        assert all(e.get("value") is None for e in problem["errors"])
    assert len(json.dumps(problem)) < 2000  # a 5,000-digit number is not repeated whole


@pytest.mark.parametrize("amount", ['"1e400"', '"1e1000000"', '"-1e400"', "1e400", "1e1000000", '"1e-1000000"',
                                    '"Infinity"', '"NaN"', '"1000000000000"', "1" + "0" * 5000])
def test_an_amount_that_is_not_a_finite_decimal_in_range_is_422(target, amount: str) -> None:
    _, http, store = target
    body = _service_body(http)
    body["FAAmount"] = "12.50"
    with unchanged(store):
        raw = json.dumps(body).replace('"FAAmount": "12.50"', f'"FAAmount": {amount}')
        problem = _problem(http.post(f"{B}/services", data=raw, content_type="application/json"), 422)
    assert _fields(problem) == {"FAAmount"}


@pytest.fixture(scope="module")
def writable_http(demo_dump: bytes):
    """Another app over its own demo store, for the requests that are meant to be stored."""
    return signed_in(create_app({"STORE": _store(demo_dump), "TESTING": True}))


def test_the_same_service_with_a_sane_amount_is_stored_and_exports(writable_http) -> None:
    """The control for the cases above: only the amount was at fault; and what is stored
    comes back out as JSON (no Infinity in the person's /csvexport)."""
    http = writable_http
    body = {**_service_body(http), "FAAmount": "999999999999.99"}
    created = http.post(f"{B}/services", json=body)
    assert created.status_code == 201, created.get_json()
    exported = http.get(f"{B}/csvexport?PersonalID={body['PersonalID']}")
    assert exported.status_code == 200
    json.loads(exported.get_data())


# Bodies too big: 413, before they are read

class Unreadable:
    """A request body of `size` bytes that fails the test if anyone reads it."""

    def __init__(self, size: int) -> None:
        self.size, self.position = size, 0

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size + offset if whence == 2 else offset
        return self.position

    def read(self, *args: object) -> bytes:
        raise AssertionError("the body was read")

    readline = readinto = read


@pytest.mark.parametrize("size", [20 * 1024 * 1024, 100 * 1024 * 1024, DEFAULT_MAX_CONTENT_LENGTH + 1])
@pytest.mark.parametrize(("method", "path", "content_type"), [
    ("POST", "/client", "application/json"), ("POST", "/services", "application/json"),
    ("POST", "/nothing-here", "application/json"), ("POST", "/oauth/token", "application/x-www-form-urlencoded"),
    ("POST", "/sparql", "application/sparql-query"), ("GET", "/projects", "text/plain")])
def test_a_body_over_the_limit_is_413_before_it_is_read(target, size: int, method: str, path: str,
                                                       content_type: str) -> None:
    app, http, store = target
    with unchanged(store):
        for client in (http, app.test_client()):  # signed in, and anonymous
            response = client.open(f"{B}{path}", method=method, input_stream=Unreadable(size),
                                   content_type=content_type)
            _problem(response, 413)


def test_the_body_limit_is_configurable(target, monkeypatch: pytest.MonkeyPatch) -> None:
    app, http, store = target
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)  # HMIS_LD_MAX_CONTENT_LENGTH=100
    with unchanged(store):
        _problem(http.post(f"{B}/client/search", json={"LastName": "x" * 200}), 413)
        assert http.post(f"{B}/client/search", json={"LastName": "x"}).status_code in (200, 404)


# Media types: 415; JSON's own types, forms and SPARQL's types still work

@pytest.mark.parametrize("content_type", ["text/plain", None, "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonx"])
def test_a_json_endpoint_refuses_other_media_types_with_415(target, content_type: str | None) -> None:
    _, http, store = target
    personal_id = http.get(f"{B}/clients?limit=1").get_json()["clients"][0]["PersonalID"]
    headers = {} if content_type is None else {"Content-Type": content_type}
    with unchanged(store):
        for method, path, body in (("POST", "/client", CLIENT_BODY), ("PATCH", f"/client/{personal_id}",
                                                                      {"VeteranStatus": 1}),
                                   ("POST", "/client/search", {"LastName": "a"}), ("POST", "/services", {})):
            response = http.open(f"{B}{path}", method=method, data=json.dumps(body), headers=headers)
            _problem(response, 415)


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "application/ld+json", "application/merge-patch+json"])
def test_json_media_types_are_accepted(writable_http, content_type: str) -> None:
    http = writable_http
    personal_id = http.get(f"{B}/clients?limit=1").get_json()["clients"][0]["PersonalID"]
    response = http.patch(f"{B}/client/{personal_id}", data=json.dumps({"VeteranStatus": 1}),
                          headers={"Content-Type": content_type})
    assert response.status_code == 200, response.get_json()


def test_sparql_and_token_endpoints_keep_their_own_media_types(target) -> None:
    app, http, _ = target
    query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    for response in (http.post(f"{B}/sparql", data=query, content_type="application/sparql-query"),
                     http.post(f"{B}/sparql", data={"query": query}),
                     http.get(f"{B}/sparql", query_string={"query": query})):
        assert response.status_code == 200, response.get_data()[:200]
    store = app.extensions["hmis_ld"].store
    secret = Accounts(store).add("former")
    token = app.test_client().post(f"{B}/oauth/token", data={"grant_type": "client_credentials",
                                                              "client_id": "former", "client_secret": secret})
    assert token.status_code == 200


# Header fields too large: 431 in problem details, from the app and from the server

def test_a_huge_token_is_431_problem_json(target) -> None:
    app, _, store = target
    with unchanged(store):
        response = app.test_client().get(f"{B}/projects", headers={"Authorization": "Bearer " + "a" * 10_000})
        _problem(response, 431)


@contextlib.contextmanager
def served(app) -> Iterator[tuple[str, int]]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=ProblemRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _over_http(host: str, port: int, path: str, headers: dict[str, str]) -> tuple[int, str, bytes]:
    request = urllib.request.Request(f"http://{host}:{port}{B}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get_content_type(), error.read()


def test_a_100_kb_token_over_real_http_is_431_problem_json(target) -> None:
    app, http, store = target
    with unchanged(store), served(app) as (host, port):
        for size in (100_000, 20_000):  # the server's own refusal (a line over 64 KiB), the app's
            status, content_type, body = _over_http(host, port, "/projects", {"Authorization": "Bearer " + "a" * size})
            assert (status, content_type) == (431, PROBLEM)
            assert json.loads(body)["status"] == 431
        auth = http.environ_base["HTTP_AUTHORIZATION"]
        assert _over_http(host, port, "/projects", {"Authorization": auth})[0] == 200  # the server still serves


def _raw_exchange(host: str, port: int, head: bytes, chunks: Iterator[bytes]) -> tuple[bytes, float]:
    """Send a request's head and as much of its body as the server takes; the answer and how long it took."""
    started = time.perf_counter()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for chunk in chunks:
                sock.sendall(chunk)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while b"\r\n\r\n" not in answer or len(answer) < answer.index(b"\r\n\r\n") + 60:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
    return answer, time.perf_counter() - started


def _status_and_type(answer: bytes) -> tuple[int, str]:
    head = answer.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
    return int(head[0].split()[1]), headers.get("content-type", "")


def test_a_100_mb_body_over_real_http_is_413_without_being_sent(target) -> None:
    app, http, store = target
    auth = http.environ_base["HTTP_AUTHORIZATION"]
    with unchanged(store), served(app) as (host, port):
        head = (f"POST {B}/client HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {100 * 1024 * 1024}\r\n\r\n").encode()
        answer, took = _raw_exchange(host, port, head, iter([b"{" + b" " * 1023]))  # 1 KB of the promised 100 MB
        assert _status_and_type(answer) == (413, PROBLEM)
        assert took < 5


def test_a_chunked_body_without_content_length_is_bounded(target) -> None:
    app, http, store = target
    auth = http.environ_base["HTTP_AUTHORIZATION"]
    piece = b" " * 65536

    def chunks() -> Iterator[bytes]:
        yield b"%x\r\n{\r\n" % 1
        for _ in range(64):  # 4 MB, four times the limit
            yield b"%x\r\n" % len(piece) + piece + b"\r\n"
        yield b"0\r\n\r\n"

    with unchanged(store), served(app) as (host, port):
        head = (f"POST {B}/client HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n"
                f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        answer, _ = _raw_exchange(host, port, head, chunks())
        assert _status_and_type(answer) == (413, PROBLEM), answer


# Throttling failed token requests

def _token_request(client, name: str, secret: str, address: str = "127.0.0.1"):
    return client.post(f"{B}/oauth/token", data={"grant_type": "client_credentials", "client_id": name,
                                                 "client_secret": secret}, environ_base={"REMOTE_ADDR": address})


def test_failed_token_requests_are_throttled_per_client_id_with_retry_after() -> None:
    app = create_app({"STORE": new_store(), "TESTING": True, "AUTH_THROTTLE_CLIENT": "3 per minute",
                      "AUTH_THROTTLE_ADDRESS": "100 per minute"})
    accounts = Accounts(app.extensions["hmis_ld"].store)
    secret, other_secret = accounts.add("victim"), accounts.add("bystander")
    client = app.test_client()
    for n in range(3):
        assert _token_request(client, "victim", "guess", f"10.0.0.{n}").status_code == 401
    assert _token_request(client, "bystander", "guess", "10.0.0.1").status_code == 401  # counted apart
    for secret_tried in ("guess", secret):  # spent: not even the right secret is checked
        throttled = _token_request(client, "victim", secret_tried, "10.0.0.9")
        body = _problem(throttled, 429)
        assert 1 <= int(throttled.headers["Retry-After"]) <= 61
        assert "secret" not in json.dumps(body)
    # another account from the same addresses is not held up; nor are its successes counted
    for _ in range(4):
        assert _token_request(client, "bystander", other_secret, "10.0.0.1").status_code == 200


def test_failed_token_requests_are_throttled_per_address() -> None:
    app = create_app({"STORE": new_store(), "TESTING": True, "AUTH_THROTTLE_CLIENT": "100 per minute",
                      "AUTH_THROTTLE_ADDRESS": "4 per minute"})
    secret = Accounts(app.extensions["hmis_ld"].store).add("someone")
    client = app.test_client()
    for n in range(4):
        assert _token_request(client, f"guess{n}", "guess", "192.0.2.7").status_code == 401
    _problem(_token_request(client, "guess9", "guess", "192.0.2.7"), 429)
    _problem(_token_request(client, "someone", secret, "192.0.2.7"), 429)
    assert _token_request(client, "someone", secret, "192.0.2.8").status_code == 200  # another address


def test_successful_token_requests_are_not_throttled() -> None:
    app = create_app({"STORE": new_store(), "TESTING": True, "AUTH_THROTTLE_CLIENT": "2 per minute",
                      "AUTH_THROTTLE_ADDRESS": "2 per minute"})
    secret = Accounts(app.extensions["hmis_ld"].store).add("busy")
    client = app.test_client()
    assert [_token_request(client, "busy", secret).status_code for _ in range(5)] == [200] * 5


def test_failed_http_basic_checks_are_throttled_like_token_requests() -> None:
    app = create_app({"STORE": new_store(), "TESTING": True, "AUTH_BASIC": True,
                      "AUTH_THROTTLE_CLIENT": "3 per minute", "AUTH_THROTTLE_ADDRESS": "100 per minute"})
    accounts = Accounts(app.extensions["hmis_ld"].store)
    secret, other_secret = accounts.add("victim"), accounts.add("bystander")
    client = app.test_client()

    def basic(name: str, password: str, address: str = "10.0.0.1"):
        credential = base64.b64encode(f"{name}:{password}".encode()).decode()
        return client.get(f"{B}/projects", headers={"Authorization": f"Basic {credential}"},
                          environ_base={"REMOTE_ADDR": address})

    assert basic("victim", secret).status_code != 401  # successes are not counted
    for n in range(3):
        assert basic("victim", "guess", f"10.0.0.{n}").status_code == 401
    for password in ("guess", secret):  # spent: not even the right password is checked
        throttled = basic("victim", password, "10.0.0.9")
        _problem(throttled, 429)
        assert 1 <= int(throttled.headers["Retry-After"]) <= 61
    assert basic("bystander", other_secret).status_code != 401
