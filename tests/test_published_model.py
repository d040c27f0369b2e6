"""The model at stable URLs (GET /api/v1/ontology, /api/v1/shapes: public, cacheable, Turtle and
JSON-LD of one graph) and the resolver (GET /api/v1/resolve?iri=): every IRI the API emits leads
to what serves it, through the caller's dataset, so an IRI of a hidden record answers exactly
like one that names nothing."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from tests.conftest import signed_in

from hmis_ld.api import create_app
from hmis_ld.model import MODEL, iris
from hmis_ld.model.inference import derived_iris
from hmis_ld.model.vocabulary import extension_terms
from hmis_ld.store import EmbeddedStore
from hmis_ld.validation.shapes import load_shapes

H = "urn:hud:hmis:owl#"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def anonymous():
    return create_app({"STORE": EmbeddedStore(), "TESTING": True}).test_client()


def _canonical(triples) -> set[ox.Quad]:
    """The triples with their blank nodes named canonically: two canonical sets are equal exactly
    when the graphs are isomorphic."""
    dataset = ox.Dataset([ox.Quad(t.subject, t.predicate, t.object) for t in triples])
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def _graph(response) -> set[ox.Quad]:
    fmt = ox.RdfFormat.TURTLE if response.mimetype == "text/turtle" else ox.RdfFormat.JSON_LD
    return _canonical(ox.parse(response.data, format=fmt))


def _has(graph: set[ox.Quad], s: str, p: str, o: str) -> bool:
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o)) in graph


def test_the_ontology_is_public_and_its_turtle_and_jsonld_are_one_graph(anonymous) -> None:
    turtle = anonymous.get("/api/v1/ontology", headers={"Accept": "text/turtle"})
    jsonld = anonymous.get("/api/v1/ontology", headers={"Accept": "application/ld+json"})
    by_param = anonymous.get("/api/v1/ontology?format=jsonld", headers={"Accept": "text/turtle"})
    assert (turtle.status_code, turtle.mimetype) == (200, "text/turtle")
    assert (jsonld.status_code, jsonld.mimetype) == (200, "application/ld+json")
    assert by_param.mimetype == "application/ld+json" and by_param.data == jsonld.data
    assert turtle.headers["Cache-Control"].startswith("public") and "Accept" in turtle.headers["Vary"]
    assert _graph(turtle) == _graph(jsonld)
    again = anonymous.get("/api/v1/ontology", headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_the_ontology_states_every_term_the_store_writes(anonymous) -> None:
    graph = _graph(anonymous.get("/api/v1/ontology?format=turtle"))
    subjects = {q.subject.value for q in graph}
    for table in MODEL.tables.values():
        assert _has(graph, table.cls, RDF_TYPE, OWL + "Class")
        for f in table.fields:
            assert _has(graph, f.iri, RDF_TYPE, OWL + "DatatypeProperty"), f.iri
            assert _has(graph, f.iri, RDFS + "range", f.datatype), f.iri
        assert {link.up for link in table.links} <= subjects
    assert {c.iri for c in MODEL.code_lists.values()} <= subjects
    assert extension_terms() <= subjects and derived_iris() <= subjects
    assert _has(graph, H + "ProjectType", "urn:hmis-ld:ext#codeList", H + "2.02.6")
    assert _has(graph, H + "ProjectType", RDFS + "domain", H + "Project")
    # a property several tables share has no domain: a domain would type every record using it
    assert not any(q.subject.value == H + "PersonalID" and q.predicate.value == RDFS + "domain" for q in graph)


def test_the_shapes_are_those_the_validator_loads(anonymous) -> None:
    turtle = anonymous.get("/api/v1/shapes", headers={"Accept": "text/turtle"})
    jsonld = anonymous.get("/api/v1/shapes?format=json-ld")
    assert turtle.status_code == jsonld.status_code == 200
    loaded = _canonical(ox.parse(load_shapes().serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    assert _graph(turtle) == loaded and _graph(jsonld) == loaded


def test_an_unknown_format_is_a_400_problem(anonymous) -> None:
    response = anonymous.get("/api/v1/ontology?format=rdfxml")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "format" in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def world(testkit_app):
    """The test kit with a reader of one project, and IRIs of its records and of another project's."""
    store = testkit_app.extensions["hmis_ld"].store
    rows = list(store.select(
        f"SELECT ?e ?g ?id WHERE {{ GRAPH ?g {{ ?p <{H}hasProjectEnrollment> ?e . ?e <{H}EnrollmentID> ?id }} }} "
        f"ORDER BY ?g ?id", graphs=[g for g in store.graph_names() if g.startswith(iris.PROJECT_GRAPH_PREFIX)]))
    graphs = list(dict.fromkeys(r["g"].value for r in rows))
    own, other = graphs[0], graphs[1]
    project = iris.project_id(iris.project_of_graph(own))
    reader = signed_in(testkit_app, "resolver-reader", (f"project:{project}:read",))
    first = {g: next(r for r in rows if r["g"].value == g) for g in (own, other)}
    return reader, own, other, first


def _resolve(client, iri: str, **headers):
    return client.get("/api/v1/resolve", query_string={"iri": iri}, headers=headers)


def test_a_record_iri_redirects_to_its_record_which_names_it(http, world) -> None:
    _, own, _, first = world
    iri = first[own]["e"].value
    response = _resolve(http, iri)
    assert response.status_code == 303
    assert response.headers["Location"] == f"http://localhost/api/v1/enrollments/{first[own]['id'].value}"
    record = http.get(response.headers["Location"], headers={"Accept": "application/ld+json"})
    assert record.json["@id"] == iri
    turtle = http.get(response.headers["Location"], headers={"Accept": "text/turtle"})
    assert iri in turtle.get_data(as_text=True)


def test_a_client_record_iri_redirects_to_its_client_record(http, testkit_app, world) -> None:
    _, own, _, _ = world
    store = testkit_app.extensions["hmis_ld"].store
    iri = next(iter(store.select(f"SELECT ?c WHERE {{ GRAPH <{own}> {{ ?c a <{H}Client> }} }} LIMIT 1",
                                 graphs=[own])))["c"].value
    response = _resolve(http, iri)
    assert response.status_code == 303 and "/api/v1/clientrecords/" in response.headers["Location"]
    assert http.get(response.headers["Location"], headers={"Accept": "application/ld+json"}).json["@id"] == iri


def test_graphs_and_terms_resolve(http, world) -> None:
    reader, own, _, _ = world
    project = iris.project_id(iris.project_of_graph(own))
    assert _resolve(reader, own).headers["Location"].endswith(f"/api/v1/projects/{project}")
    assert _resolve(reader, iris.pii_graph(own)).status_code == 404  # no pii:read
    assert _resolve(http, iris.DIRECTORY).headers["Location"].endswith("/api/v1/projects")
    for term in (H + "Enrollment", "urn:hmis-ld:ext#RapidRehousingProject", "urn:hmis-ld:ext#refProject"):
        response = _resolve(reader, term)
        assert response.status_code == 303 and response.headers["Location"].endswith("/api/v1/ontology"), term


def test_a_hidden_record_resolves_exactly_like_a_missing_one(world) -> None:
    reader, own, other, first = world
    assert _resolve(reader, first[own]["e"].value).status_code == 303
    hidden = first[other]["e"].value
    missing = hidden[:-1] + ("x" if hidden[-1] != "x" else "y")
    answers = []
    for iri in (hidden, missing, other):
        response = _resolve(reader, iri)
        answers.append((response.status_code, response.data,
                        sorted((k, v) for k, v in response.headers.items() if k != "X-Request-ID")))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 404


def test_the_resolver_needs_a_token_and_an_iri(world, testkit_app) -> None:
    reader, own, _, first = world
    assert _resolve(testkit_app.test_client(), first[own]["e"].value).status_code == 401
    assert reader.get("/api/v1/resolve").status_code == 400
    assert _resolve(reader, "http://example.org/not-ours").status_code == 404
