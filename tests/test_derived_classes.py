"""Derived classes (ontology/derived.ttl): written into each record's own graph at import and on
every API write, agreeing with owlrl's OWL RL closure, found by SPARQL over the caller's dataset
exactly where their definitions hold, and only in the graphs the caller may read."""

from __future__ import annotations

import owlrl
import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from hmis_ld.authz import Access
from hmis_ld.model import MODEL, iris
from hmis_ld.model.inference import OPEN_ENROLLMENT, derived_classes, derived_type_quads, ontology_graph
from hmis_ld.model.values import parse_value

HMIS = Namespace("urn:hud:hmis:owl#")
EXT = "urn:hmis-ld:ext#"
PREFIXES = f"PREFIX hmis: <{HMIS}> PREFIX ext: <{EXT}> "
RRH_BY_CLASS = PREFIXES + "SELECT ?s WHERE { ?s a ext:RapidRehousingProject }"
RRH_BY_FIELD = PREFIXES + "SELECT ?s WHERE { ?s a hmis:Project ; hmis:ProjectType 13 }"
OPEN_BY_CLASS = PREFIXES + "SELECT ?s WHERE { ?s a ext:OpenEnrollment }"
# live enrollments (their project links to them) that no live Exit names
OPEN_BY_RECORDS = PREFIXES + """SELECT ?s WHERE { ?p hmis:hasProjectEnrollment ?s
    FILTER NOT EXISTS { ?x a hmis:Exit ; ext:refEnrollment ?s FILTER NOT EXISTS { ?x hmis:DateDeleted ?d } } }"""
EVERYONE = Access("tester", read=None, write=None, pii=True)


def _subjects(store, sparql: str, access: Access) -> set[str]:
    return {r["s"].value for r in store.select(sparql, graphs=access.dataset(store))}


def _owlrl_types(table, record: dict) -> set[str]:
    """The derived classes owlrl's OWL RL closure gives one record, from its fields and derived.ttl."""
    graph = Graph()
    for triple in ontology_graph():
        graph.add(triple)
    subject = URIRef("urn:example:record")
    graph.add((subject, RDF.type, URIRef(table.cls)))
    for name, value in record.items():
        f = table.by_name[name]
        graph.add((subject, URIRef(f.iri), Literal(str(value), datatype=URIRef(f.datatype))))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    derived = {d.iri for d in derived_classes()}
    return {str(o) for o in graph.objects(subject, RDF.type) if str(o) in derived}


@pytest.mark.parametrize("table_name, field", [("Project", "ProjectType"), ("Enrollment", "RelationshipToHoH")])
def test_the_compiled_definitions_give_what_owlrl_infers_for_every_code(table_name: str, field: str) -> None:
    table = MODEL.tables[table_name]
    codes = MODEL.code_lists[table.by_name[field].code_list].codes
    node, graph = ox.NamedNode("urn:example:record"), ox.NamedNode(iris.DIRECTORY)
    for code in [*codes, None]:
        record = {} if code is None else {field: parse_value(table.by_name[field], code)}
        compiled = {q.object.value for q in derived_type_quads(table, record, node, graph)}
        assert compiled == _owlrl_types(table, record), (field, code)


def test_after_import_rrh_projects_and_open_enrollments_are_found_by_class_exactly(testkit_store) -> None:
    rrh = _subjects(testkit_store, RRH_BY_CLASS, EVERYONE)
    assert rrh and rrh == _subjects(testkit_store, RRH_BY_FIELD, EVERYONE)
    open_ = _subjects(testkit_store, OPEN_BY_CLASS, EVERYONE)
    assert open_ and open_ == _subjects(testkit_store, OPEN_BY_RECORDS, EVERYONE)


def test_a_one_project_reader_sees_the_derived_types_of_its_graphs_only(testkit_store) -> None:
    graphs = sorted(g for g in testkit_store.graph_names()
                    if g.startswith(iris.PROJECT_GRAPH_PREFIX) and not g.endswith(iris.PII_SUFFIX))
    counts = {g: len(list(testkit_store.select(OPEN_BY_CLASS.replace("{ ?s", f"{{ GRAPH <{g}> {{ ?s") + " }",
                                                graphs=[g]))) for g in graphs}
    graph = max(counts, key=lambda g: counts[g])
    reader = Access("reader", read=(graph,), write=())
    seen = list(testkit_store.select(PREFIXES + "SELECT ?s ?g WHERE { GRAPH ?g { ?s a ext:OpenEnrollment } }",
                                     graphs=reader.dataset(testkit_store)))
    assert seen and {r["g"].value for r in seen} == {graph}
    assert {r["s"].value for r in seen} == _subjects(testkit_store, OPEN_BY_RECORDS, reader)
    assert len(seen) < sum(counts.values())


def test_api_writes_keep_the_derived_types_in_step(writable) -> None:
    http, store = writable
    project = http.get("/api/v1/projects?limit=1").get_json()["projects"][0]["ProjectID"]
    for project_type in (13, 3, 13):
        assert http.patch(f"/api/v1/projects/{project}", json={"ProjectType": project_type}).status_code == 200
        assert _subjects(store, RRH_BY_CLASS, EVERYONE) == _subjects(store, RRH_BY_FIELD, EVERYONE)
    assert iris.record_iri("local", "Project", project) in _subjects(store, RRH_BY_CLASS, EVERYONE)

    opened = min(_subjects(store, OPEN_BY_CLASS, EVERYONE))
    enrollment = http.get(f"/api/v1/enrollments/{iris.record_key(opened)}").get_json()
    created = http.post("/api/v1/exit", json={
        "EnrollmentID": enrollment["EnrollmentID"], "PersonalID": enrollment["PersonalID"],
        "ExitDate": enrollment["EntryDate"], "Destination": 99})
    assert created.status_code == 201, created.get_json()
    assert opened not in _subjects(store, OPEN_BY_CLASS, EVERYONE)
    assert http.delete(f"/api/v1/exit/{created.get_json()['ExitID']}").status_code == 204
    assert opened in _subjects(store, OPEN_BY_CLASS, EVERYONE)
    assert http.delete(f"/api/v1/enrollments/{enrollment['EnrollmentID']}").status_code == 204
    assert _subjects(store, OPEN_BY_CLASS, EVERYONE) == _subjects(store, OPEN_BY_RECORDS, EVERYONE)
    assert opened not in _subjects(store, OPEN_BY_CLASS, EVERYONE)


def test_derived_types_are_not_part_of_a_records_representation(writable) -> None:
    http, _ = writable
    project = http.get("/api/v1/projects?limit=1").get_json()["projects"][0]["ProjectID"]
    http.patch(f"/api/v1/projects/{project}", json={"ProjectType": 13})
    turtle = http.get(f"/api/v1/projects/{project}", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "RapidRehousingProject" not in turtle and OPEN_ENROLLMENT not in turtle
