"""The SPARQL 1.1 Protocol at /api/v1/sparql: methods, result formats and negotiation, the
dataset (narrowing within the caller's graphs, a hidden graph answering as a missing one),
the limits (time, rows, concurrent queries), the service description, CORS, and real clients
(SPARQLWrapper, rdflib's SPARQLStore) over a real HTTP server."""

from __future__ import annotations

import csv
import io
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from backends import new_store
from conftest import signed_in
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from werkzeug.serving import make_server

from hmis_ld.api import create_app
from hmis_ld.model import iris
from hmis_ld.service.sparql_examples import examples

HMIS = "urn:hud:hmis:owl#"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
MISSING = "urn:hmis-ld:graph:project:local:no-such-project"


def _app(demo_dump: bytes, **config: object):
    store = new_store()
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return create_app({"STORE": store, "TESTING": True, **config})


@pytest.fixture(scope="module")
def app(demo_dump):
    return _app(demo_dump, SPARQL_TIMEOUT=2, SPARQL_MAX_ROWS=50, CORS_ORIGINS="https://tools.example")


@pytest.fixture(scope="module")
def researcher(app):
    return signed_in(app, "researcher", ("all:read", "sparql"))


@pytest.fixture(scope="module")
def projects(app) -> list[str]:
    store = app.extensions["hmis_ld"].store
    return sorted(g for g in store.graph_names() if g.startswith(iris.BASE + "graph:project:") and ":pii" not in g)


@pytest.fixture(scope="module")
def one_project(app, projects):
    """A researcher of the first project only."""
    project_id = projects[0].rsplit(":", 1)[1]
    return signed_in(app, "one-project", (f"project:{project_id}:read", "sparql"))


def _count(response) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


# --- methods and formats ---------------------------------------------------------------------

def test_get_post_form_and_post_direct_answer_the_same(researcher) -> None:
    answers = [researcher.get("/api/v1/sparql", query_string={"query": COUNT}),
               researcher.post("/api/v1/sparql", data={"query": COUNT}),
               researcher.post("/api/v1/sparql", data=COUNT, content_type="application/sparql-query")]
    assert len({_count(a) for a in answers}) == 1 and _count(answers[0]) > 0


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_select_in_every_results_format(researcher, accept) -> None:
    query = f"SELECT ?p ?n WHERE {{ ?p a <{HMIS}Project> ; <{HMIS}ProjectName> ?n }} ORDER BY ?p"
    response = researcher.get("/api/v1/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    text = response.get_data(as_text=True)
    if accept.endswith("json"):
        rows = [(b["p"]["value"], b["n"]["value"]) for b in json.loads(text)["results"]["bindings"]]
    elif accept.endswith("xml"):
        ns = {"r": "http://www.w3.org/2005/sparql-results#"}
        rows = [tuple(b.find("./r:binding[@name='" + v + "']/*", ns).text for v in ("p", "n"))
                for b in ET.fromstring(text).iterfind(".//r:result", ns)]
    elif accept == "text/csv":
        rows = [tuple(r) for r in csv.reader(io.StringIO(text))][1:]
    else:
        assert text.splitlines()[0] == "?p\t?n"
        rows = [(r["p"].value, r["n"].value)
                for r in ox.parse_query_results(text.encode(), format=ox.QueryResultsFormat.TSV)]
    assert rows and all(p.startswith(iris.BASE) and n for p, n in rows)
    assert response.headers["HMIS-LD-Truncated"] == "false"


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_ask_in_every_results_format(researcher, accept) -> None:
    response = researcher.get("/api/v1/sparql", query_string={"query": f"ASK {{ ?s a <{HMIS}Client> }}"},
                              headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    assert "true" in response.get_data(as_text=True)


@pytest.mark.parametrize("accept,fmt", [("text/turtle", ox.RdfFormat.TURTLE),
                                        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                        ("application/ld+json", ox.RdfFormat.JSON_LD),
                                        ("application/rdf+xml", ox.RdfFormat.RDF_XML)])
def test_construct_and_describe_in_every_graph_format(researcher, accept, fmt) -> None:
    for query in (f"CONSTRUCT {{ ?p a <{HMIS}Project> }} WHERE {{ ?p a <{HMIS}Project> }}",
                  f"DESCRIBE ?p WHERE {{ ?p a <{HMIS}Project> }} LIMIT 1"):
        response = researcher.get("/api/v1/sparql", query_string={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == accept
        triples = list(ox.parse(response.data, format=fmt))
        assert triples


def test_accept_with_q_values_and_406(researcher) -> None:
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}
    preferred = researcher.get("/api/v1/sparql", query_string=query,
                               headers={"Accept": "application/sparql-results+json;q=0.5, text/csv;q=0.9"})
    assert preferred.mimetype == "text/csv"
    refused = researcher.get("/api/v1/sparql", query_string=query, headers={"Accept": "text/turtle"})
    assert refused.status_code == 406 and refused.mimetype == "application/problem+json"
    assert "text/csv" in refused.get_json()["detail"]
    construct = researcher.get("/api/v1/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"},
                               headers={"Accept": "text/csv"})
    assert construct.status_code == 406


# --- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("send", ["direct", "form", "update-parameter"])
def test_updates_are_refused_and_change_nothing(researcher, send) -> None:
    update = f"INSERT DATA {{ GRAPH <{iris.DIRECTORY}> {{ <urn:x> <urn:y> <urn:z> }} }}"
    before = _count(researcher.get("/api/v1/sparql", query_string={"query": COUNT}))
    if send == "direct":
        response = researcher.post("/api/v1/sparql", data=update, content_type="application/sparql-query")
    elif send == "form":
        response = researcher.post("/api/v1/sparql", data={"query": update})
    else:
        response = researcher.post("/api/v1/sparql", data={"update": update})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "read-only" in response.get_json()["detail"]
    assert _count(researcher.get("/api/v1/sparql", query_string={"query": COUNT})) == before


def test_wrong_body_type_is_415(researcher) -> None:
    response = researcher.post("/api/v1/sparql", data=COUNT, content_type="text/plain")
    assert response.status_code == 415 and response.mimetype == "application/problem+json"


# --- dataset: narrowing, and a hidden graph answers as a missing one --------------------------

def test_from_and_protocol_graphs_narrow_within_the_callers_graphs(researcher, projects) -> None:
    whole = _count(researcher.get("/api/v1/sparql", query_string={"query": COUNT}))
    one = _count(researcher.get("/api/v1/sparql", query_string={
        "query": f"SELECT (COUNT(*) AS ?n) FROM <{projects[0]}> WHERE {{ ?s ?p ?o }}"}))
    assert 0 < one < whole
    by_parameter = _count(researcher.get("/api/v1/sparql", query_string={
        "query": COUNT, "default-graph-uri": projects[0]}))
    assert by_parameter == one
    # the protocol's dataset overrides the query's own FROM
    overridden = _count(researcher.get("/api/v1/sparql", query_string={
        "query": f"SELECT (COUNT(*) AS ?n) FROM <{projects[1]}> WHERE {{ ?s ?p ?o }}", "default-graph-uri": projects[0]}))
    assert overridden == one
    named = _count(researcher.post("/api/v1/sparql", data={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": projects[0]}))
    assert named == one


LEAKS = {
    "COUNT FROM": "SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE {{ ?s ?p ?o }}",
    "ASK FROM": "ASK FROM <{g}> {{ ?s ?p ?o }}",
    "GRAPH": "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}",
    "FROM NAMED": "SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{g}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g",
    "default-graph-uri": "SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # default-graph-uri={g}",
    "named-graph-uri": "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} # named-graph-uri={g}",
}


@pytest.mark.parametrize("case", sorted(LEAKS))
def test_another_projects_graph_answers_as_a_missing_one(one_project, projects, case) -> None:
    def ask(graph: str):
        text = LEAKS[case].format(g=graph)
        params = {"query": text}
        if "-graph-uri=" in text:
            name, value = text.split("# ")[1].split("=", 1)
            params[name] = value
        return one_project.get("/api/v1/sparql", query_string=params)

    hidden, missing = ask(projects[1]), ask(MISSING)
    assert hidden.status_code == missing.status_code == 200
    assert hidden.data == missing.data
    per_answer = ("Content-Length", "X-Request-ID")
    assert {k: v for k, v in hidden.headers.items() if k not in per_answer} == \
        {k: v for k, v in missing.headers.items() if k not in per_answer}
    assert ask(projects[0]).data != missing.data  # their own graph is there


# --- limits ----------------------------------------------------------------------------------

def test_over_the_row_limit_is_marked_in_every_format(researcher) -> None:
    query = {"query": "SELECT * WHERE { ?s ?p ?o }"}
    as_json = researcher.get("/api/v1/sparql", query_string=query)
    body = as_json.get_json()
    assert len(body["results"]["bindings"]) == 50 and "HMIS_LD_SPARQL_MAX_ROWS" in body["hmis-ld:incomplete"]
    assert as_json.headers["HMIS-LD-Truncated"] == "true" and as_json.headers["HMIS-LD-Row-Limit"] == "50"
    as_csv = researcher.get("/api/v1/sparql", query_string=query, headers={"Accept": "text/csv"})
    assert as_csv.headers["HMIS-LD-Truncated"] == "true" and len(as_csv.get_data(as_text=True).splitlines()) == 51
    as_turtle = researcher.get("/api/v1/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                               headers={"Accept": "text/turtle"})
    assert len(list(ox.parse(as_turtle.data, format=ox.RdfFormat.TURTLE))) == 50
    assert b"# truncated" in as_turtle.data and as_turtle.headers["HMIS-LD-Truncated"] == "true"
    small = researcher.get("/api/v1/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 50"})
    assert small.headers["HMIS-LD-Truncated"] == "false" and "hmis-ld:incomplete" not in small.get_json()


def test_a_runaway_query_is_stopped_with_503_and_the_next_is_answered(researcher) -> None:
    response = researcher.get("/api/v1/sparql", query_string={"query": RUNAWAY})
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert "HMIS_LD_SPARQL_TIMEOUT" in response.get_json()["detail"]
    assert _count(researcher.get("/api/v1/sparql", query_string={"query": COUNT})) > 0


def test_service_is_refused_and_the_next_is_answered(researcher) -> None:
    response = researcher.get("/api/v1/sparql", query_string={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"})
    assert response.status_code == 400 and "SERVICE" in response.get_json()["detail"]
    assert _count(researcher.get("/api/v1/sparql", query_string={"query": COUNT})) > 0


def test_concurrent_queries_per_caller_are_capped_with_429(demo_dump) -> None:
    app = _app(demo_dump, SPARQL_TIMEOUT=3, SPARQL_MAX_CONCURRENT=1)
    caller = signed_in(app, "busy", ("all:read", "sparql"))
    other = signed_in(app, "other", ("all:read", "sparql"))
    slow = caller.get("/api/v1/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, buffered=False)
    try:  # its answer is still streaming, so its slot is taken
        refused = caller.get("/api/v1/sparql", query_string={"query": COUNT})
        assert refused.status_code == 429 and refused.headers["Retry-After"].isdigit()
        assert "HMIS_LD_SPARQL_MAX_CONCURRENT" in refused.get_json()["detail"]
        assert _count(other.get("/api/v1/sparql", query_string={"query": COUNT})) > 0
    finally:
        slow.close()
    assert _count(caller.get("/api/v1/sparql", query_string={"query": COUNT})) > 0


# --- description, examples, CORS -------------------------------------------------------------

def test_service_description_lists_formats_graphs_void_and_examples(one_project, projects) -> None:
    turtle = one_project.get("/api/v1/sparql", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    assert {str(o) for o in graph.objects(None, sd.endpoint)} == {"http://localhost/api/v1/sparql"}
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in set(graph.objects(None, sd.resultFormat))
    names = {str(o) for o in graph.objects(None, sd.name)}
    assert projects[0] in names and projects[1] not in names and not any(":pii" in n for n in names)
    counts = graph.query(f"SELECT ?t WHERE {{ ?n <{sd.name}> <{projects[0]}> ; <{sd.graph}> ?g . "
                         f"?g <{void.triples}> ?t }}")
    expected = _count(one_project.get("/api/v1/sparql", query_string={"query": COUNT, "default-graph-uri": projects[0]}))
    assert [int(r.t) for r in counts] == [expected]
    assert len(list(graph.objects(None, rdflib.URIRef("urn:hmis-ld:ext#exampleQuery")))) == len(examples())
    as_jsonld = one_project.get("/api/v1/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.mimetype == "application/ld+json"
    assert len(rdflib.Graph().parse(data=as_jsonld.get_data(as_text=True), format="json-ld")) == len(graph)


def test_examples_cover_every_scenario_and_run(researcher) -> None:
    listed = researcher.get("/api/v1/sparql/examples").get_json()
    from hmis_ld.resources import resource_path
    scenarios = {p.stem for p in resource_path("queries", "client_search.rq").parent.glob("*.rq")}
    assert {e["name"] for e in listed} == scenarios and all(e["title"] for e in listed)
    for example in listed:
        response = researcher.post("/api/v1/sparql", data=example["query"], content_type="application/sparql-query")
        assert response.status_code == 200, (example["name"], response.get_data(as_text=True))
        assert response.get_json()["results"]["bindings"], example["name"]


def test_cors_only_for_listed_origins_with_preflight(researcher, app, demo_dump) -> None:
    plain = app.test_client()
    preflight = plain.options("/api/v1/sparql", headers={
        "Origin": "https://tools.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://tools.example"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    answer = researcher.get("/api/v1/sparql", query_string={"query": COUNT}, headers={"Origin": "https://tools.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://tools.example"
    assert "HMIS-LD-Truncated" in answer.headers["Access-Control-Expose-Headers"]
    stranger = researcher.get("/api/v1/sparql", query_string={"query": COUNT}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers
    off = _app(demo_dump).test_client().options("/api/v1/sparql", headers={
        "Origin": "https://tools.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in off.headers


# --- real clients over a real HTTP server ----------------------------------------------------

@pytest.fixture(scope="module")
def server(app, researcher):
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", researcher.environ_base["HTTP_AUTHORIZATION"]
    http.shutdown()
    http.server_close()
    thread.join(timeout=10)


def _wrapper(server, query: str, fmt: str) -> SPARQLWrapper:
    base, auth = server
    client = SPARQLWrapper(f"{base}/api/v1/sparql")
    client.addCustomHttpHeader("Authorization", auth)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_in_every_format(server, fmt) -> None:
    result = _wrapper(server, f"SELECT ?p WHERE {{ ?p a <{HMIS}Project> }}", fmt).query().convert()
    if fmt == JSON:
        rows = result["results"]["bindings"]
    elif fmt == XML:
        rows = result.getElementsByTagName("result")
    else:
        rows = result.decode().strip().splitlines()[1:]
    assert len(rows) > 1


@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, RDFXML])
def test_sparqlwrapper_construct_in_every_format(server, fmt) -> None:
    result = _wrapper(server, f"CONSTRUCT {{ ?p a <{HMIS}Project> }} WHERE {{ ?p a <{HMIS}Project> }}", fmt)
    converted = result.query().convert()
    graph = converted if isinstance(converted, rdflib.Graph) else rdflib.Graph().parse(
        data=converted, format={TURTLE: "turtle", N3: "turtle", JSONLD: "json-ld"}[fmt])
    assert len(graph) > 1


def test_rdflib_sparqlstore_with_a_graph_identifier(server, projects) -> None:
    base, auth = server
    store = SPARQLStore(f"{base}/api/v1/sparql", headers={"Authorization": auth}, returnFormat="json")
    whole = rdflib.ConjunctiveGraph(store)
    one = rdflib.Graph(store, identifier=rdflib.URIRef(projects[0]))
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert 0 < int(next(iter(one.query(count)))[0]) < int(next(iter(whole.query(count)))[0])
    assert len(one) == int(next(iter(one.query(count)))[0])


def test_point_lookups_keep_answering_while_a_runaway_runs(server) -> None:
    base, auth = server
    finished: list[int] = []

    def runaway() -> None:
        request = urllib.request.Request(f"{base}/api/v1/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}),
                                         headers={"Authorization": auth})
        try:
            urllib.request.urlopen(request, timeout=30).close()
        except urllib.error.HTTPError as error:
            finished.append(error.code)
            error.close()

    thread = threading.Thread(target=runaway)
    thread.start()
    answered = 0
    while thread.is_alive() and answered < 200:
        request = urllib.request.Request(f"{base}/api/v1/projects", headers={"Authorization": auth})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200 and json.load(response)["projects"]
        answered += 1
    thread.join()
    assert finished == [503] and answered > 1
