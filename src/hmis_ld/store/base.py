"""The storage interface everything above talks to; one small file per backend.

Rows come back as dicts of variable name -> pyoxigraph term, whatever the backend.
`graphs` is the caller's dataset: when given, a query sees exactly those graphs, as
its default graph (their union) and as its named graphs; this is how authorization
narrows every read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = dict[str, Term]


class EveryGraph:
    """The dataset of a deliberate system lookup: the union of every graph, the system graphs
    included. A read must name its dataset, so reaching every graph is written out as
    `graphs=EVERY_GRAPH` where it happens, with a line that says why."""

    _instance: EveryGraph | None = None

    def __new__(cls) -> EveryGraph:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

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


@dataclass(frozen=True)
class ParentFact:
    """A child's field restated on its parent (`parent predicate value`), written with the
    child while it is not deleted: the child links to its parent by `down`
    (`parent down child`), its field is `field`, and `deleted` marks a deleted child."""

    predicate: str
    down: str
    field: str
    deleted: str

    def live_child(self, parent: str, child: str, value: str) -> str:
        """SPARQL pattern (variables given with their ?): `child` is a child of `parent`, not
        deleted, whose field holds `value`."""
        return (f"{parent} <{self.down}> {child} . {child} <{self.field}> {value} "
                f"FILTER NOT EXISTS {{ {child} <{self.deleted}> {child}Deleted }}")


@dataclass(frozen=True)
class Ownership:
    """Which triples on other records belong to a record: HUD's parent -> child links to it
    (`inbound`) and the facts it restates on its parent. `maintained`: facts no one record
    owns, which a write rewrites after it (model.activity)."""

    inbound: frozenset[str]
    facts: tuple[ParentFact, ...] = ()
    maintained: frozenset[str] = frozenset()

    @property
    def not_own(self) -> frozenset[str]:
        """Predicates of triples about a record that are not among its own quads."""
        return self.inbound | {f.predicate for f in self.facts} | self.maintained


def delete_records(subjects: Sequence[str], ownership: Ownership) -> str:
    """Remove every quad of the given records: their own triples in any graph, the
    parent -> child triples that belong to them, and the facts they restate on their parents
    unless a sibling that stays restates the same value (while leaving their children's)."""
    values = " ".join(f"<{s}>" for s in subjects)
    listed = ", ".join(f"<{s}>" for s in subjects)
    inbound = " ".join(f"<{p}>" for p in sorted(ownership.inbound))
    skipped = ", ".join(f"<{p}>" for p in sorted(ownership.not_own))
    facts = [
        f"DELETE {{ GRAPH ?g {{ ?x <{f.predicate}> ?v }} }} WHERE {{ VALUES ?s {{ {values} }} "
        f"GRAPH ?g {{ ?x <{f.down}> ?s ; <{f.predicate}> ?v . ?s <{f.field}> ?v "
        f"FILTER NOT EXISTS {{ {f.live_child('?x', '?sibling', '?v')} FILTER(?sibling NOT IN ({listed})) }} }} }}"
        for f in ownership.facts
    ]
    own = (f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} "
           f"FILTER(?p NOT IN ({skipped})) }}")
    links = (f"DELETE {{ GRAPH ?g {{ ?x ?p ?s }} }} WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {inbound} }} "
             f"GRAPH ?g {{ ?x ?p ?s }} }}")
    return " ;\n".join([*facts, own, links])


class Store(ABC):
    """A quad store. Each `update`/`extend` call is one transaction."""

    @abstractmethod
    def select(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, Term] | None = None,
        graphs: Sequence[str] | None = None,
    ) -> Iterator[Row]: ...

    @abstractmethod
    def construct(
        self,
        sparql: str,
        *,
        substitutions: Mapping[str, Term] | None = None,
        graphs: Sequence[str] | None = None,
    ) -> list[ox.Triple]: ...

    @abstractmethod
    def ask(self, sparql: str, *, substitutions: Mapping[str, Term] | None = None,
            graphs: Sequence[str] | None = None) -> bool: ...

    @abstractmethod
    def sparql(self, query: str, *, graphs: Sequence[str]) -> tuple[str, bytes]:
        """A caller's own read-only query over exactly `graphs`; (media type, serialized results)."""

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

    def replace_records(self, subjects: Sequence[str], ownership: Ownership, quads: Sequence[ox.Quad],
                        then: str = "") -> None:
        """Swap records for their new quads atomically: a crash leaves old or new, never half.
        `then`: update operations that run after, in the same transaction."""
        parts = []
        if subjects:
            parts.append(delete_records(subjects, ownership))
        if quads:
            parts.append(insert_data(quads))
        if then:
            parts.append(then)
        if parts:
            self.update(" ;\n".join(parts))

    def close(self) -> None:
        """Release the store (flushes the embedded database)."""
