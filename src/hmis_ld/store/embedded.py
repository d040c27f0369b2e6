"""Embedded Oxigraph (RocksDB on disk, or in memory when no path is given)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from hmis_ld.store.base import Row, Store, Term


def _dataset(graphs: Sequence[str] | None) -> dict:
    if graphs is None:
        return {"use_default_graph_as_union": True}
    nodes = [ox.NamedNode(g) for g in graphs]
    # An empty list would mean "the store's default graph"; an unknown graph means "nothing".
    nodes = nodes or [ox.NamedNode("urn:hmis-ld:graph:none")]
    return {"default_graph": nodes, "named_graphs": nodes}


def _subs(substitutions: Mapping[str, Term] | None) -> dict | None:
    if not substitutions:
        return None
    return {ox.Variable(k): v for k, v in substitutions.items()}


class EmbeddedStore(Store):
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(self.path))
        else:
            self._store = ox.Store()

    def _query(self, sparql, substitutions, graphs):
        return self._store.query(sparql, substitutions=_subs(substitutions), **_dataset(graphs))

    def select(self, sparql, *, substitutions=None, graphs=None) -> Iterator[Row]:
        solutions = self._query(sparql, substitutions, graphs)
        names = [v.value for v in solutions.variables]
        for solution in solutions:  # a solution iterates its values in variable order
            yield {name: value for name, value in zip(names, solution, strict=True) if value is not None}

    def construct(self, sparql, *, substitutions=None, graphs=None) -> list[ox.Triple]:
        return list(self._query(sparql, substitutions, graphs))

    def ask(self, sparql, *, substitutions=None, graphs=None) -> bool:
        return bool(self._query(sparql, substitutions, graphs))

    def sparql(self, query: str, *, graphs: Sequence[str]) -> tuple[str, bytes]:
        result = self._query(query, None, list(graphs))
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            return "application/sparql-results+json", result.serialize(format=ox.QueryResultsFormat.JSON)
        return "application/n-triples", ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)

    def update(self, sparql: str) -> None:
        self._store.update(sparql)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        self._store.extend(quads)

    def bulk_load(self, quads: Iterable[ox.Quad]) -> None:
        self._store.bulk_extend(quads)
        self._store.flush()

    def optimize(self) -> None:
        self._store.optimize()

    def is_empty(self) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, None)), None) is None

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def dump_nquads(self) -> bytes:
        lines = sorted(str(q) + " ." for q in self._store.quads_for_pattern(None, None, None, None))
        return ("\n".join(lines) + "\n").encode()

    def close(self) -> None:
        if self.path is not None:
            self._store.flush()
        del self._store
