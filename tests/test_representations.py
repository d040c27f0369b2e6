"""A record's JSON-LD and its Turtle describe the same graph, for a record of every table:
its type, fields and links to its parents, and nothing the server keeps for itself
(model.records.INTERNAL: read copies, search and blocking keys, activity facts)."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from backends import new_store
from conftest import signed_in
from hud_files import read_rows
from pyld import jsonld
from rdflib.compare import isomorphic, to_isomorphic

from hmis_ld.api.crud import CRUD_TABLES, collection_paths
from hmis_ld.model import MODEL
from hmis_ld.model.records import INTERNAL
from hmis_ld.model.schema import RDF_TYPE, Table

TABLES = [t.name for t in CRUD_TABLES]


@pytest.fixture(scope="module")
def demo_http(demo_dump: bytes):
    """A signed-in client of one app over the demo data, read only."""
    import pyoxigraph as ox

    from hmis_ld.api import create_app

    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return signed_in(create_app({"STORE": store, "TESTING": True}))


def _graphs(http, table: Table, key: str) -> tuple[rdflib.Graph, rdflib.Graph, str]:
    """(the JSON-LD expanded with pyld, the Turtle parsed, the Turtle text) of one record."""
    path = f"/api/v1/{collection_paths(table)[0]}/{key}"
    doc = http.get(path, headers={"Accept": "application/ld+json"})
    assert doc.status_code == 200 and doc.mimetype == "application/ld+json", doc.get_json()
    turtle = http.get(path, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    served = http.get("/api/v1/context.jsonld").get_json()
    context_url = doc.get_json()["@context"]

    def loader(url: str, options: dict | None = None) -> dict:  # the context the server serves at that URL
        assert url == context_url
        return {"contextUrl": None, "documentUrl": url, "document": served}

    nquads = jsonld.to_rdf(doc.get_json(), {"format": "application/n-quads", "documentLoader": loader})
    text = turtle.get_data(as_text=True)
    return rdflib.Graph().parse(data=nquads, format="nt"), rdflib.Graph().parse(data=text, format="turtle"), text


def _check(http, table: Table, key: str) -> rdflib.Graph:
    from_jsonld, from_turtle, text = _graphs(http, table, key)
    assert len(from_turtle) > 1
    assert isomorphic(from_jsonld, from_turtle), (
        table.name, sorted(map(str, to_isomorphic(from_jsonld) ^ to_isomorphic(from_turtle))))
    predicates = {str(p) for p in from_turtle.predicates()}
    assert not predicates & INTERNAL, table.name
    # nothing but the record's type, fields and links to its parents, whatever is added later
    assert predicates <= {RDF_TYPE, *(f.iri for f in table.fields), *(link.up for link in table.links)}, table.name
    assert "urn:hmis-ld:ext#fields" not in text and "blockingKey" not in text
    return from_turtle


@pytest.mark.parametrize("table", TABLES)
def test_jsonld_and_turtle_are_the_same_graph(demo_http, demo_csv: Path, table: str) -> None:
    t = MODEL.tables[table]
    _check(demo_http, t, read_rows(demo_csv / f"{t.name}.csv")[0][t.key])


@pytest.mark.parametrize("table", TABLES)
def test_jsonld_and_turtle_of_the_test_kit_are_the_same_graph(http, testkit: Path, table: str) -> None:
    t = MODEL.tables[table]
    rows = read_rows(testkit / f"{t.name}.csv") if (testkit / f"{t.name}.csv").exists() else []
    live = [r for r in rows if not r.get("DateDeleted")]
    if not live:
        pytest.skip(f"the test kit has no live {table} record")
    # the row with the most values, so most fields are compared
    row = max(live, key=lambda r: sum(1 for v in r.values() if v))
    _check(http, t, row[t.key])


def test_a_client_shows_no_search_key_with_or_without_pii(demo_http, demo_csv: Path) -> None:
    http = demo_http
    client = MODEL.tables["Client"]
    row = next(r for r in read_rows(demo_csv / "Client.csv") if len(r["SSN"]) == 9 and r["SSN"].isdigit())
    graph = _check(http, client, row["PersonalID"])
    ssn = client.by_name["SSN"].iri
    assert [str(o) for o in graph.objects(predicate=rdflib.URIRef(ssn))] == [row["SSN"]]
    # the SSN appears once (its own field), in no key made of it
    assert http.get(f"/api/v1/clients/{row['PersonalID']}", headers={"Accept": "text/turtle"}
                    ).get_data(as_text=True).count(row["SSN"]) == 1
    reader = signed_in(http.application, "reader", ("all:read",))
    graph = _check(reader, client, row["PersonalID"])
    assert not {str(p) for p in graph.predicates()} & {client.by_name[n].iri for n in client.pii_fields}
