"""Writes take JSON-LD in any valid form (Content-Type application/ld+json): expanded, compacted with
our context by URL, or with another context inline. Terms that are not ours are 422 naming them,
and a remote context is refused without the server fetching anything."""

from __future__ import annotations

import socket

import pytest
from pyld import jsonld

from hmis_ld.model import MODEL
from hmis_ld.model.schema import SYSTEM_FIELDS

H = "urn:hud:hmis:owl#"
LD = "application/ld+json"
PROJECT = MODEL.tables["Project"]
ENROLLMENT = MODEL.tables["Enrollment"]


def _expanded(http, path: str, table) -> dict:
    """A record as the API renders it in JSON-LD, expanded, without its identity and the fields
    the server sets: a body for a new record like it."""
    context = http.get("/api/v1/context.jsonld").get_json()
    document = http.get(path, headers={"Accept": LD}).get_json()
    [node] = jsonld.expand(document, {"documentLoader": lambda url, options=None: {
        "contextUrl": None, "documentUrl": url, "document": context}})
    dropped = {"@id", table.key_field.iri, *(table.by_name[f].iri for f in SYSTEM_FIELDS if f in table.by_name)}
    return {k: v for k, v in node.items() if k not in dropped}


def _items(answer: object, name: str) -> list[dict]:
    return answer[name] if isinstance(answer, dict) else answer  # type: ignore[index,return-value]


@pytest.fixture
def project(writable) -> dict:
    http, _ = writable
    return _items(http.get("/api/v1/projects?limit=1").get_json(), "projects")[0]


def test_a_project_created_from_expanded_jsonld_has_the_same_fields(writable, project) -> None:
    http, _ = writable
    body = _expanded(http, f"/api/v1/projects/{project['ProjectID']}", PROJECT)
    assert all(k.startswith(("urn:", "@")) for k in body)  # expanded: IRIs only
    created = http.post("/api/v1/projects", json=body, headers={"Content-Type": LD})
    assert created.status_code == 201, created.get_json()
    new = http.get(f"/api/v1/projects/{created.get_json()['ProjectID']}").get_json()
    original = http.get(f"/api/v1/projects/{project['ProjectID']}").get_json()
    same = [f.name for f in PROJECT.fields if f.name not in SYSTEM_FIELDS and f.name != PROJECT.key]
    assert {k: new.get(k) for k in same} == {k: original.get(k) for k in same}


def test_an_enrollment_created_from_expanded_jsonld_keeps_its_links(writable) -> None:
    http, _ = writable
    enrollment = _items(http.get("/api/v1/enrollments?limit=1").get_json(), "enrollments")[0]
    body = _expanded(http, f"/api/v1/enrollments/{enrollment['EnrollmentID']}", ENROLLMENT)
    assert "urn:hmis-ld:ext#refProject" in body and "urn:hmis-ld:ext#refClient" in body
    created = http.post("/api/v1/enrollments", json=body, headers={"Content-Type": LD})
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["ProjectID"], created.get_json()["PersonalID"]) == \
        (enrollment["ProjectID"], enrollment["PersonalID"])


def test_a_patch_with_a_foreign_inline_context_maps_its_names_to_our_fields(writable, project) -> None:
    http, _ = writable
    body = {"@context": {"name": f"{H}ProjectName", "xsd": "http://www.w3.org/2001/XMLSchema#",
                         "kind": {"@id": f"{H}ProjectType", "@type": "xsd:integer"}},
            "@type": f"{H}Project", "name": "Renamed through another context", "kind": "13"}
    patched = http.patch(f"/api/v1/projects/{project['ProjectID']}", json=body, headers={"Content-Type": LD})
    assert patched.status_code == 200, patched.get_json()
    now = http.get(f"/api/v1/projects/{project['ProjectID']}").get_json()
    assert (now["ProjectName"], now["ProjectType"]) == ("Renamed through another context", 13)


def test_a_patch_compacted_with_our_context_url_and_a_null_clears_the_field(writable, project) -> None:
    http, _ = writable
    optional = next(f.name for f in PROJECT.fields if not f.required and f.name in project
                    and f.name not in SYSTEM_FIELDS)
    body = {"@context": "http://localhost/api/v1/context.jsonld", "@type": "hmis:Project", optional: None}
    patched = http.patch(f"/api/v1/projects/{project['ProjectID']}", json=body, headers={"Content-Type": LD})
    assert patched.status_code == 200, patched.get_json()
    assert optional not in http.get(f"/api/v1/projects/{project['ProjectID']}").get_json()


def test_terms_that_are_not_ours_are_422_naming_them_and_nothing_changes(writable, project) -> None:
    http, store = writable
    before = store.dump_nquads()
    for body, named in (
            ({"@context": "http://localhost/api/v1/context.jsonld", "ProjectName": "x", "Nickname": "y"}, "Nickname"),
            ({"@context": {"@vocab": "https://schema.org/"}, "name": "x"}, "https://schema.org/name"),
            ({f"{H}ProjectName": [{"@value": "x"}], "urn:example:colour": [{"@value": "red"}]}, "urn:example:colour")):
        response = http.patch(f"/api/v1/projects/{project['ProjectID']}", json=body, headers={"Content-Type": LD})
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        assert named in [e["field"] for e in response.get_json()["errors"]], response.get_json()
    assert store.dump_nquads() == before


def test_a_remote_context_is_refused_without_any_fetch(writable, project) -> None:
    http, store = writable
    before = store.dump_nquads()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.2)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/context.jsonld"
        response = http.patch(f"/api/v1/projects/{project['ProjectID']}", json={"@context": url, "name": "x"},
                              headers={"Content-Type": LD})
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected
    assert 400 <= response.status_code < 500 and response.mimetype == "application/problem+json"
    assert url in response.get_data(as_text=True)
    assert store.dump_nquads() == before


def test_a_body_without_a_context_is_read_with_ours(writable, project) -> None:
    http, _ = writable
    body = {"@type": "hmis:Project", "ProjectName": "Named without a context"}
    patched = http.patch(f"/api/v1/projects/{project['ProjectID']}", json=body, headers={"Content-Type": LD})
    assert patched.status_code == 200, patched.get_json()
    assert http.get(f"/api/v1/projects/{project['ProjectID']}").get_json()["ProjectName"] == "Named without a context"
