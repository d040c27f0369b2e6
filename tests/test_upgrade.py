"""A store written before records carried ext:fields documents, before exits restated their
date on their enrollment and funders their code on their project, before records carried
the day of their DateUpdated, before enrollments carried when they may be active, before merged persons pointed straight at their survivor, or
before deleted records lost their parents' links to them, is refused until upgraded, and the
upgrade writes exactly what this version would have."""

from __future__ import annotations

import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pyoxigraph as ox
import pytest

from hmis_ld.api import OutdatedStore, create_app
from hmis_ld.model import iris
from hmis_ld.model.derived import UPDATED_ON
from hmis_ld.model.identity import MERGED_INTO
from hmis_ld.model.records import FIELDS
from hmis_ld.model.schema import ACTIVE_UNTIL, EXT
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore

EXIT_DATE, FUNDER = EXT + "exitDate", EXT + "funder"


@pytest.mark.parametrize("missing", [[FIELDS, EXIT_DATE, FUNDER, UPDATED_ON, ACTIVE_UNTIL], [EXIT_DATE], [FUNDER],
                                     [UPDATED_ON], [ACTIVE_UNTIL]],
                         ids=["documents", "exit dates", "funder codes", "days of DateUpdated", "when enrollments may be active"])
def test_an_old_store_is_refused_then_upgraded_to_what_an_import_writes(demo_dump: bytes, tmp_path: Path,
                                                                        missing: list[str]) -> None:
    store = _demo_store(demo_dump, tmp_path)
    store.update(" ; ".join(f"DELETE WHERE {{ GRAPH ?g {{ ?s <{p}> ?o }} }}" for p in missing))
    assert store.dump_nquads() != demo_dump
    upgraded = _refused_then_upgraded(store)
    assert upgraded.dump_nquads() == demo_dump
    upgraded.close()


def test_merge_chains_of_an_old_store_are_flattened(demo_dump: bytes, tmp_path: Path) -> None:
    """Before, a person merged into one merged in turn kept pointing at it (a chain of four here)."""
    store = _demo_store(demo_dump, tmp_path)
    persons = [r["p"] for r in store.select(
        f"SELECT ?p WHERE {{ GRAPH <{iris.PERSONS}> {{ ?p a ?type }} }} ORDER BY ?p LIMIT 5", graphs=EVERY_GRAPH)]
    graph, merged_into = ox.NamedNode(iris.PERSONS), ox.NamedNode(MERGED_INTO)
    store.extend([ox.Quad(a, merged_into, b, graph) for a, b in pairwise(persons)])
    upgraded = _refused_then_upgraded(store)
    survivors = {(r["a"], r["b"]) for r in upgraded.select(
        f"SELECT ?a ?b WHERE {{ GRAPH <{iris.PERSONS}> {{ ?a <{MERGED_INTO}> ?b }} }}", graphs=[iris.PERSONS])}
    assert survivors == {(p, persons[-1]) for p in persons[:-1]}
    upgraded.close()


def test_links_to_deleted_records_of_an_old_store_are_dropped(demo_dump: bytes, tmp_path: Path) -> None:
    """Before, a deleted enrollment stayed linked from its project and its client record."""
    store = _demo_store(demo_dump, tmp_path)
    h = "urn:hud:hmis:owl#"
    first = (f"SELECT ?e ?g WHERE {{ GRAPH ?g {{ ?e a <{h}Enrollment> ; <{h}EnrollmentID> ?id }} }} "
             f"ORDER BY ?id LIMIT 2")
    enrollments = [(r["e"], r["g"]) for r in store.select(first, graphs=EVERY_GRAPH)]
    deleted = ox.Literal("2025-01-02T03:04:05", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))
    store.extend([ox.Quad(e, ox.NamedNode(h + "DateDeleted"), deleted, g) for e, g in enrollments])
    down = f"VALUES ?down {{ <{h}hasProjectEnrollment> <{h}hasClientEnrollment> }}"
    links = [ox.Quad(r["p"], r["down"], e, g) for e, g in enrollments
             for r in store.select(f"SELECT ?p ?down WHERE {{ {down} GRAPH <{g.value}> {{ ?p ?down <{e.value}> }} }}", graphs=EVERY_GRAPH)]
    assert len(links) == 4
    store.update(" ; ".join(f"DELETE DATA {{ GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }} }}"
                            for q in links))
    expected = store.dump_nquads()
    store.extend(links)
    upgraded = _refused_then_upgraded(store)
    assert upgraded.dump_nquads() == expected
    upgraded.close()


def _demo_store(demo_dump: bytes, tmp_path: Path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "store")
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    return store


def _refused_then_upgraded(store: EmbeddedStore) -> EmbeddedStore:
    """The app refuses the store; `hmis-ld upgrade` runs on it (server stopped); the app
    accepts the upgraded store, which is returned open."""
    with pytest.raises(OutdatedStore):
        create_app({"STORE": store})
    path = store.path
    store.close()
    upgraded = subprocess.run([sys.executable, "-m", "hmis_ld.cli", "upgrade", "--store", str(path)],
                              capture_output=True, text=True, check=False, timeout=300)
    assert upgraded.returncode == 0, upgraded.stderr
    again = EmbeddedStore(path)
    create_app({"STORE": again, "TESTING": True})
    return again


def test_client_ids_of_an_old_store_are_keyed_and_the_old_ones_still_resolve(demo_dump: bytes,
                                                                             tmp_path: Path) -> None:
    """Before, a ClientID was the plain hash of its record's IRI, which names the PersonalID and
    the project: anyone could compute one. After the upgrade each record has a keyed ClientID,
    and the one it had keeps answering, through updates too."""
    from conftest import signed_in

    from hmis_ld.model.derived import CLIENT_ID, legacy_client_id

    store = _demo_store(demo_dump, tmp_path)
    store.update(f"DELETE {{ GRAPH ?g {{ ?s <{CLIENT_ID}> ?id }} }} INSERT {{ GRAPH ?g {{ ?s <{CLIENT_ID}> ?old }} }} "
                 f"WHERE {{ GRAPH ?g {{ ?s <{CLIENT_ID}> ?id }} BIND(SUBSTR(SHA1(STR(?s)), 1, 20) AS ?old) }}")
    upgraded = _refused_then_upgraded(store)
    ids = {r["s"].value: r["id"].value for r in upgraded.select(
        f"SELECT ?s ?id WHERE {{ GRAPH ?g {{ ?s <{CLIENT_ID}> ?id }} }}", graphs=EVERY_GRAPH)}
    assert ids and all(cid != legacy_client_id(s) for s, cid in ids.items())
    client = signed_in(create_app({"STORE": upgraded, "TESTING": True}))
    subject = min(ids)
    old, new = legacy_client_id(subject), ids[subject]
    by_new = client.get(f"/api/v1/clientrecords/{new}")
    assert by_new.status_code == 200
    assert client.get(f"/api/v1/clientrecords/{old}").get_json() == by_new.get_json()
    patched = client.patch(f"/api/v1/clientrecords/{old}", json={"NameSuffix": "Jr"})
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert client.get(f"/api/v1/clientrecords/{old}").get_json()["NameSuffix"] == "Jr"
    assert client.get(f"/api/v1/clientrecords/{new}").get_json()["NameSuffix"] == "Jr"
    upgraded.close()


def test_derived_classes_missing_from_an_old_store_are_added(demo_dump: bytes, tmp_path: Path) -> None:
    """Before, no record carried its derived classes (ontology/derived.ttl) nor open enrollments theirs."""
    from hmis_ld.model.inference import derived_iris

    store = _demo_store(demo_dump, tmp_path)
    classes = " ".join(f"<{c}>" for c in sorted(derived_iris()))
    store.update(f"DELETE {{ GRAPH ?g {{ ?s a ?c }} }} WHERE {{ VALUES ?c {{ {classes} }} GRAPH ?g {{ ?s a ?c }} }}")
    assert store.dump_nquads() != demo_dump
    upgraded = _refused_then_upgraded(store)
    assert upgraded.dump_nquads() == demo_dump
    upgraded.close()
