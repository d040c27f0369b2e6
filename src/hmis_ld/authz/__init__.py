"""Who is asking, turned into the dataset (list of graphs) every query of theirs runs on.

One place turns a caller's grants into graphs; the store applies them to every query,
so no endpoint can forget to narrow a read, and counts or ASK cannot see further.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from hmis_ld.authz import grants as grant_rules
from hmis_ld.model import HMIS, iris
from hmis_ld.store import EVERY_GRAPH, Dataset, Store

# Graphs no caller's dataset ever includes: identity links, audit trail, credentials, import jobs.
SYSTEM_GRAPHS = frozenset({iris.PERSONS, iris.AUDIT, iris.ACCOUNTS, iris.IMPORTS})
# Graphs only system-wide readers see besides their record graphs.
WIDE_GRAPHS = (iris.USERS, iris.META)


@dataclass(frozen=True)
class Access:
    """A caller's rights. `read`/`write` None means every record graph (a system-wide grant)."""

    user_id: str  # HMIS 5.07, recorded on every write
    account: str = ""
    read: tuple[str, ...] | None = ()
    write: tuple[str, ...] | None = ()
    pii: bool = False
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def union(self) -> bool:
        """Reads run on the union of every graph: our own queries never touch the system graphs."""
        return self.read is None and self.pii

    def dataset(self, store: Store, within: Iterable[str] | None = None) -> Dataset:
        """The graphs this caller's reads run on: the directory, their record graphs, and
        the PII graphs beside those if they may see PII; EVERY_GRAPH for the union. A query that
        names the graph of every pattern passes those graphs as `within` and runs on the ones
        among them the caller may read: Oxigraph's cost for a dataset grows with its length
        (2 ms per query for the 670 graphs of a system-wide reader without pii:read at 100k
        clients)."""
        if self.union:  # reads PII and every record graph: only our own queries, which never name system graphs
            return EVERY_GRAPH
        if within is None:
            within = store.graph_names() if self.read is None else [
                iris.DIRECTORY, *self.read, *map(iris.pii_graph, self.read)]
        return [g for g in dict.fromkeys(within) if self._may_read(g)]

    def lookup_dataset(self, store: Store) -> Dataset:
        """Where a lookup by key runs before the record's documents are read through `dataset`:
        for a system-wide reader every graph (a key is in record graphs only, and one lookup
        beats one per graph of a 670-graph list); for anyone else their own dataset, so a
        record they may not see is not found, exactly as a missing one is not."""
        return EVERY_GRAPH if self.system_wide else self.dataset(store)  # see the docstring

    def _may_read(self, graph: str) -> bool:
        """The one rule for the graphs this caller's reads may run on."""
        if graph.endswith(iris.PII_SUFFIX):
            record = graph.removesuffix(iris.PII_SUFFIX)
            return self.pii and record != iris.DIRECTORY and self._may_read(record)
        if self.read is None:
            return graph not in SYSTEM_GRAPHS
        return graph == iris.DIRECTORY or graph in self.read

    def may_write(self, graph: str) -> bool:
        return self.write is None or graph in self.write

    @property
    def system_wide(self) -> bool:
        return self.read is None


def resolve(store: Store, user_id: str, account: str, grants: frozenset[str], source: str) -> Access:
    """An account's grants as graphs. Organization grants cover the organization's projects."""
    read: set[str] | None = set()
    write: set[str] | None = set()
    for text in grants:
        parsed = grant_rules.parse(text)
        if parsed is None:
            continue
        kind, ident, mode = parsed
        if kind == "all":
            graphs: set[str] | None = None
        elif kind == "project":
            graphs = {iris.project_graph(source, str(ident))}
        else:
            graphs = {iris.project_graph(source, p) for p in _organization_projects(store, str(ident))}
        if mode == "write":
            write = None if graphs is None or write is None else write | graphs
        read = None if graphs is None or read is None else read | graphs
    if write is None:
        write_graphs: tuple[str, ...] | None = None
    else:
        write_graphs = tuple(sorted(write))
    pii = "pii:read" in grants and "researcher" not in grants
    return Access(user_id=user_id, account=account, read=None if read is None else tuple(sorted(read)),
                  write=write_graphs, pii=pii, scopes=frozenset(g for g in grants if g in grant_rules.SCOPES))


def _organization_projects(store: Store, organization_id: str) -> list[str]:
    rows = store.select(
        f"SELECT ?pid ?org WHERE {{ ?p a <{HMIS}Project> ; <{HMIS}OrganizationID> ?org ; <{HMIS}ProjectID> ?pid }}",
        substitutions={"org": ox.Literal(organization_id)}, graphs=[iris.DIRECTORY])
    return [r["pid"].value for r in rows]


SYSTEM = Access(user_id="system", account="system", read=None, write=None, pii=True,
                scopes=grant_rules.SCOPES - {"researcher"})
