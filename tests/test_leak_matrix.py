"""Hidden answers exactly like missing, for every operation that takes an identifier in its path.

The matrix is generated from the app's own OpenAPI document: each path parameter is known by
name (and a record key by its collection's table), and a path the matrix does not know fails
the test, so a new endpoint cannot slip past it. A reader granted one project asks for a
record of another project and for an identifier of the same length that names nothing: the
two answers must be identical in status, body (with the identifier masked) and headers (less Date and the
per-request X-Request-ID).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
import pytest
from backends import new_store
from conftest import copy_of, signed_in

from hmis_ld.api import create_app
from hmis_ld.model import MODEL, iris
from hmis_ld.model.derived import CLIENT_ID
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore

METHODS = ("get", "post", "put", "patch", "delete")
# Paths naming records every reader may see (the directory, accounts): nothing there is hidden.
PUBLIC_TABLES = {t.name for t in MODEL.tables.values() if t.scope != "project"}


@dataclass
class World:
    store: EmbeddedStore
    project: str  # the reader's one project
    hidden: dict[str, str]  # table name -> key of a record in another project's graph
    hidden_person: str  # a PersonalID with no record in the reader's project
    hidden_client_id: str  # the ClientID of a client record in another project


def _first_outside(store: EmbeddedStore, table_name: str, mine: str) -> str | None:
    table = MODEL.tables[table_name]
    rows = store.select(
        f"SELECT ?key ?g WHERE {{ GRAPH ?g {{ ?s a <{table.cls}> ; <{table.key_field.iri}> ?key }} "
        f"FILTER(STRSTARTS(STR(?g), \"{iris.PROJECT_GRAPH_PREFIX}\") && !STRENDS(STR(?g), \"{iris.PII_SUFFIX}\") "
        f"&& ?g != <{mine}>) }} ORDER BY ?key LIMIT 1", graphs=EVERY_GRAPH)
    return next((r["key"].value for r in rows), None)


@pytest.fixture(scope="module")
def world(testkit_store: EmbeddedStore) -> World:
    store = copy_of(testkit_store)
    counts = store.select(
        f"SELECT ?g (COUNT(?e) AS ?n) WHERE {{ GRAPH ?g {{ ?e a <{MODEL.tables['Enrollment'].cls}> }} }} "
        f"GROUP BY ?g ORDER BY DESC(?n) ?g LIMIT 1", graphs=EVERY_GRAPH)
    mine = next(counts)["g"].value
    project = iris.project_id(iris.project_of_graph(mine))
    hidden = {t.name: key for t in MODEL.tables.values() if t.scope == "project"
              if (key := _first_outside(store, t.name, mine)) is not None}
    person = next(store.select(
        f"SELECT ?pid WHERE {{ GRAPH ?g {{ ?c a <{MODEL.tables['Client'].cls}> ; "
        f"<{MODEL.tables['Client'].key_field.iri}> ?pid }} FILTER(?g != <{mine}>) "
        f"OPTIONAL {{ GRAPH <{mine}> {{ ?mine <{MODEL.tables['Client'].key_field.iri}> ?pid }} }} "
        f"FILTER(!BOUND(?mine)) }} ORDER BY ?pid LIMIT 1", graphs=EVERY_GRAPH))["pid"].value
    client_id = next(store.select(
        f"SELECT ?id WHERE {{ GRAPH ?g {{ ?c <{CLIENT_ID}> ?id }} FILTER(?g != <{mine}>) }} ORDER BY ?id LIMIT 1",
        graphs=EVERY_GRAPH))["id"].value
    return World(store, project, hidden, person, client_id)


def _missing_like(value: str) -> str:
    """An identifier of the same length that names nothing."""
    return "".join("z" if c.isalnum() else c for c in value)


# Path parameter -> how to find a hidden value for it: (world, the operation's tag) -> value,
# or a reason the parameter names nothing a reader could be refused.
Probe = Callable[[World, str], str | None]
PROBES: dict[str, Probe | str] = {
    "key": lambda w, table: w.hidden.get(table),
    "PersonalID": lambda w, _: w.hidden_person,
    "ClientID": lambda w, _: w.hidden_client_id,
    "ProjectID": "names a project, a directory record every reader sees",
    "review_id": "administrators only: a project reader is refused before any lookup (checked below)",
    "name": "administrators only: account names",
    "grant": "administrators only: grant names",
    "job_id": "administrators only: an import job, and only its own account's (test_live_imports)",
}


def _operations(app) -> list[tuple[str, str, str, list[str]]]:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    out = []
    for path, item in spec["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        if not params:
            continue
        for method in METHODS:
            if method in item:
                out.append((path, method, (item[method].get("tags") or [""])[0], params))
    return out


@pytest.fixture(scope="module")
def reader(world: World):
    app = create_app({"STORE": copy_of(world.store), "TESTING": True})
    grants = (f"project:{world.project}:read", f"project:{world.project}:write", "pii:read")
    return signed_in(app, "one-project", grants)


def _answer(response, secret: str) -> tuple[int, str, dict[str, str]]:
    body = response.get_data(as_text=True).replace(secret, "<id>")
    headers = {k: v for k, v in response.headers.items() if k not in ("Date", "Content-Length", "X-Request-ID")}
    return response.status_code, body, headers


def test_every_path_parameter_is_known_to_the_matrix(reader) -> None:
    unknown = {(path, p) for path, _, _, params in _operations(reader.application) for p in params if p not in PROBES}
    assert not unknown, f"paths the leak matrix does not cover: {sorted(unknown)}"


def test_a_record_of_another_project_answers_exactly_like_a_missing_one(reader, world: World) -> None:
    compared, unprobed = [], []
    for path, method, tag, params in _operations(reader.application):
        if tag in PUBLIC_TABLES or "ProjectID" in params:
            continue  # names records every reader sees
        values = {p: PROBES[p](world, tag) if callable(PROBES[p]) else f"some-{p}" for p in params}
        if any(v is None for v in values.values()):
            unprobed.append((method, path))  # no such record outside the reader's project in the kit
            continue
        secret = values[params[0]]
        hidden_url, missing_url = path, path
        for p, v in values.items():
            hidden_url = hidden_url.replace("{" + p + "}", v)
            missing_url = missing_url.replace("{" + p + "}", _missing_like(v) if p == params[0] else v)
        body = {"json": {}} if method in ("patch", "post", "put") else {}
        hidden = reader.open(hidden_url, method=method.upper(), **body)
        missing = reader.open(missing_url, method=method.upper(), **body)
        assert _answer(hidden, secret) == _answer(missing, _missing_like(secret)), f"{method.upper()} {path}"
        assert hidden.status_code in (403, 404), (method, path, hidden.status_code)
        compared.append(path)
    for expected in ("/api/v1/clientrecords/{ClientID}", "/api/v1/clients/{key}", "/api/v1/enrollments/{key}",
                     "/api/v1/exit/{key}", "/api/v1/services/{key}", "/api/v1/client/{PersonalID}/enrollments",
                     "/api/v1/client/{PersonalID}", "/api/v1/persons/{PersonalID}"):
        assert expected in compared, expected
    assert len(unprobed) <= len(compared) // 4, unprobed


def test_client_ids_cannot_be_computed_from_public_facts(world: World) -> None:
    """A ClientID is not a plain hash of the IRI that names PersonalID and project, and two
    stores holding the same records give them different ClientIDs."""
    import hashlib

    from hmis_ld.csv.importer import import_csv  # noqa: F401  (the kit was imported by it)

    rows = list(world.store.select(f"SELECT ?s ?id WHERE {{ GRAPH ?g {{ ?s <{CLIENT_ID}> ?id }} }} LIMIT 50",
                                   graphs=EVERY_GRAPH))
    assert rows
    for r in rows:
        for digest in (hashlib.sha1, hashlib.sha256, hashlib.md5):
            assert digest(r["s"].value.encode()).hexdigest()[:20] != r["id"].value
    other = new_store()
    other.bulk_load(ox.parse(world.store.dump_nquads().replace(b"clientIdKey", b"oldClientIdKey"),
                             format=ox.RdfFormat.N_QUADS))
    from hmis_ld.model.derived import client_id
    from hmis_ld.model.identity import client_id_key

    assert client_id(rows[0]["s"].value, client_id_key(other)) != rows[0]["id"].value
