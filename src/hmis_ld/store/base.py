"""The storage interface everything above talks to; one small file per backend.

Rows come back as dicts of variable name -> pyoxigraph term, whatever the backend.
`graphs` is every read's dataset, and has no default: a query sees exactly those graphs, as
its default graph (their union) and as its named graphs; this is how authorization narrows
every read. A deliberate system lookup names `EVERY_GRAPH` instead, so a forgotten dataset
is a TypeError, never a read of everything.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = dict[str, Term]
# What a caller's own query answers: solutions (iterate them, `.variables` names the columns), a
# boolean, or triples (CONSTRUCT, DESCRIBE); pyoxigraph's own types, parsed ones for a remote store.
SparqlResult = ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]


class EveryGraph:
    """The dataset of a deliberate system lookup: the union of every graph, the system graphs
    included. A read must name its dataset, so reaching every graph is written out as
    `graphs=EVERY_GRAPH` where it happens, with a line that says why."""

    def __repr__(self) -> str:
        return "EVERY_GRAPH"


EVERY_GRAPH = EveryGraph()
Dataset = Sequence[str] | EveryGraph


def ntriples_term(term: Term) -> str:
    """N-Triples form of a term; pyoxigraph escapes literals, so this is safe to embed."""
    return str(term)


def insert_data(quads: Iterable[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        by_graph.setdefault(ntriples_term(q.graph_name), []).append(
            f"{ntriples_term(q.subject)} {ntriples_term(q.predicate)} {ntriples_term(q.object)} ."
        )
    body = "\n".join(f"GRAPH {g} {{\n" + "\n".join(ts) + "\n}" for g, ts in by_graph.items())
    return f"INSERT DATA {{\n{body}\n}}"


class Store(ABC):
    """A quad store. Each `update`/`extend` call is one transaction."""

    @abstractmethod
    def select(self, sparql: str, *, graphs: Dataset, substitutions: Mapping[str, Term] | None = None
               ) -> Iterator[Row]: ...

    @abstractmethod
    def construct(self, sparql: str, *, graphs: Dataset, substitutions: Mapping[str, Term] | None = None
                  ) -> list[ox.Triple]: ...

    @abstractmethod
    def ask(self, sparql: str, *, graphs: Dataset, substitutions: Mapping[str, Term] | None = None) -> bool: ...

    @abstractmethod
    def sparql(self, query: str, *, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> SparqlResult:
        """A caller's own read-only query: its default graph is the union of `default_graphs`, GRAPH
        sees `named_graphs` (an empty list: no graph at all), whatever its FROM / FROM NAMED say.
        Results come lazily, as pyoxigraph's types, so a caller can stop reading at a row limit."""

    @abstractmethod
    def update(self, sparql: str) -> None: ...

    @abstractmethod
    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction."""

    @abstractmethod
    def bulk_load(self, quads: Iterable[ox.Quad]) -> None:
        """Fast, non-transactional load for offline imports into an idle store."""

    @abstractmethod
    def optimize(self) -> None:
        """Compact the store after a large write. A bulk load leaves many overlapping files
        that every lookup must visit: at 100k clients a page read a third faster afterwards."""

    @abstractmethod
    def is_empty(self) -> bool: ...

    @abstractmethod
    def graph_names(self) -> list[str]:
        """Every named graph that holds data."""

    @abstractmethod
    def dump_nquads(self) -> bytes:
        """Every quad, canonically sorted, for byte-for-byte comparisons."""

    def close(self) -> None:
        """Release the store (flushes the embedded database)."""

    def lock(self, name: str) -> AbstractContextManager[None]:
        """Hold the lock `name` against every other writer of this store: read-check-write
        steps (a person's intake, an If-Match update) run under it. This default is the
        process's own, right for a store that one process alone opens (an embedded one); a
        store that processes share keeps its locks in itself. One re-entrant lock serves
        every name here: the steps it guards take milliseconds, and nesting cannot deadlock."""
        with _CREATING:
            return self.__dict__.setdefault("_process_lock", threading.RLock())


_CREATING = threading.Lock()
