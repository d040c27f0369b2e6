"""The model as RDF, for publishing: the HUD terms the store uses and our extension
(`ontology_quads`), and the SHACL shapes in force (`shapes_quads`).

The terms come from the model module (ontology/model.json), not from HUD's OWL file: only
the classes, properties and code lists records are written with, stated as they are stored
(a coded field's range is its literal's datatype, and `ext:codeList` names its list). A
property several tables share gets no rdfs:domain, which would make a record of each of
them a member of every one of those classes.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import pyoxigraph as ox
from rdflib import Graph

from hmis_ld import __version__
from hmis_ld.model.schema import EXT, MODEL, RDF_TYPE
from hmis_ld.resources import resource_path
from hmis_ld.validation.shapes import load_shapes

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
DCTERMS = "http://purl.org/dc/terms/"
ONTOLOGY = "urn:hmis-ld:model"
PREFIXES = {"hmis": "urn:hud:hmis:owl#", "ext": EXT, "owl": OWL, "rdfs": RDFS, "rdf": RDF,
            "xsd": "http://www.w3.org/2001/XMLSchema#", "dcterms": DCTERMS, "sh": "http://www.w3.org/ns/shacl#"}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _t(s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.Triple:
    return ox.Triple(s, _n(p), o)


def _model_triples() -> list[ox.Triple]:
    out = [_t(_n(ONTOLOGY), RDF_TYPE, _n(OWL + "Ontology")),
           _t(_n(ONTOLOGY), RDFS + "label", ox.Literal("hmis-ld: the HUD HMIS terms records are stored with")),
           _t(_n(ONTOLOGY), OWL + "versionInfo", ox.Literal(__version__))]
    tables_of: dict[str, set[str]] = defaultdict(set)
    for table in MODEL.tables.values():
        for f in table.fields:
            tables_of[f.iri].add(table.cls)
    kinds: dict[str, str] = {}
    for table in MODEL.tables.values():
        cls = _n(table.cls)
        out += [_t(cls, RDF_TYPE, _n(OWL + "Class")), _t(cls, EXT + "csvFile", ox.Literal(f"{table.name}.csv"))]
        out += [_t(_n(c), RDF_TYPE, _n(OWL + "Class")) for c in table.classes]
        for f in table.fields:
            p = _n(f.iri)
            out += [_t(p, RDF_TYPE, _n(OWL + "DatatypeProperty")), _t(p, RDFS + "label", ox.Literal(f.name)),
                    _t(p, RDFS + "range", _n(f.datatype))]
            if len(tables_of[f.iri]) == 1:
                out.append(_t(p, RDFS + "domain", cls))
            if f.code_list:
                out.append(_t(p, EXT + "codeList", _n(MODEL.code_lists[f.code_list].iri)))
                kinds[f.code_list] = f.datatype
            if f.data_element:
                out.append(_t(p, DCTERMS + "identifier", ox.Literal(f.data_element)))
            if f.pii:
                out.append(_t(p, EXT + "personalData", ox.Literal(True)))
        for link in table.links:
            out += [_t(_n(link.up), RDF_TYPE, _n(OWL + "ObjectProperty")),
                    _t(_n(link.up), RDFS + "range", _n(MODEL.tables[link.target].cls))]
            if link.down:
                out.append(_t(_n(link.down), RDF_TYPE, _n(OWL + "ObjectProperty")))
    for list_id, code_list in MODEL.code_lists.items():
        node = _n(code_list.iri)
        out += [_t(node, RDF_TYPE, _n(RDFS + "Datatype")), _t(node, RDFS + "label", ox.Literal(list_id))]
        datatype = _n(kinds.get(list_id, PREFIXES["xsd"] + "string"))
        for code, label in code_list.codes.items():
            entry = ox.BlankNode()
            out += [_t(node, EXT + "code", entry), _t(entry, RDF + "value", ox.Literal(code, datatype=datatype)),
                    _t(entry, RDFS + "label", ox.Literal(label))]
    return out


def _file_triples(folder: str, name: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(path=str(resource_path(folder, name)), format=ox.RdfFormat.TURTLE)]


@cache
def ontology_triples() -> tuple[ox.Triple, ...]:
    """HUD's terms as stored, our extension (extension.ttl) and our derived classes (derived.ttl)."""
    return tuple(dict.fromkeys([*_model_triples(), *_file_triples("ontology", "extension.ttl"),
                                *_file_triples("ontology", "derived.ttl")]))


@cache
def shapes_triples() -> tuple[ox.Triple, ...]:
    """The SHACL shapes the validator loads (validation.shapes.load_shapes)."""
    graph: Graph = load_shapes()
    text = graph.serialize(format="nt", encoding="utf-8")
    return tuple(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))


def serialized(triples: tuple[ox.Triple, ...], fmt: ox.RdfFormat) -> bytes:
    return ox.serialize(list(triples), format=fmt, prefixes=PREFIXES)
