"""Record and graph IRIs stay consistent for any source name and key."""

from __future__ import annotations

import pytest

from hmis_ld.model import iris


@pytest.mark.parametrize(("source", "project_id"), [("local", "12"), ("county:east", "P 7/a:b"), ("ü", "%41")])
def test_a_project_record_names_its_project_id_and_the_graph_of_its_enrollments(source: str, project_id: str
                                                                                 ) -> None:
    project = iris.record_iri(source, "Project", project_id)
    assert iris.project_id(project) == project_id
    assert iris.graph_of_project(project) == iris.project_graph(source, project_id)
