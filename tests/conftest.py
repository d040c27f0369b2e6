"""Shared fixtures. Tests that read HUD's files or the CSV fixtures need the project's
`shared/` folder: set HMIS_LD_SHARED to it (.ci/run does); otherwise they skip."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest
from backends import REMOTE, new_store

from hmis_ld import clock
from hmis_ld.csv.importer import import_csv
from hmis_ld.store import EVERY_GRAPH, Store


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "embedded_only(reason): tests the embedded store itself (its folder, its lock)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With HMIS_LD_TEST_BACKEND=remote every test runs on `oxigraph serve` (backends.py),
    except those marked embedded_only."""
    for item in items:
        marker = item.get_closest_marker("embedded_only")
        if REMOTE and marker is not None:
            item.add_marker(pytest.mark.skip(reason="embedded store only: " + str(marker.kwargs.get("reason", ""))))


def _shared() -> Path | None:
    value = os.environ.get("HMIS_LD_SHARED")
    return Path(value) if value and Path(value).is_dir() else None


@pytest.fixture(scope="session")
def shared() -> Path:
    path = _shared()
    if path is None:
        pytest.skip("HUD reference files and CSV fixtures not available: set HMIS_LD_SHARED to the shared/ folder")
    return path


@pytest.fixture(scope="session")
def testkit(shared: Path) -> Path:
    return shared / "fixtures" / "hmis-csv-fy2026-testkit"


@pytest.fixture(scope="session")
def cases(shared: Path) -> Path:
    return shared / "fixtures" / "importer-cases"


@pytest.fixture(scope="session")
def testkit_store(testkit: Path) -> Store:
    """One in-memory store with the test kit, shared by read-only tests."""
    store = new_store()
    import_csv(store, testkit, progress=False)
    return store


TESTER_GRANTS = ("all:read", "all:write", "pii:read", "admin", "audit", "sparql")


def stale_documents(store: Store) -> list[tuple[str, str]]:
    """(subject, graph) pairs whose `ext:fields` document, or `ext:updatedOn` day, differs from
    their field triples: the API reads documents, exports of changes look records up by day,
    SPARQL reads triples, so they must never drift."""
    from hmis_ld.model import MODEL
    from hmis_ld.model.records import FIELDS, RELABELLED

    tables = {r["s"].value: MODEL.by_class[r["t"].value] for r in store.select("SELECT ?s ?t WHERE { ?s a ?t }", graphs=EVERY_GRAPH)
              if r["t"].value in MODEL.by_class}
    documents: dict[tuple[str, str], dict] = defaultdict(dict)
    triples: dict[tuple[str, str], dict] = defaultdict(dict)
    days: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in store.select("SELECT ?s ?g ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", graphs=EVERY_GRAPH):
        s, g, p = r["s"].value, r["g"].value, r["p"].value
        table = tables.get(s)
        if table is None:
            continue
        if p == FIELDS:
            documents[(s, g)] = json.loads(r["o"].value)
        elif p == "urn:hmis-ld:ext#updatedOn":
            days[(s, g)].add(r["o"].value)
        elif p in table.by_iri and table.by_iri[p].name != RELABELLED:
            triples[(s, g)][table.by_iri[p].name] = r["o"].value
    return sorted(k for k in documents.keys() | triples.keys() | days.keys()
                  if documents.get(k, {}) != triples.get(k, {})
                  or days.get(k, set()) != ({triples[k]["DateUpdated"][:10]} if "DateUpdated" in triples.get(k, {})
                                            else set()))


# (the child's link to its parent, the child's field, what the parent restates), written out
# here rather than read from the model, so the check does not share the model's mistakes
RESTATED = (("refEnrollment", "ExitDate", "exitDate"), ("refProject", "Funder", "funder"))


def stale_on_parents(store: Store) -> set[tuple[str, str, str, str]]:
    """(predicate, parent, value, graph) a child keeps on its parent that its child records do
    not call for, or the other way round: HUD's parent -> child link to each child that is not
    deleted (and to no deleted one), the field a child that is not deleted restates on its
    parent (an enrollment's `ext:exitDate`, a project's `ext:funder`), and when each enrollment
    that is not deleted may be active (`ext:activeUntil`: "open" without an Exit that is not
    deleted, else the year of its ExitDate, "open" again past next year). The scenarios walk
    these; export and SPARQL read the child's own triples, and the check starts from those."""
    from hmis_ld.model import MODEL

    h, ext = "urn:hud:hmis:owl#", "urn:hmis-ld:ext#"
    live = f"FILTER NOT EXISTS {{ ?c <{h}DateDeleted> ?deleted }}"
    expected, found = set(), set()
    for table in MODEL.tables.values():
        for link in table.links:
            if link.down:
                expected |= {(link.down, r["p"].value, r["c"].value, r["g"].value) for r in store.select(
                    f"SELECT ?p ?c ?g WHERE {{ GRAPH ?g {{ ?c a <{table.cls}> ; <{link.up}> ?p {live} }} }}", graphs=EVERY_GRAPH)}
    for down in MODEL.down_links:
        found |= {(down, r["p"].value, r["c"].value, r["g"].value) for r in store.select(
            f"SELECT ?p ?c ?g WHERE {{ GRAPH ?g {{ ?p <{down}> ?c }} }}", graphs=EVERY_GRAPH)}
    for up, field, fact in RESTATED:
        expected |= {(fact, r["p"].value, r["v"].value, r["g"].value) for r in store.select(
            f"SELECT DISTINCT ?p ?v ?g WHERE {{ GRAPH ?g {{ ?c <{ext}{up}> ?p ; <{h}{field}> ?v {live} }} }}", graphs=EVERY_GRAPH)}
        found |= {(fact, r["p"].value, r["v"].value, r["g"].value) for r in store.select(
            f"SELECT ?p ?v ?g WHERE {{ GRAPH ?g {{ ?p <{ext}{fact}> ?v }} }}", graphs=EVERY_GRAPH)}
    exits: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in store.select(f"SELECT ?e ?x ?g WHERE {{ GRAPH ?g {{ ?c a <{h}Exit> ; <{ext}refEnrollment> ?e ; "
                          f"<{h}ExitDate> ?x {live} }} }}", graphs=EVERY_GRAPH):
        year = int(r["x"].value[:4])
        exits[(r["e"].value, r["g"].value)].add(str(year) if year <= clock.today().year + 1 else "open")
    for r in store.select(f"SELECT ?e ?g WHERE {{ GRAPH ?g {{ ?c a <{h}Enrollment> {live} BIND(?c AS ?e) }} }}", graphs=EVERY_GRAPH):
        for until in exits.get((r["e"].value, r["g"].value)) or {"open"}:
            expected.add(("activeUntil", r["e"].value, until, r["g"].value))
    found |= {("activeUntil", r["e"].value, r["u"].value, r["g"].value) for r in store.select(
        f"SELECT ?e ?u ?g WHERE {{ GRAPH ?g {{ ?e <{ext}activeUntil> ?u }} }}", graphs=EVERY_GRAPH)}
    return expected ^ found


def keyed_like(reference: Store) -> Store:
    """An empty store with the reference's ClientID key, so that importing the same files
    into both gives the same ClientIDs (each store otherwise makes a secret key of its own)."""
    import pyoxigraph as ox

    from hmis_ld.model import iris
    from hmis_ld.model.identity import CLIENT_ID_KEY

    holder = ox.NamedNode(iris.ACCOUNTS)
    rows = reference.select(f"SELECT ?k WHERE {{ GRAPH <{iris.ACCOUNTS}> {{ <{iris.ACCOUNTS}> <{CLIENT_ID_KEY}> ?k }} }}",
                            graphs=[iris.ACCOUNTS])
    store = new_store()
    store.extend([ox.Quad(holder, ox.NamedNode(CLIENT_ID_KEY), r["k"], holder) for r in rows])
    return store


def copy_of(store: Store) -> Store:
    import pyoxigraph as ox

    copy = new_store()
    copy.bulk_load(ox.parse(store.dump_nquads(), format=ox.RdfFormat.N_QUADS))
    return copy


def signed_in(app, name: str = "tester", grants=TESTER_GRANTS):
    """A test client that sends a bearer token of a new account with these grants."""
    from hmis_ld.authz.accounts import Accounts
    from hmis_ld.authz.tokens import Issuer

    store = app.extensions["hmis_ld"].store
    accounts = Accounts(store)
    accounts.add(name)
    for grant in grants:
        accounts.grant(name, grant)
    client = app.test_client()
    token = Issuer(store, app.config["AUTH_ISSUER"], app.config["AUTH_AUDIENCE"]).issue(name, set(grants))
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture(scope="session")
def testkit_app(testkit_store: Store):
    """The real app over a copy of the test kit store, for read-only HTTP tests."""
    from hmis_ld.api import create_app

    return create_app({"STORE": copy_of(testkit_store), "TESTING": True})


@pytest.fixture(scope="session")
def http(testkit_app):
    return signed_in(testkit_app)


@pytest.fixture(scope="session")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hmis_ld.demo import write_demo_csv

    folder = tmp_path_factory.mktemp("demo-csv")
    write_demo_csv(folder, 80, seed=7)
    return folder


@pytest.fixture(scope="session")
def demo_dump(demo_csv: Path) -> bytes:
    store = new_store()
    import_csv(store, demo_csv, progress=False)
    return store.dump_nquads()


@pytest.fixture
def writable(demo_dump: bytes):
    """A fresh store with 80 demo clients and a signed-in client of an app over it."""
    import pyoxigraph as ox

    from hmis_ld.api import create_app

    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    app = create_app({"STORE": store, "TESTING": True})
    return signed_in(app), store
