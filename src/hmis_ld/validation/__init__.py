"""SHACL validation of one record before it is stored.

A record is checked against its own table's shapes (shapes/generated.ttl and
shapes/rules.ttl) over a small data graph: the record's quads plus, for each record it
links to, that record's type and literal fields, read from the store within the caller's
graphs. So "the referenced Enrollment exists" means "exists where the caller can see it",
and the whole store is never validated.

pyshacl runs over an in-memory Oxigraph store (pyshacl's Oxigraph data graph): its
SPARQL-based constraints then run in Oxigraph, where rdflib would parse each query again
on every record (about 5 ms each).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph, Literal, URIRef

from hmis_ld.model.schema import RDF_TYPE, Table
from hmis_ld.store.base import Dataset, Store, ntriples_term
from hmis_ld.validation.shapes import SH, load_shapes, shapes_by_table

SEVERITIES = ("Violation", "Warning", "Info")
_OPTIONS = {"inference": "none", "advanced": True, "inplace": True}
_NEIGHBOURS = """SELECT DISTINCT ?s ?p ?o WHERE {{
    VALUES ?s {{ {subjects} }}
    ?s ?p ?o .
    FILTER (isLiteral(?o) || ?p = <{rdf_type}>)
}}"""


@dataclass(frozen=True)
class Finding:
    field: str | None  # HUD field name (CSV column) the finding is about
    value: str | None  # offending value as text; None for personal fields, which are never echoed
    message: str
    severity: str  # "Violation" | "Warning" | "Info"


class RecordValidator:
    """Loads the shapes once, split per table, and validates records against them.

    Thread-safe: a pyshacl run changes its shapes graph and shape objects (system triples,
    advanced-mode flags), so each table's shapes are used under their own lock: records of
    different tables are checked in parallel, records of one table one at a time.
    """

    def __init__(self) -> None:
        self._shapes = {name: _harvested(graph) for name, graph in shapes_by_table(load_shapes()).items()}
        self._locks = {name: threading.Lock() for name in self._shapes}

    def validate(self, table: Table, quads: list[ox.Quad], store: Store,
                 graphs: Dataset) -> list[Finding]:
        """Findings for one record, from its quads as `record_quads` makes them; [] if it conforms.

        The quads may hold the record once per graph it is written to (a client record in
        each project) and other records written with it; only records of `table` are checked.
        """
        own = [(q.subject, q.predicate, q.object) for q in quads]
        data = _data_graph(own + neighbours(table, own, store, graphs))
        shapes = self._shapes[table.name]
        with self._locks[table.name]:
            validator = Validator(data, shacl_graph=shapes.graph, options=dict(_OPTIONS))
            validator.shacl_graph = shapes  # reuse the shapes harvested at start-up
            _, report, _ = validator.run()
        return findings(table, report, own)


def _harvested(graph: Graph) -> ShapesGraph:
    shapes = ShapesGraph(graph)
    shapes.shapes  # noqa: B018 - collect the shapes now, not on the first record
    return shapes


def neighbours(table: Table, triples: list[tuple], store: Store,
               graphs: Dataset) -> list[tuple]:
    """Type and literal fields of the records this one links to, as the caller sees them."""
    ups = {link.up for link in table.links}
    targets = sorted({ntriples_term(o) for _, p, o in triples if p.value in ups})
    if not targets:
        return []
    sparql = _NEIGHBOURS.format(subjects=" ".join(targets), rdf_type=RDF_TYPE)
    return [(row["s"], row["p"], row["o"]) for row in store.select(sparql, graphs=graphs)]


def _data_graph(triples: Iterable[tuple]) -> DataGraph:
    store = ox.Store()
    store.extend(ox.Quad(s, p, o) for s, p, o in triples)
    return DataGraph.from_oxigraph_store(store)


def findings(table: Table, report: Graph, triples: list[tuple]) -> list[Finding]:
    """pyshacl's results about the records of `table` among `triples`, as field-level
    findings; results about the neighbours (there for context) are dropped."""
    records = {s.value for s, p, o in triples if p.value == RDF_TYPE and o.value == table.cls}
    stored = {(s.value, p.value): o.value for s, p, o in triples if isinstance(o, ox.Literal)}
    out = set()
    for result in report.objects(None, SH.result):
        focus = str(report.value(result, SH.focusNode))
        if focus not in records:
            continue
        field_iri, name = _field(table, report.value(result, SH.resultPath))
        value = report.value(result, SH.value)
        text = str(value) if isinstance(value, Literal) else stored.get((focus, field_iri))
        hidden = name is None or table.by_name[name].pii
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        severity = str(report.value(result, SH.resultSeverity)).removeprefix(str(SH))
        out.add(Finding(name, None if hidden else text, messages[0], severity))
    return sorted(out, key=lambda f: (SEVERITIES.index(f.severity), f.field or "", f.message, f.value or ""))


def _field(table: Table, path: object) -> tuple[str | None, str | None]:
    """(IRI of the literal field, HUD field name) a result path stands for."""
    if not isinstance(path, URIRef):
        return None, None
    f = table.by_iri.get(str(path))
    if f is not None:
        return f.iri, f.name
    link = next((link for link in table.links if link.up == str(path)), None)
    if link is None:
        return None, None
    return table.by_name[link.field].iri, link.field
