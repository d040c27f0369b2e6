"""Bring a store written by an earlier version up to this one's layout.

Stores written before records carried `ext:fields` documents hold only field triples, and
the API, which reads documents, would find none of their records. `add_documents` writes
the missing documents from those triples. Stores written before children restated a field
on their parents (`schema.RESTATED`: an Exit's ExitDate on its Enrollment, a Funder's code on
its Project) would show no exit dates or find no funded projects; `add_restated` writes the
facts a store lacks. Both only add, and can run again after a crash. Stores written before
a merged person pointed straight at its survivor (`identity.MERGED_INTO`) would resolve a
PersonalID merged twice to a person merged away; `flatten_merges` re-points such persons.
Stores written before deleted records lost their parent -> child links would show deleted
enrollments in the scenarios; `drop_dead_links` removes those links. Stores written before
records carried the day of their DateUpdated (`derived.UPDATED_ON`) would export no change;
`add_updated_days` writes those days. Stores written before enrollments carried when they may
be active (`activity.ACTIVE_UNTIL`) would find no active client; `add_activity` writes it.
Stores written before ClientIDs were keyed with the store's secret (`derived.client_id`) hold
ClientIDs anyone could compute from a PersonalID and a ProjectID; `key_client_ids` gives each
record its keyed ClientID and keeps the old one beside it (`FORMER_CLIENT_ID`), so identifiers
already handed out keep resolving. Stores written before records carried their derived classes
(ontology/derived.ttl) would answer no query by class; `add_derived_classes` types them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

import pyoxigraph as ox

from hmis_ld.model import activity, inference, iris
from hmis_ld.model.derived import CLIENT_ID, UPDATED_ON, client_id
from hmis_ld.model.identity import MERGED_INTO, client_id_key
from hmis_ld.model.ownership import ParentFact
from hmis_ld.model.records import FIELDS, document_quads
from hmis_ld.model.schema import FORMER_CLIENT_ID, HMIS, MODEL, RDF_TYPE, XSD
from hmis_ld.store import EVERY_GRAPH, Store

BATCH = 500
WHOLE = EVERY_GRAPH  # an upgrade reads and rewrites the whole store, system graphs included


def needs_documents(store: Store) -> bool:
    """Records but no document at all: a store from before documents existed."""
    classes = ", ".join(f"<{t.cls}>" for t in MODEL.tables.values())
    has_records = store.ask(f"ASK {{ ?s <{RDF_TYPE}> ?c FILTER(?c IN ({classes})) }}", graphs=WHOLE)
    return has_records and not store.ask(f"ASK {{ ?s <{FIELDS}> ?d }}", graphs=WHOLE)


def add_documents(store: Store, progress: Callable[[str, int], None] | None = None) -> int:
    """Write the documents of every record that has none; returns how many records got them."""
    done = 0
    for table in MODEL.tables.values():
        subjects = [r["s"] for r in store.select(
            f"SELECT ?s WHERE {{ ?s <{RDF_TYPE}> <{table.cls}> FILTER NOT EXISTS {{ ?s <{FIELDS}> ?d }} }}",
            graphs=WHOLE)]
        for start in range(0, len(subjects), BATCH):
            batch = subjects[start:start + BATCH]
            values = " ".join(str(s) for s in batch)
            fields: dict[ox.NamedNode, list] = defaultdict(list)
            own: dict[ox.NamedNode, ox.NamedNode] = {}
            for r in store.select(f"SELECT ?s ?g ?p ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}",
                                  graphs=WHOLE):
                fields[r["s"]].append((r["p"], r["o"], r["g"]))
                if r["p"].value == RDF_TYPE and r["o"].value == table.cls:
                    own[r["s"]] = r["g"]
            store.extend([q for s in batch if s in own for q in document_quads(table, s, own[s], fields[s])])
            done += len(batch)
            if progress:
                progress(table.name, done)
    if done:
        store.optimize()
    return done


def missing_restated(store: Store) -> list[ParentFact]:
    """Facts some live child should restate on its parent while no parent carries any: the
    store is from before that fact was restated (each fact is written in one transaction)."""
    return [f for f in MODEL.ownership.facts
            if store.ask(f"ASK {{ GRAPH ?g {{ {f.live_child('?parent', '?child', '?v')} }} }}", graphs=WHOLE)
            and not store.ask(f"ASK {{ ?s <{f.predicate}> ?o }}", graphs=WHOLE)]


def add_restated(store: Store) -> dict[str, int]:
    """Restate on each parent the fields its children carry, for the facts the store lacks;
    returns how many triples each predicate got."""
    added = {}
    for f in missing_restated(store):
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{f.predicate}> ?o }}"
        store.update(f"INSERT {{ GRAPH ?g {{ ?parent <{f.predicate}> ?v }} }} "
                     f"WHERE {{ GRAPH ?g {{ {f.live_child('?parent', '?child', '?v')} }} }}")
        added[f.predicate] = int(next(store.select(count, graphs=WHOLE))["n"].value)
    if added:
        store.optimize()
    return added


def missing_updated_days(store: Store) -> bool:
    """Records with a DateUpdated but no day of it at all: a store from before the days."""
    return (store.ask(f"ASK {{ ?s <{HMIS}DateUpdated> ?d }}", graphs=WHOLE)
            and not store.ask(f"ASK {{ ?s <{UPDATED_ON}> ?d }}", graphs=WHOLE))


def add_updated_days(store: Store) -> int:
    """Write the day of each record's DateUpdated beside it, a graph per transaction (one for
    the whole store would hold every new quad in memory); returns in how many graphs."""
    done = 0
    for graph in store.graph_names():
        where = f"GRAPH <{graph}> {{ ?s <{HMIS}DateUpdated> ?updated FILTER NOT EXISTS {{ ?s <{UPDATED_ON}> ?day }} }}"
        if store.ask(f"ASK {{ {where} }}", graphs=WHOLE):
            store.update(f"INSERT {{ GRAPH <{graph}> {{ ?s <{UPDATED_ON}> ?day }} }} WHERE {{ {where} "
                         f"BIND(STRDT(SUBSTR(STR(?updated), 1, 10), <{XSD}date>) AS ?day) }}")
            done += 1
    if done:
        store.optimize()
    return done


def missing_activity(store: Store) -> bool:
    """Live enrollments but no activity fact at all: a store from before the facts."""
    return (store.ask(f"ASK {{ ?project <{activity.IN_PROJECT}> ?e }}", graphs=WHOLE)
            and not store.ask(f"ASK {{ ?e <{activity.ACTIVE_UNTIL}> ?until }}", graphs=WHOLE))


def add_activity(store: Store) -> bool:
    """Write every live enrollment's activity fact (one transaction: a crash leaves none, and
    the next upgrade writes them all); whether any was missing."""
    if not missing_activity(store):
        return False
    store.update(activity.refresh_all())
    store.optimize()
    return True


def missing_derived_classes(store: Store) -> list[str]:
    """Derived classes some record is a member of while no record carries them, and open
    enrollments none is typed as: a store from before them (each is written in one transaction)."""
    missing = [d.iri for d in inference.derived_classes()
               if store.ask(f"ASK {{ {inference.pattern(d)} }}", graphs=WHOLE)
               and not store.ask(f"ASK {{ ?s <{RDF_TYPE}> <{d.iri}> }}", graphs=WHOLE)]
    if store.ask(f"ASK {{ ?project <{activity.IN_PROJECT}> ?e FILTER NOT EXISTS {{ ?e <{activity.EXIT_DATE}> ?x }} }}",
                 graphs=WHOLE) \
            and not store.ask(f"ASK {{ ?e <{RDF_TYPE}> <{inference.OPEN_ENROLLMENT}> }}", graphs=WHOLE):
        missing.append(inference.OPEN_ENROLLMENT)
    return missing


def add_derived_classes(store: Store) -> list[str]:
    """Type every record with the derived classes the store lacks (only adds); returns them."""
    missing = missing_derived_classes(store)
    by_iri = {d.iri: d for d in inference.derived_classes()}
    for iri in missing:
        store.update(activity.refresh_all() if iri == inference.OPEN_ENROLLMENT else
                     f"INSERT {{ GRAPH ?g {{ ?s <{RDF_TYPE}> <{iri}> }} }} WHERE {{ {inference.pattern(by_iri[iri])} }}")
    if missing:
        store.optimize()
    return missing


_CHAIN = f"GRAPH <{iris.PERSONS}> {{ ?a <{MERGED_INTO}> ?b . ?b <{MERGED_INTO}> ?c }}"


def chained_merges(store: Store) -> bool:
    """A merged person points at a person merged in turn."""
    return store.ask(f"ASK {{ {_CHAIN} }}", graphs=WHOLE)


def flatten_merges(store: Store) -> int:
    """Point every merged person at its final survivor; returns how many passes it took
    (each pass halves the longest chain)."""
    passes = 0
    while chained_merges(store):
        store.update(f"DELETE {{ GRAPH <{iris.PERSONS}> {{ ?a <{MERGED_INTO}> ?b }} }} "
                     f"INSERT {{ GRAPH <{iris.PERSONS}> {{ ?a <{MERGED_INTO}> ?c }} }} WHERE {{ {_CHAIN} }}")
        passes += 1
    return passes


def _dead_links(store: Store) -> Iterator[str]:
    """Patterns matching the parent -> child links to deleted records, a batch of deleted
    records at a time, for the batches that have such links. The deleted records are read
    first and the links are looked up from them: a single query began with the millions of
    links (25 s at 100k clients with no deleted record at all)."""
    deleted = [str(r["child"]) for r in store.select(
        f"SELECT DISTINCT ?child WHERE {{ ?child <{HMIS}DateDeleted> ?deleted }}", graphs=WHOLE)]
    links = ", ".join(f"<{p}>" for p in sorted(MODEL.down_links))
    for start in range(0, len(deleted), BATCH):
        where = (f"VALUES ?child {{ {' '.join(deleted[start:start + BATCH])} }} "
                 f"GRAPH ?g {{ ?parent ?down ?child }} FILTER(?down IN ({links}))")
        if store.ask(f"ASK {{ {where} }}", graphs=WHOLE):
            yield where


def dead_links(store: Store) -> bool:
    return next(_dead_links(store), None) is not None


def drop_dead_links(store: Store) -> bool:
    """Remove the parent -> child links to deleted records; whether there were any."""
    dropped = False
    for where in _dead_links(store):
        store.update(f"DELETE {{ GRAPH ?g {{ ?parent ?down ?child }} }} WHERE {{ {where} }}")
        dropped = True
    return dropped


_UNKEYED = f"GRAPH ?g {{ ?s <{CLIENT_ID}> ?id FILTER(?id = SUBSTR(SHA1(STR(?s)), 1, 20)) }}"


def unkeyed_client_ids(store: Store) -> bool:
    """A client record whose ClientID is the plain hash of its IRI (derived.legacy_client_id)."""
    return store.ask(f"ASK {{ {_UNKEYED} }}", graphs=WHOLE)


def key_client_ids(store: Store) -> int:
    """Give every client record its keyed ClientID, keeping the one it had as its former
    ClientID; a batch per transaction, and a rerun after a crash finishes the rest. Returns how
    many records were rekeyed."""
    key = client_id_key(store)
    done = 0
    while rows := list(store.select(f"SELECT ?s ?g ?id WHERE {{ {_UNKEYED} }} LIMIT {BATCH}", graphs=WHOLE)):
        updates = []
        for r in rows:
            s, g, old = str(r["s"]), str(r["g"]), r["id"]
            new = ox.Literal(client_id(r["s"].value, key))
            updates.append(f"DELETE DATA {{ GRAPH {g} {{ {s} <{CLIENT_ID}> {old} }} }} ; "
                           f"INSERT DATA {{ GRAPH {g} {{ {s} <{CLIENT_ID}> {new} . {s} <{FORMER_CLIENT_ID}> {old} }} }}")
        store.update(" ;\n".join(updates))
        done += len(rows)
    return done


def outdated(store: Store) -> bool:
    """The store lacks something this version writes, or holds what it no longer does."""
    return (needs_documents(store) or bool(missing_restated(store)) or missing_updated_days(store)
            or missing_activity(store) or chained_merges(store) or dead_links(store) or unkeyed_client_ids(store)
            or bool(missing_derived_classes(store)))
