"""Layering (issue 18 §2): routers parse, call a service and render; they share helpers
through modules that are not routers; the store depends on nothing above it; and every
answer that shows a client's names, SSN or DOB is an audited read, whichever endpoint made it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hmis_ld.model import MODEL, iris
from hmis_ld.model.schema import EXT

SRC = Path(__file__).resolve().parents[1] / "src" / "hmis_ld"
CLIENT = MODEL.tables["Client"]
PII = set(CLIENT.pii_fields)


def _modules(folder: str) -> dict[str, ast.Module]:
    """hmis_ld.<folder>.<name> -> parsed source, for every module of the folder (a package's
    own module is hmis_ld.<folder>)."""
    out = {}
    for path in sorted((SRC / folder).glob("*.py")):
        name = f"hmis_ld.{folder}" if path.stem == "__init__" else f"hmis_ld.{folder}.{path.stem}"
        out[name] = ast.parse(path.read_text(), str(path))
    return out


def _imports(module_name: str, tree: ast.Module) -> set[str]:
    """Every module a module imports, absolute (`from hmis_ld.api import render` counts as
    hmis_ld.api.render as well as hmis_ld.api), wherever the import statement is."""
    package = module_name if module_name.count(".") == 1 else module_name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[:len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _is_router(tree: ast.Module) -> bool:
    """A router defines a flask_smorest Blueprint."""
    blueprint_names = {alias.asname or alias.name for node in ast.walk(tree)
                       if isinstance(node, ast.ImportFrom) and node.module == "flask_smorest"
                       for alias in node.names if alias.name == "Blueprint"}
    return any(isinstance(node, ast.Call) and (
        isinstance(node.func, ast.Name) and node.func.id in blueprint_names
        or isinstance(node.func, ast.Attribute) and node.func.attr == "Blueprint")
        for node in ast.walk(tree))


API = _modules("api")
ROUTERS = {name for name, tree in API.items() if _is_router(tree)}


def test_the_router_check_sees_the_routers() -> None:
    assert {"hmis_ld.api.hud", "hmis_ld.api.crud", "hmis_ld.api.identity", "hmis_ld.api.trail",
            "hmis_ld.api.auth", "hmis_ld.api.sparql"} <= ROUTERS
    assert not ROUTERS & {"hmis_ld.api", "hmis_ld.api.render", "hmis_ld.api.params", "hmis_ld.api.disclosure"}


@pytest.mark.parametrize("router", sorted(ROUTERS))
def test_routers_do_not_import_each_other(router: str) -> None:
    """Shared helpers live in modules that are not routers (api.spec, api.intake, services...)."""
    imported = _imports(router, API[router]) & (ROUTERS - {router})
    assert not imported, f"{router} imports the router(s) {sorted(imported)}: move what it needs out of them"


def test_the_store_depends_on_nothing_above_it() -> None:
    above = ("hmis_ld.model", "hmis_ld.service", "hmis_ld.api", "hmis_ld.authz")
    wrong = {f"{name} imports {imported}" for name, tree in _modules("store").items()
             for imported in _imports(name, tree) if imported.startswith(above)}
    assert not wrong, sorted(wrong)


@pytest.mark.parametrize("router", sorted(ROUTERS))
def test_routers_turn_no_record_into_json_themselves(router: str) -> None:
    """A record's fields reach an answer through render.record_response or api.disclosure, which
    audit what they show; a router calling `view.json()` or reading `view.record` would bypass them."""
    found = [f"line {node.lineno}: .{node.func.attr}()" for node in ast.walk(API[router])
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "json"
             and not node.args and not node.keywords]
    found += [f"line {node.lineno}: .record" for node in ast.walk(API[router])
              if isinstance(node, ast.Attribute) and node.attr == "record"]
    assert not found, found


# Every answer that shows identifiers is an audited read, generated from the app's routes.

def _reads(store) -> dict[str, set[str]]:
    """Each read entry in the audit graph -> the record keys it names (a test's system read)."""
    entries: dict[str, set[str]] = {}
    for r in store.select(f'SELECT ?a ?key WHERE {{ ?a <{EXT}operation> "read" ; <{EXT}recordKey> ?key }}',
                          graphs=[iris.AUDIT]):
        entries.setdefault(r["a"].value, set()).add(r["key"].value)
    return entries


def _shown(body: object) -> set[str]:
    """The PersonalIDs of every object in a JSON answer that carries a name, SSN or DOB as a
    value ('?' for one without its PersonalID; the OpenAPI document's schemas are not values)."""
    found: set[str] = set()
    if isinstance(body, dict):
        if any(isinstance(body.get(f), str) for f in PII):
            found.add(str(body.get("PersonalID", "?")))
        for value in body.values():
            found |= _shown(value)
    elif isinstance(body, list):
        for value in body:
            found |= _shown(value)
    return found


# Endpoints that show a client's identifiers to a caller with pii:read; the generated requests
# must reach each of them, or the test would prove nothing.
SHOWING = {
    ("POST", "/api/v1/client/search"), ("POST", "/api/v1/client"), ("PATCH", "/api/v1/client/<string:PersonalID>"),
    ("GET", "/api/v1/project/<string:ProjectID>/clients"), ("GET", "/api/v1/clients"),
    ("GET", "/api/v1/csvexport"), ("POST", "/api/v1/client/match"),
    ("GET", "/api/v1/clientrecords/<string:ClientID>"), ("PATCH", "/api/v1/clientrecords/<string:ClientID>"),
    ("POST", "/api/v1/clients"), ("GET", "/api/v1/clients/<string:key>"), ("PATCH", "/api/v1/clients/<string:key>"),
}


def test_every_answer_that_shows_client_identifiers_writes_an_audit_entry(writable) -> None:
    client, store = writable
    app = client.application
    person = client.get("/api/v1/clients?limit=1").get_json()["clients"][0]
    pid = person["PersonalID"]
    record = client.get(f"/api/v1/clients/{pid}").get_json()
    as_sent = {k: v for k, v in record.items()
               if k not in ("PersonalID", "DateCreated", "DateUpdated", "UserID", "DateDeleted", "ExportID")}
    client_id = client.get(f"/api/v1/persons/{pid}").get_json()["ClientIDs"][0]
    project = client.get(f"/api/v1/client/{pid}/enrollments").get_json()["enrollments"][0]["ProjectID"]
    path_values = {"PersonalID": pid, "ProjectID": project, "ClientID": client_id, "name": "nobody",
                   "grant": "nothing", "review_id": "none"}
    bodies = {"/api/v1/client/search": {"PersonalID": pid}, "/api/v1/client/match": as_sent,
              "/api/v1/client": as_sent, "/api/v1/clients": as_sent}
    queries = {"/api/v1/csvexport": {"PersonalID": pid}, "/api/v1/sparql": {"query": "ASK {}"}}

    def key_for(rule) -> str:
        """A record of the collection an item route serves (CRUD routes are `<collection>/<key>`)."""
        if "<string:key>" not in rule.rule:
            return ""
        collection = rule.rule.split("/")[3]
        if collection == "clients":
            return pid
        listed = client.get(f"/api/v1/{collection}?limit=1").get_json(silent=True)
        items = listed if isinstance(listed, list) else []
        table = MODEL.tables[rule.endpoint.split(".", 1)[1].split("_", 1)[0]]
        return str(items[0][table.key]) if items else "none"

    calls = [(method, rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    calls.sort(key=lambda c: c[0] == "DELETE")  # deletes last, so every other call finds its records
    showing = set()
    for method, rule in calls:
        values = {name: key_for(rule) if name == "key" else path_values.get(name, "none") for name in rule.arguments}
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)  # noqa: B023
        before = _reads(store)
        response = client.open(url, method=method, query_string=queries.get(rule.rule),
                                json=bodies.get(rule.rule, {}) if method in ("POST", "PATCH", "PUT") else None)
        shown = _shown(response.get_json(silent=True))
        added = [keys for a, keys in _reads(store).items() if a not in before]
        if not shown:
            continue
        showing.add((method, rule.rule))
        assert len(added) == 1, f"{method} {rule.rule} showed identifiers with {len(added)} read entries"
        assert shown <= added[0], f"{method} {rule.rule}: the read entry does not name every person shown"
    assert SHOWING <= showing, f"never reached: {sorted(SHOWING - showing)}"


@pytest.mark.parametrize("accept", ["application/json", "application/ld+json", "text/turtle"])
def test_a_record_read_is_audited_in_every_format(writable, accept: str) -> None:
    client, store = writable
    pid = client.get("/api/v1/clients?limit=1").get_json()["clients"][0]["PersonalID"]
    before = _reads(store)
    response = client.get(f"/api/v1/clients/{pid}", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    added = [keys for a, keys in _reads(store).items() if a not in before]
    assert added == [{pid}]
    # an answer without a body (304) shows nothing and records nothing
    again = client.get(f"/api/v1/clients/{pid}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and len(_reads(store)) == len(before) + 1


def test_answers_without_identifiers_record_no_read(writable) -> None:
    from conftest import signed_in

    client, store = writable
    pid = client.get("/api/v1/clients?limit=1").get_json()["clients"][0]["PersonalID"]
    no_pii = signed_in(client.application, "no-pii", ("all:read",))
    before = _reads(store)
    shown = no_pii.get(f"/api/v1/clients/{pid}")
    assert shown.status_code == 200 and not PII & set(shown.get_json())
    assert no_pii.get("/api/v1/clients?limit=5").status_code == 200
    assert _reads(store) == before


def test_quads_of_a_read_entry_never_hold_values(writable) -> None:
    client, store = writable
    pid = client.get("/api/v1/clients?limit=1").get_json()["clients"][0]["PersonalID"]
    record = client.get(f"/api/v1/clients/{pid}").get_json()
    values = {str(record[f]) for f in PII if record.get(f)}
    literals = {r["o"].value for r in store.select("SELECT ?o WHERE { ?a ?p ?o FILTER(isLiteral(?o)) }",
                                                   graphs=[iris.AUDIT])}
    assert values and literals and not values & literals
