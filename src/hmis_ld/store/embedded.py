"""Embedded Oxigraph (RocksDB on disk, or in memory when no path is given)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from hmis_ld.store.base import Dataset, EveryGraph, Row, SparqlResult, Store, Term
from hmis_ld.store.held import held, is_lock_error


def _dataset(graphs: Dataset) -> dict:
    if isinstance(graphs, EveryGraph):
        return {"use_default_graph_as_union": True}
    if isinstance(graphs, str) or not isinstance(graphs, Sequence):
        raise TypeError(f"a read names its dataset: a list of graphs or EVERY_GRAPH, not {graphs!r}")
    nodes = _nodes(graphs)
    return {"default_graph": nodes, "named_graphs": nodes}


def _nodes(graphs: Sequence[str]) -> list[ox.NamedNode]:
    # An empty list would mean "the store's default graph"; an unknown graph means "nothing".
    return [ox.NamedNode(g) for g in graphs] or [ox.NamedNode("urn:hmis-ld:graph:none")]


def _subs(substitutions: Mapping[str, Term] | None) -> dict | None:
    if not substitutions:
        return None
    return {ox.Variable(k): v for k, v in substitutions.items()}


BULK_CHUNK = 1_000_000  # quads serialized at once by bulk_load: about 150 MB of text

# Quads written between two flushes of RocksDB's memtables (an update counts one per 100
# characters of its text). Oxigraph sizes the memtables for bulk loads (128 MiB, several per
# column family, seven column families per named-graph write), so a server writing audit entries
# grew about 28 KiB of RSS per audited page read towards gigabytes; flushing every 50,000 quads,
# in the background, held the growth to 22 MiB over 8,000 such reads (bench/memory_bench.py).
FLUSH_EVERY = 50_000


def _rows(solutions: ox.QuerySolutions) -> Iterator[Row]:
    names = [v.value for v in solutions.variables]
    for solution in solutions:  # a solution iterates its values in variable order
        yield {name: value for name, value in zip(names, solution, strict=True) if value is not None}


class EmbeddedStore(Store):
    """The graph names are kept between writes: listing them costs 3 ms at 100k clients, and a
    system-wide reader without pii:read needs them for every query (their dataset). The store
    is this process's alone (RocksDB's lock), so its own writes are the only changes: a write
    forgets the names unless it only added quads to graphs already listed (an audit entry), and
    counts a generation, so a listing that raced with it is not kept."""

    def __init__(self, path: str | Path | None = None, flush_every: int = FLUSH_EVERY):
        """`flush_every`: quads written between memtable flushes of an on-disk store (0: never)."""
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            try:
                self._store = ox.Store(str(self.path))
            except OSError as exc:
                if is_lock_error(exc):
                    raise held(self.path) from None
                raise
        else:
            self._store = ox.Store()
        self._graphs: tuple[str, ...] | None = None  # sorted
        self._generation = 0
        self._lock = threading.Lock()
        self._flush_every = flush_every if self.path is not None else 0
        self._unflushed = 0
        self._flusher: threading.Thread | None = None

    def _changed(self, graphs: Iterable[str] | None = None) -> None:
        """After a write to `graphs` (None: any graph, or graphs removed)."""
        with self._lock:
            if graphs is None or self._graphs is None or not set(graphs).issubset(self._graphs):
                self._generation += 1
                self._graphs = None

    def _wrote(self, quads: int) -> None:
        """Count a write; past `flush_every` quads, flush the memtables in a background thread
        (a flush takes 0.2 to 1 s, with the GIL released), one flush at a time."""
        if not self._flush_every:
            return
        with self._lock:
            self._unflushed += quads
            if self._unflushed < self._flush_every or (self._flusher and self._flusher.is_alive()):
                return
            self._unflushed = 0
            self._flusher = threading.Thread(target=self._store.flush, name="hmis-ld-flush", daemon=True)
            self._flusher.start()

    def _query(self, sparql, substitutions, graphs):
        return self._store.query(sparql, substitutions=_subs(substitutions), **_dataset(graphs))

    def select(self, sparql, *, graphs, substitutions=None) -> Iterator[Row]:
        return _rows(self._query(sparql, substitutions, graphs))

    def construct(self, sparql, *, graphs, substitutions=None) -> list[ox.Triple]:
        return list(self._query(sparql, substitutions, graphs))

    def ask(self, sparql, *, graphs, substitutions=None) -> bool:
        return bool(self._query(sparql, substitutions, graphs))

    def sparql(self, query: str, *, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> SparqlResult:
        # Oxigraph ignores the query's FROM / FROM NAMED when it is given the dataset.
        return self._store.query(query, default_graph=_nodes(default_graphs), named_graphs=_nodes(named_graphs))

    def update(self, sparql: str) -> None:
        self._store.update(sparql)
        self._changed()
        self._wrote(max(1, len(sparql) // 100))  # an update's size in quads is unknown: its text stands in (~100 bytes a quad)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        self._store.extend(quads)
        self._changed({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
        self._wrote(len(quads))

    def bulk_load(self, quads: Iterable[ox.Quad]) -> None:
        """Loaded as N-Quads text, in chunks: Oxigraph parses and loads text with the GIL released
        (bulk_extend holds it throughout), so the caller's other threads go on meanwhile
        (store.bulk). The quads are valid already, hence lenient parsing."""
        it = iter(quads)
        while chunk := list(islice(it, BULK_CHUNK)):
            text = ox.serialize(chunk, format=ox.RdfFormat.N_QUADS)
            self._store.bulk_load(text, format=ox.RdfFormat.N_QUADS, lenient=True)
        self._store.flush()
        self._changed()

    def optimize(self) -> None:
        self._store.optimize()

    def is_empty(self) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, None)), None) is None

    def graph_names(self) -> list[str]:
        with self._lock:
            graphs, generation = self._graphs, self._generation
        if graphs is None:
            graphs = tuple(sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)))
            with self._lock:
                if generation == self._generation:
                    self._graphs = graphs
        return list(graphs)

    def dump_nquads(self) -> bytes:
        lines = sorted(str(q) + " ." for q in self._store.quads_for_pattern(None, None, None, None))
        return ("\n".join(lines) + "\n").encode()

    def checkpoint(self, target: str | Path) -> None:
        """A consistent copy of the on-disk store in the new folder `target`, taken while it
        serves (Oxigraph's backup: hard links where it can)."""
        self._store.backup(str(target))

    def write_nquads(self, out: IO[bytes]) -> None:
        """Every quad, the default graph's included, as N-Quads, written as it is read."""
        self._store.dump(out, ox.RdfFormat.N_QUADS)

    def close(self) -> None:
        if self._flusher is not None:
            self._flusher.join()
        if self.path is not None:
            self._store.flush()
        del self._store
