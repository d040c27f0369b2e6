"""Record and graph IRIs stay consistent for any source name and key."""

from __future__ import annotations

import pytest

from hmis_ld.model import iris


@pytest.mark.parametrize(("source", "project_id"), [("local", "12"), ("county:east", "P 7/a:b"), ("ü", "%41")])
def test_record_and_project_graph_iris_give_back_their_keys(source: str, project_id: str) -> None:
    project = iris.record_iri(source, "Project", project_id)
    assert iris.project_id(project) == project_id
    assert iris.graph_of_project(project) == iris.project_graph(source, project_id)
    assert iris.project_of_graph(iris.project_graph(source, project_id)) == project
    assert iris.record_key(iris.record_iri(source, "Enrollment", project_id)) == project_id


@pytest.mark.parametrize("graph", [iris.project_graph("county:east", "P 7/a@b"), iris.source_graph("x@y")])
def test_a_client_record_names_its_graph(graph: str) -> None:
    assert iris.client_record_graph(iris.client_record_iri("s@t", "a@b:c", graph)) == graph
