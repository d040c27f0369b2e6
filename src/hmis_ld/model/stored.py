"""Look up records already in the store (by source and key) and their quads.

Keys are the source HMIS's own (often small numbers), so two sources share them: a lookup
names its source, and finds only the records that source's imports made (model.iris)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld.model import iris
from hmis_ld.model.content_hash import CONTENT_HASH
from hmis_ld.model.inference import OPEN_ENROLLMENT
from hmis_ld.model.schema import HMIS, MODEL, RDF_TYPE, Table
from hmis_ld.store import EVERY_GRAPH, Store

WHOLE = EVERY_GRAPH  # an import places and replaces records wherever they are


@dataclass(frozen=True)
class StoredRecord:
    """`content_hash`: None when a write other than an import made it (model.content_hash).
    `personal_id`: a merge relabels it in place, leaving the hash as it was."""

    subject: str
    graph: str
    date_updated: dt.datetime | None
    content_hash: str | None = None
    personal_id: str | None = None


def _literals(keys: Sequence[str]) -> str:
    return " ".join(str(ox.Literal(k)) for k in keys)


def existing_records(store: Store, table: Table, keys: Sequence[str], source: str) -> dict[str, list[StoredRecord]]:
    """Stored versions of `source`'s records by key (a person has one client record per owning
    graph), with what an import compares: DateUpdated, content hash, PersonalID. A record's IRI
    follows from its source and key, so it is looked up by IRI; a client record's also names its
    graph, so those are found by PersonalID (which every record of the person carries: some 25
    index hits a key instead of one) and kept when their IRI is the source's."""
    hash_graph = "?pii" if table.has_pii else "?g"  # beside the record's personal data (content_hash)
    relabelled = f"OPTIONAL {{ GRAPH ?g {{ ?s <{HMIS}PersonalID> ?pid }} }} " if table.key != "PersonalID" and "PersonalID" in table.by_name else ""
    if table.name == "Client":
        prefix = ox.Literal(iris.record_prefix(source, table.name))
        found = (f"VALUES ?key {{ {_literals(keys)} }} GRAPH ?g {{ ?s <{table.key_field.iri}> ?key . "
                 f"?s <{RDF_TYPE}> <{table.cls}> }} FILTER(STRSTARTS(STR(?s), {prefix})) ")
    else:
        pairs = " ".join(f"({ox.Literal(k)} <{iris.record_iri(source, table.name, k)}>)" for k in keys)
        found = f"VALUES (?key ?s) {{ {pairs} }} GRAPH ?g {{ ?s <{RDF_TYPE}> <{table.cls}> }} "
    sparql = (
        f"SELECT ?key ?s ?g ?du ?h ?pid WHERE {{ {found}"
        f"OPTIONAL {{ GRAPH ?g {{ ?s <{HMIS}DateUpdated> ?du }} }} "
        f"OPTIONAL {{ GRAPH {hash_graph} {{ ?s <{CONTENT_HASH}> ?h }} }} {relabelled}}}"
    )
    found: dict[str, list[StoredRecord]] = defaultdict(list)
    for row in store.select(sparql, graphs=WHOLE):
        du, h, pid = row.get("du"), row.get("h"), row.get("pid")
        found[row["key"].value].append(StoredRecord(
            row["s"].value, row["g"].value, dt.datetime.fromisoformat(du.value) if du else None,
            h.value if h else None, pid.value if pid else None))
    return found


def load_records(store: Store, subjects: Sequence[str]) -> dict[str, list[ox.Quad]]:
    """Every quad that belongs to each record: its own, HUD's parent -> child link to it, and
    the fields it restates on its parent (a restated value shared with a sibling counts for
    both). Not an enrollment's OpenEnrollment type: a fact of two records, which the refresh after
    each write maintains (model.activity), like its activeUntil."""
    if not subjects:
        return {}
    ownership = MODEL.ownership
    values = " ".join(f"<{s}>" for s in subjects)
    inbound = " ".join(f"<{p}>" for p in sorted(ownership.inbound))
    skipped = ", ".join(f"<{p}>" for p in sorted(ownership.not_own))
    sparql = (
        f"SELECT ?r ?s ?p ?o ?g WHERE {{ VALUES ?r {{ {values} }} "
        f"{{ GRAPH ?g {{ ?r ?p ?o }} FILTER(?p NOT IN ({skipped}) && ?o != <{OPEN_ENROLLMENT}>) BIND(?r AS ?s) }} UNION "
        f"{{ VALUES ?p {{ {inbound} }} GRAPH ?g {{ ?s ?p ?r }} BIND(?r AS ?o) }} }}"
    )
    out: dict[str, list[ox.Quad]] = defaultdict(list)
    for row in store.select(sparql, graphs=WHOLE):
        out[row["r"].value].append(ox.Quad(row["s"], row["p"], row["o"], row["g"]))
    for f in ownership.facts:  # a query of its own: as a third UNION branch it cost four times as much
        predicate = ox.NamedNode(f.predicate)
        restated = (f"SELECT ?r ?s ?o ?g WHERE {{ VALUES ?r {{ {values} }} "
                    f"GRAPH ?g {{ {f.live_child('?s', '?r', '?o')} ?s <{f.predicate}> ?o }} }}")
        for row in store.select(restated, graphs=WHOLE):
            out[row["r"].value].append(ox.Quad(row["s"], predicate, row["o"], row["g"]))
    return out


# Persons above which enrollment_graphs reads every enrollment once rather than each person's:
# by PersonalID a person costs about 1 ms (every record of the person carries it), a scan about
# 11 us an enrollment (20k clients: 20k persons 19 s by PersonalID, every enrollment 0.3 s).
SCAN_ABOVE = 1000


def enrollment_graphs(store: Store, personal_ids: Sequence[str], source: str) -> dict[str, set[str]]:
    """The graphs of each person's stored enrollments from `source`."""
    if not personal_ids:
        return {}
    asked = set(personal_ids)
    scan = len(asked) > SCAN_ABOVE
    prefix = ox.Literal(iris.record_prefix(source, "Enrollment"))
    sparql = (
        f"SELECT ?pid ?g WHERE {{ {'' if scan else f'VALUES ?pid {{ {_literals(sorted(asked))} }} '}"
        f"GRAPH ?g {{ ?e <{HMIS}PersonalID> ?pid . ?e <{RDF_TYPE}> <{MODEL.tables['Enrollment'].cls}> }} "
        f"FILTER(STRSTARTS(STR(?e), {prefix})) }}"
    )
    out: dict[str, set[str]] = defaultdict(set)
    for row in store.select(sparql, graphs=WHOLE):
        if row["pid"].value in asked:
            out[row["pid"].value].add(row["g"].value)
    return out
