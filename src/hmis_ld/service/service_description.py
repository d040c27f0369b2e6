"""The SPARQL 1.1 Service Description of the endpoint, as the caller sees it: the formats it
answers in, the caller's queryable graphs each with a VoID description (triples, classes and
the entities of each class), and the example queries.

Counting a graph reads every triple of it, so each graph's figures are kept for a while
(HMIS_LD_SPARQL_VOID_SECONDS, default 300): the figures of a graph being written may be that
much behind. Only the caller's graphs are counted, so a description shows nothing of others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld.service.sparql_examples import examples
from hmis_ld.service.sparql_formats import SOLUTION_FORMATS, TRIPLE_FORMATS
from hmis_ld.store.base import Store

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDF_VALUE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#value")
DCT_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
EXAMPLE = ox.NamedNode("urn:hmis-ld:ext#exampleQuery")
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
PREFIXES = {"sd": SD, "void": VOID, "formats": FORMATS, "dct": "http://purl.org/dc/terms/", "ext": "urn:hmis-ld:ext#"}


@dataclass(frozen=True)
class GraphFigures:
    triples: int
    classes: dict[str, int]  # class IRI -> distinct subjects of it


class VoidCache:
    """Each graph's figures, counted at most once per `seconds`."""

    def __init__(self, store: Store, seconds: float):
        self.store, self.seconds = store, seconds
        self._kept: dict[str, tuple[float, GraphFigures]] = {}
        self._lock = threading.Lock()

    def figures(self, graph: str) -> GraphFigures:
        with self._lock:
            kept = self._kept.get(graph)
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        dataset = [graph]  # one graph the caller may read, counted on its own
        triples = next(iter(self.store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graphs=dataset)))
        classes = {r["c"].value: int(r["n"].value) for r in self.store.select(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c", graphs=dataset)}
        figures = GraphFigures(int(triples["n"].value), classes)
        with self._lock:
            self._kept[graph] = (time.monotonic(), figures)
        return figures


def describe(endpoint: str, graphs: Sequence[str], void: VoidCache) -> list[ox.Triple]:
    """The description's triples: the endpoint, its formats, a dataset whose default graph is
    the union of `graphs` and whose named graphs are each of them, and the examples."""
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: str | ox.NamedNode, o: ox.NamedNode | ox.BlankNode | ox.Literal
            ) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p) if isinstance(p, str) else p, o))

    service, dataset, default = ox.BlankNode(), ox.BlankNode(), ox.BlankNode()
    add(service, RDF_TYPE, ox.NamedNode(SD + "Service"))
    add(service, SD + "endpoint", ox.NamedNode(endpoint))
    add(service, SD + "supportedLanguage", ox.NamedNode(SD + "SPARQL11Query"))
    for fmt in (*SOLUTION_FORMATS.values(), *TRIPLE_FORMATS.values()):
        add(service, SD + "resultFormat", ox.NamedNode(FORMATS + fmt.name))
    add(service, SD + "defaultDataset", dataset)
    add(dataset, RDF_TYPE, ox.NamedNode(SD + "Dataset"))
    add(dataset, SD + "defaultGraph", default)
    add(default, RDF_TYPE, ox.NamedNode(SD + "Graph"))
    total = 0
    for name in graphs:
        figures = void.figures(name)
        total += figures.triples
        named, graph = ox.BlankNode(), ox.BlankNode()
        add(dataset, SD + "namedGraph", named)
        add(named, RDF_TYPE, ox.NamedNode(SD + "NamedGraph"))
        add(named, SD + "name", ox.NamedNode(name))
        add(named, SD + "graph", graph)
        add(graph, RDF_TYPE, ox.NamedNode(SD + "Graph"))
        add(graph, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(graph, VOID + "triples", ox.Literal(str(figures.triples), datatype=_INTEGER))
        add(graph, VOID + "classes", ox.Literal(str(len(figures.classes)), datatype=_INTEGER))
        for cls, entities in sorted(figures.classes.items()):
            partition = ox.BlankNode()
            add(graph, VOID + "classPartition", partition)
            add(partition, VOID + "class", ox.NamedNode(cls))
            add(partition, VOID + "entities", ox.Literal(str(entities), datatype=_INTEGER))
    add(default, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(default, VOID + "triples", ox.Literal(str(total), datatype=_INTEGER))
    for example in examples():
        node = ox.BlankNode()
        add(service, EXAMPLE, node)
        add(node, DCT_TITLE, ox.Literal(example.title))
        add(node, RDF_VALUE, ox.Literal(example.query))
    return out

