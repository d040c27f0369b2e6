"""Property-based fuzz of our own OpenAPI document with schemathesis.

Every operation the app documents at /api/v1/openapi.json is called with generated
requests, valid and invalid, against the real app over a store with demo data, by a
caller with every grant. The one property: the server never answers 5xx, and every error
it answers is RFC 9457 problem details. Bounded and derandomized, so CI runs the same
cases every time. A short list of hand-picked edge requests, which random generation is
unlikely to reach, is checked for the same property.

The schema is loaded when the module is imported (schemathesis parametrizes at collection
time; its fixture-based loader does not run under pytest 9.2), from an app over an empty
store: the document does not depend on data. The requests go, through `TARGET`, to an app
over a fresh demo store that a module fixture builds.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable

import pyoxigraph as ox
import pytest
import schemathesis
from backends import new_store
from conftest import signed_in
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from hmis_ld.api import create_app
from hmis_ld.api.crud import CRUD_TABLES, SCENARIO_LISTS, collection_paths

PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"
SEED = 20250101
MAX_EXAMPLES = 8  # fuzzing phase, per operation: the CRUD collections and everything else
SCENARIO_EXAMPLES = 30  # HUD's scenario operations and their extensions: cheap, and the most parameter parsing
# The coverage phase (every field with each wrong type, boundary values ...) runs on every
# operation but the CRUD collections below, which share one generic parser with those that
# keep it (clients, enrollments, projects): it would be most of the run and find nothing new.
SAME_PARSER = sorted(base for t in CRUD_TABLES for base in collection_paths(t)
                     if base not in ("clients", "enrollments", "projects"))
ACCEPT = [None, "application/json", "application/ld+json", "text/turtle"]


class Target:
    """A WSGI app that forwards to whichever app the module fixture set."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return self.app(environ, start_response)


TARGET = Target(create_app({"STORE": new_store(), "TESTING": True}))
AUTH: dict[str, str] = {}  # the fuzzing caller's Authorization header, set by the fixture
# Keys of records that exist, by item path and by path parameter name, set by the fixture:
# about half the generated requests to an item path use one, so reads, updates and
# deletes also reach real records rather than only 404.
KEYS_BY_PATH: dict[str, list[str]] = {}
KEYS_BY_PARAMETER: dict[str, list[str]] = {}

schema = schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", TARGET, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                   "with-security-parameters": False},
    "phases": {"stateful": {"enabled": False}},
    "operations": [{"include-path-regex": f"^{PREFIX}/(client|clients|project|projects|csvexport)(/|$)",
                    "exclude-path-regex": f"^{PREFIX}/(clients|projects)/{{key}}$",
                    "generation": {"max-examples": SCENARIO_EXAMPLES}},
                   {"include-path-regex": f"^{PREFIX}/({'|'.join(SAME_PARSER)})(/|$)",
                    "phases": {"coverage": {"enabled": False}}}],
}))


@schema.hook
def before_generate_path_parameters(context, strategy):
    operation = context.operation
    names = [p.name for p in operation.path_parameters] if operation is not None else []
    if len(names) != 1:
        return strategy
    name, path = names[0], operation.path

    def known() -> st.SearchStrategy:
        keys = KEYS_BY_PATH.get(path) or KEYS_BY_PARAMETER.get(name) or []
        return st.sampled_from(keys).map(lambda key: {name: key}) if keys else st.nothing()

    return st.one_of(strategy, st.deferred(known))


@schema.hook
def flatmap_case(context, case):
    """Ask for each format the API serves (and for none), so JSON-LD and Turtle rendering are fuzzed too."""

    def accepting(accept: str | None):
        if accept is not None:
            case.headers = {**(case.headers or {}), "Accept": accept}
        return case

    return st.sampled_from(ACCEPT).map(accepting)


def _existing_keys(http) -> None:
    for table in CRUD_TABLES:
        if table.name in SCENARIO_LISTS:
            continue
        for base in collection_paths(table):
            rows = http.get(f"{PREFIX}/{base}?limit=3").get_json()
            KEYS_BY_PATH[f"{PREFIX}/{base}/{{key}}"] = [r[table.key] for r in rows]
    clients = [c["PersonalID"] for c in http.get(f"{PREFIX}/clients?limit=3").get_json()["clients"]]
    projects = [p["ProjectID"] for p in http.get(f"{PREFIX}/projects?limit=3").get_json()["projects"]]
    KEYS_BY_PATH[f"{PREFIX}/clients/{{key}}"] = clients
    KEYS_BY_PATH[f"{PREFIX}/projects/{{key}}"] = projects
    KEYS_BY_PARAMETER.update(PersonalID=clients, ProjectID=projects)


def _demo_app(demo_dump: bytes):
    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return create_app({"STORE": store, "TESTING": True})


@pytest.fixture(scope="module", autouse=True)
def fuzz_target(demo_dump: bytes):
    """A fresh store with the 80 demo clients behind TARGET; the fuzz writes to it."""
    app = _demo_app(demo_dump)
    http = signed_in(app, "fuzzer")
    AUTH["Authorization"] = http.environ_base["HTTP_AUTHORIZATION"]
    _existing_keys(http)
    empty, TARGET.app = TARGET.app, app
    yield app
    TARGET.app = empty
    for shared in (AUTH, KEYS_BY_PATH, KEYS_BY_PARAMETER):
        shared.clear()


@pytest.fixture(scope="module")
def edge_http(demo_dump: bytes):
    """Its own fresh demo store, so the edge requests do not depend on what the fuzz wrote."""
    return signed_in(_demo_app(demo_dump), "edge")


def _check(status: int, content_type: str, request: str, body: bytes) -> None:
    assert status < 500, f"{status} for {request}\n{body[:300]!r}"
    if status >= 400:
        assert content_type.split(";")[0].strip() == PROBLEM_JSON, f"{status} as {content_type!r} for {request}"


@schema.parametrize()
@settings(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_error_is_problem_json(case) -> None:
    response = case.call(headers=AUTH)
    request = f"{case.method} {case.formatted_path} query={case.query} headers={case.headers} body={case.body!r}"
    _check(response.status_code, (response.headers.get("content-type") or [""])[0], request, response.content)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


PID = "{PersonalID}"  # replaced by a client that exists
EDGE_CASES = [
    # paging parameters
    pytest.param("GET", "/services?limit=0", None),
    pytest.param("GET", "/services?limit=99999999999999999999999", None),
    pytest.param("GET", "/services?cursor=%21%21", None),
    pytest.param("GET", "/services?cursor=" + _cursor("[1]"), None),
    pytest.param("GET", "/clients?cursor=" + _cursor('{"o": 1e999, "f": "x"}'), None),
    # dates at the ends of the calendar
    pytest.param("GET", f"/client/{PID}/changes?until=0001-01-05T00:00:00", None),
    pytest.param("GET", f"/client/{PID}/changes?since=9999-12-31T23:59:59", None),
    pytest.param("GET", f"/client/{PID}/services?from=0001-01-01&to=9999-12-31", None),
    pytest.param("GET", "/clients?active=true&asOf=0001-01-01", None),
    pytest.param("GET", "/csvexport?changedSince=0001-01-01T00:00:00&changedUntil=9999-12-31T23:59:59", None),
    pytest.param("GET", "/audit?since=0001-01-01T00:00:00", None),
    pytest.param("POST", "/client/search", {"DOB": "0001-01-01"}),
    # names that normalize to nothing
    pytest.param("POST", "/client/search", {"LastName": "-"}),
    pytest.param("POST", "/client/search", {"FirstName": "Ω"}),
    # bodies that are not objects, or hold extreme numbers
    pytest.param("POST", "/client", None),
    pytest.param("POST", "/client", ["x"]),
    pytest.param("PATCH", f"/client/{PID}", "text"),
    pytest.param("POST", "/incomebenefits", {"TotalMonthlyIncome": 1e308}),
    pytest.param("POST", "/incomebenefits", {"TotalMonthlyIncome": "NaN"}),
    # filters
    pytest.param("GET", "/csvexport?HMISMetaDataFilter=UserID:", None),
    pytest.param("GET", "/projects?Funder=03&CocCode=xx-5000", None),
    pytest.param("GET", "/clients/%00", None),
    # hostile paging parameters (issue 18 §5)
    pytest.param("GET", "/services?limit=--5", None),
    pytest.param("GET", "/clients?limit=" + "9" * 5000, None),
    pytest.param("GET", "/projects?limit=%D9%A3", None),
    pytest.param("GET", "/services?cursor=" + _cursor('{"o": 18446744073709551616, "f": "x"}'), None),
    pytest.param("GET", "/services?cursor=" + _cursor("[" * 5000), None),
]


@pytest.mark.parametrize(("method", "path", "body"), EDGE_CASES)
def test_edge_requests_get_no_server_error(edge_http, method: str, path: str, body: object) -> None:
    personal_id = edge_http.get(f"{PREFIX}/clients?limit=1").get_json()["clients"][0]["PersonalID"]
    url = PREFIX + path.replace(PID, personal_id)
    response = edge_http.open(url, method=method, json=body)
    _check(response.status_code, response.content_type or "", f"{method} {url} body={body!r}", response.get_data())


# Hostile bodies (issue 18 §5), for every operation of the OpenAPI document that takes a JSON
# body: each property it documents set to a huge or endless number, a lone surrogate or a
# NUL; JSON nested 10,000 deep; a body over the size limit; the right body as text/plain.
# Whatever the answer, it is a 4xx in problem details and the store is unchanged.
DOCUMENT = TARGET.app.test_client().get(f"{PREFIX}/openapi.json").get_json()
WITH_BODY = sorted((method.upper(), path) for path, item in DOCUMENT["paths"].items()
                   for method, operation in item.items()
                   if isinstance(operation, dict) and "application/json" in operation.get("requestBody", {}).get(
                       "content", {}))
HOSTILE_VALUES = ['"\\ud800"', '"Ada\\udfff"', '"a\\u0000b"', '"\\u001b"', "9" * 5000, '"' + "9" * 5000 + '"',
                  "1e400", "-1e400", '"1e400"', '"1e1000000"', '"1e-1000000"', "1" + "0" * 30, "0.1e-400"]


def _hostile_bodies(properties: list[str]) -> Iterable[tuple[str, bytes]]:
    names = properties or ["x"]
    for value in HOSTILE_VALUES:
        yield "application/json", ("{" + ", ".join(f'"{name}": {value}' for name in names) + "}").encode()
    yield "application/json", b"[" * 10_000 + b"]" * 10_000
    yield "application/json", b'{"a": ' * 10_000 + b"1" + b"}" * 10_000
    yield "application/json", b'{"' + names[0].encode() + b'": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    yield "text/plain", ("{" + ", ".join(f'"{name}": "1"' for name in names) + "}").encode()
    yield "", b'{"x": 1}'


def _properties(operation: dict) -> list[str]:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return sorted(schema.get("properties", {}))


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_hostile_bodies_get_a_4xx_and_change_nothing(edge_http, method: str, path: str) -> None:
    store = edge_http.application.extensions["hmis_ld"].store
    url = PREFIX + path.removeprefix(PREFIX)
    for name in {part[1:-1] for part in path.split("/") if part.startswith("{")}:
        keys = KEYS_BY_PATH.get(path) or KEYS_BY_PARAMETER.get(name) or ["x"]
        url = url.replace("{" + name + "}", keys[0])
    digest = store.dump_nquads()
    accepted = []
    for content_type, body in _hostile_bodies(_properties(DOCUMENT["paths"][path][method.lower()])):
        headers = {"Content-Type": content_type} if content_type else {}
        response = edge_http.open(url, method=method, data=body, headers=headers)
        request = f"{method} {url} {content_type} body={body[:80]!r}"
        _check(response.status_code, response.content_type or "", request, response.get_data())
        if response.status_code < 400:
            accepted.append(body)
    # What a field may legitimately hold is taken ("1e400" is a fine account name); nothing else
    assert all(b.startswith(b'{"') and b"\\u" not in b and b'": "' in b for b in accepted), (path, accepted)
    if not accepted:
        assert store.dump_nquads() == digest, f"{method} {url} changed the store"
