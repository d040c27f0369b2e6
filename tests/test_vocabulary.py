"""Every predicate and class in the store is HUD's (declared in the FY2026 OWL) or ours (declared)."""

from __future__ import annotations

from pathlib import Path

import rdflib
from rdflib import OWL, RDF

from hmis_ld.model import EXT, HMIS, MODEL
from hmis_ld.model.vocabulary import extension_terms
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore

RDF_TYPE = str(RDF.type)


def hud_declared(shared: Path) -> set[str]:
    g = rdflib.Graph()
    g.parse(shared / "hud" / "FY2026_HMIS_Logic_Model_RDF.owl")
    kinds = (OWL.DatatypeProperty, OWL.ObjectProperty, OWL.Class)
    return {str(s) for kind in kinds for s in g.subjects(RDF.type, kind)}


def test_store_uses_only_declared_terms(testkit_store: EmbeddedStore, shared: Path) -> None:
    declared = hud_declared(shared) | extension_terms() | {RDF_TYPE}
    predicates = {r["p"].value for r in testkit_store.select("SELECT DISTINCT ?p WHERE { ?s ?p ?o }", graphs=EVERY_GRAPH)}
    classes = {r["c"].value for r in testkit_store.select("SELECT DISTINCT ?c WHERE { ?s a ?c }", graphs=EVERY_GRAPH)}
    assert predicates - declared == set()
    assert classes - declared == set()
    assert {p for p in predicates if not p.startswith((HMIS, EXT))} <= {RDF_TYPE} | hud_declared(shared)


def test_every_column_of_every_file_has_an_iri(shared: Path) -> None:
    declared = hud_declared(shared) | extension_terms()
    for table in MODEL.tables.values():
        assert table.cls in declared
        for f in table.fields:
            assert f.iri in declared, (table.name, f.name)
    in_extension = {f.name for t in MODEL.tables.values() for f in t.fields if f.iri.startswith(EXT)}
    assert in_extension == {"ServicesID", "TranslationNeeded", "PreferredLanguage", "PreferredLanguageDifferent"}


def test_code_lists_carry_codes_and_labels() -> None:
    funders = MODEL.code_lists["2.06.1"].codes
    assert "Rapid Re-Housing" in funders["3"]
    assert "Rapid Re-Housing" in MODEL.code_lists["2.02.6"].codes["13"]
    assert MODEL.tables["Funder"].by_name["Funder"].code_list == "2.06.1"
