"""Which quads belong to a record, and how a write swaps a record's quads for new ones.

A record's own triples are not all it owns: HUD's parent -> child link to it sits on its
parent, and so do the fields it restates there (an Exit's date on its Enrollment). A few
triples about a record are owned by no one record (when an enrollment may be active), or
outlive every rewrite of it (a ClientID it had before ClientIDs were keyed). This is model
knowledge, written as SPARQL over any `Store`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld.store import Store
from hmis_ld.store.base import insert_data


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
    owns, which a write rewrites after it (model.activity). `kept`: triples about a record
    that its rewrites leave alone."""

    inbound: frozenset[str]
    facts: tuple[ParentFact, ...] = ()
    maintained: frozenset[str] = frozenset()
    kept: frozenset[str] = frozenset()

    @property
    def not_own(self) -> frozenset[str]:
        """Predicates of triples about a record that are not among its own quads."""
        return self.inbound | {f.predicate for f in self.facts} | self.maintained | self.kept


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


def replace_records(store: Store, subjects: Sequence[str], ownership: Ownership, quads: Sequence[ox.Quad],
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
        store.update(" ;\n".join(parts))
