"""Read records through the caller's dataset.

Every read runs on `access.dataset(store)` (a lookup by key on `access.lookup_dataset`), so
a record the caller may not see is exactly as absent as one that does not exist. Writes are
service.writer's, the parsing of request bodies service.body's.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from hmis_ld.authz import Access
from hmis_ld.model import HMIS, MODEL, Table, iris
from hmis_ld.model.records import FIELDS, RELABELLED, record_from_documents
from hmis_ld.model.schema import RDF_TYPE
from hmis_ld.model.values import Value, format_json
from hmis_ld.service.concurrency import in_halves
from hmis_ld.service.identity import resolve_with_records
from hmis_ld.service.paging import Page, PageOf, paged
from hmis_ld.service.problems import NotFound
from hmis_ld.store import Row, Store

CLIENT = MODEL.tables["Client"]


@dataclass
class RecordView:
    """One record as the caller sees it. A person's client records merge into one view."""

    table: Table
    key: str
    record: dict[str, Value]
    subjects: list[tuple[str, str]] = field(default_factory=list)  # (subject, graph)
    primary: str = ""
    versions: dict[str, dict[str, Value]] = field(default_factory=dict)  # each client record's own fields

    @property
    def deleted(self) -> bool:
        return "DateDeleted" in self.record

    @property
    def etag(self) -> str:
        return etag_of(self.json())

    def json(self) -> dict[str, object]:
        return {name: format_json(value) for name, value in self.record.items()}


def etag_of(document: Mapping[str, object]) -> str:
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
    return f'"{digest[:32]}"'


def read_records(store: Store, table: Table, keys: list[str], access: Access) -> dict[str, RecordView]:
    """Views of several records by key. A PersonalID merged into another person answers
    with the surviving person (whose PersonalID the view carries)."""
    if not keys:
        return {}
    if table.name != "Client":
        return _views(table, _found_documents(store, table, _locate(store, table, keys, access), access))
    return client_views(store, keys, resolve_with_records(store, keys), access)


def client_views(store: Store, keys: list[str], resolution: tuple[dict[str, str], dict[str, str]],
                 access: Access, *, halves: bool = True) -> dict[str, RecordView]:
    """read_records for clients whose PersonalIDs are already resolved (resolve_with_records),
    so a page that also reads the persons' other records can resolve once and run both reads
    at the same time (with `halves` off: see in_halves)."""
    resolved, person_of = resolution
    views = _views(CLIENT, _client_documents(store, person_of, access, halves=halves))
    return {k: views[resolved[k]] for k in keys if resolved[k] in views}


def read_found(store: Store, table: Table, found: Mapping[str, str], access: Access, *,
               graphs: Mapping[str, str] | None = None) -> dict[str, RecordView]:
    """Views of records a template found in the caller's dataset, by subject (subject -> key):
    their documents alone, two lookups fewer per record than by key (a page of 50 projects at
    100k clients: 3.2 -> 1.0 ms). A client-level record's graph comes in `graphs` (subject ->
    graph); a directory record's is its table's. Not for clients, whose views merge a
    person's records."""
    if table.name == "Client":
        raise ValueError("client views are read by PersonalID (read_records)")
    if not found:
        return {}
    located = {s: (k, graphs[s] if graphs is not None else iris.system_graph(table.scope)) for s, k in found.items()}
    return _views(table, _found_documents(store, table, located, access))


def records_by_subject(store: Store, table: Table, graphs: Mapping[str, str], access: Access
                       ) -> dict[str, dict[str, Value]]:
    """Records by subject IRI (subject -> its graph), for templates that find records rather than keys."""
    if not graphs:
        return {}
    views = _views(table, _found_documents(store, table, {s: (s, g) for s, g in graphs.items()}, access))
    return {view.primary: view.record for view in views.values()}


# (key, subject, graph, document, PersonalID) per graph a record may be read in
_Document = tuple[str, str, str, str, str | None]


def key_lookup(table: Table) -> str:
    """The pattern binding ?s to the record of table whose key is ?key, and ?g to its graph.
    Comparing the type after the key lookup keeps the key the starting point (a constant class
    would be planned first and scanned). A key is also on every record that links to its
    record (a ProjectID on each enrollment), so a directory record is looked up in its own graph."""
    graph = "?g" if table.scope == "project" else f"<{iris.system_graph(table.scope)}>"
    return f"GRAPH {graph} {{ ?s <{table.key_field.iri}> ?key ; <{RDF_TYPE}> ?type FILTER(?type = <{table.cls}>) }}"


def _locate(store: Store, table: Table, keys: list[str], access: Access) -> dict[str, tuple[str, str]]:
    """Where the records with these keys are (subject -> (key, graph)) among the graphs the
    caller may look in (Access.lookup_dataset): a record they may not see is not located, as a
    missing one is not. The documents are then read through the caller's dataset with each
    graph named: one lookup each, where a pattern in a dataset of many graphs is looked up in
    each of them."""
    values = " ".join(str(ox.Literal(k)) for k in keys)
    rows = store.select(f"SELECT ?key ?s ?g WHERE {{ VALUES ?key {{ {values} }} {key_lookup(table)} }}",
                        graphs=access.lookup_dataset(store))
    system = None if table.scope == "project" else iris.system_graph(table.scope)
    return {r["s"].value: (r["key"].value, system or r["g"].value) for r in rows}


def _found_documents(store: Store, table: Table, located: Mapping[str, tuple[str, str]], access: Access, *,
                     client_views: bool = False, halves: bool = True) -> list[_Document]:
    """Documents of records already located (subject -> (key, graph)), in the graphs of the
    caller's dataset among the record's graph and its PII graph. The query names each graph (in
    a dataset that lists 670 graphs, a pattern in an unnamed graph is 670 lookups), and runs on
    those of them the caller may read, unless the dataset is the union of all graphs, where one
    lookup finds both documents. It binds each row's position in a list and returns that instead
    of subject or graph: decoding an IRI out of the store's dictionary costs about as much as
    the lookup that found it (the 154 client documents of a page of 50 at 100k clients: 3.8 ->
    3.0 ms). For client views the key is the PersonalID, so it is not read either. The query
    runs even when nothing was located, so a missing record and a hidden one take the same
    steps. Many documents are read in two halves at once (in_halves; project clients at 100k:
    1 to 1.9 ms less)."""
    union = access.union
    places = [(s, g) for s in sorted(located)
              for g in ((located[s][1],) if union else document_graphs(table, located[s][1]))]
    dataset = access.dataset(store, within=[g for _, g in places])
    if not union:  # a hidden record's documents are not asked for, exactly as a missing one's are not
        readable = set(dataset)
        places = [(s, g) for s, g in places if g in readable]
    # an OPTIONAL inside GRAPH ?g would be evaluated on its own, in every graph (seconds)
    personal_id = f"OPTIONAL {{ GRAPH ?g {{ ?s <{HMIS}PersonalID> ?pid }} }}" \
        if not client_views and RELABELLED in table.by_name else ""

    def select(part: Sequence[int]) -> list[Row]:
        rows = " ".join(f"(<{places[n][0]}> {'' if union else f'<{places[n][1]}> '}{n})" for n in part)
        return list(store.select(f"SELECT ?n ?doc ?pid WHERE {{ VALUES (?s {'' if union else '?g '}?n) "
                                 f"{{ {rows} }} GRAPH ?g {{ ?s <{FIELDS}> ?doc }} {personal_id} }}", graphs=dataset))

    documents = []
    for r in in_halves(range(len(places)), select, halves=halves):
        subject, graph = places[int(r["n"].value)]
        key = located[subject][0]
        personal_id_value = key if client_views else (r["pid"].value if "pid" in r else None)
        documents.append((key, subject, graph, r["doc"].value, personal_id_value))
    return documents


def document_graphs(table: Table, graph: str) -> tuple[str, ...]:
    """The graphs a record's triples and documents are in: its own, and its PII graph if it
    has PII fields."""
    return (graph, iris.pii_graph(graph)) if table.has_pii else (graph,)


def _client_documents(store: Store, person_of: dict[str, str], access: Access, *, halves: bool = True
                      ) -> list[_Document]:
    """A person's client records come from the persons graph (a system lookup: PersonalID is
    on every record of the person, the link only on client records); their documents then
    come from the caller's dataset, each from the graph its IRI names."""
    located = {s: (pid, iris.client_record_graph(s)) for s, pid in person_of.items()}
    return _found_documents(store, CLIENT, located, access, client_views=True, halves=halves)


def _views(table: Table, documents: list[_Document]) -> dict[str, RecordView]:
    texts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    graphs: dict[str, str] = {}
    personal_ids: dict[str, str | None] = {}
    for key, subject, graph, document, personal_id in documents:
        texts[key][subject].append(document)
        if personal_id is not None or subject not in personal_ids:  # PersonalID is in the record's own graph
            personal_ids[subject] = personal_id
        if not graph.endswith(iris.PII_SUFFIX):
            graphs[subject] = graph
    views = {}
    for key, by_subject in texts.items():
        records = {s: record_from_documents(table, docs, personal_ids[s]) for s, docs in by_subject.items()}
        primary = max(sorted(records), key=lambda s: str(records[s].get("DateUpdated", "")))
        views[key] = RecordView(table, key, records[primary], sorted((s, graphs[s]) for s in records), primary, records)
    return views


def read_record(store: Store, table: Table, key: str, access: Access, *, include_deleted: bool = False
                ) -> RecordView:
    view = read_records(store, table, [key], access).get(key)
    if view is None or (view.deleted and not include_deleted):
        raise NotFound(table.name, key)
    return view


def list_records(store: Store, table: Table, access: Access, page: Page) -> PageOf:
    """A page of a table's records that are not deleted. Once the type has found a record in a
    graph, its other patterns name that graph (see _found_documents)."""
    sparql = (
        f"SELECT DISTINCT ?key WHERE {{ GRAPH ?g {{ ?s <{RDF_TYPE}> <{table.cls}> ; <{table.key_field.iri}> ?key }} "
        f"OPTIONAL {{ GRAPH ?g {{ ?s <{HMIS}DateDeleted> ?deleted }} }} FILTER(!BOUND(?deleted)) }}" + page.clause()
    )
    result = paged([r["key"].value for r in store.select(sparql, graphs=access.dataset(store))], page)
    views = read_records(store, table, result.items, access)
    return PageOf([views[k] for k in result.items if k in views], result.next_offset)
