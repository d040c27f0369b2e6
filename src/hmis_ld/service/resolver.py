"""What an IRI the API emits names, as the caller may see it.

Record IRIs stay URNs (model.iris); this resolver answers for them. It looks each one up
through the caller's dataset, exactly as a read of the record would: an IRI naming a record
the caller may not see, a deleted record or nothing at all are the same `NotFound`, so
resolving never tells that an IRI exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from hmis_ld.authz import Access
from hmis_ld.model import MODEL, iris
from hmis_ld.model.derived import client_id
from hmis_ld.service.client_records import read_client_record
from hmis_ld.service.identity import Identity
from hmis_ld.service.problems import NotFound
from hmis_ld.service.published import ontology_triples
from hmis_ld.service.records import read_record
from hmis_ld.store import Store

PROJECT = MODEL.tables["Project"]


@dataclass(frozen=True)
class Target:
    """What an IRI resolved to: a record of `table` by `key`, a client record by its ClientID,
    the directory, or a term of the published ontology."""

    kind: str  # record | client record | directory | ontology
    table: str = ""
    key: str = ""


@cache
def ontology_terms() -> frozenset[str]:
    return frozenset(t.subject.value for t in ontology_triples() if isinstance(t.subject, ox.NamedNode))


def resolve(iri: str, store: Store, identity: Identity, client_key: bytes, access: Access) -> Target:
    if iri in ontology_terms():
        return Target("ontology")
    if iri == iris.DIRECTORY:
        return Target("directory")
    if iri.startswith(iris.PROJECT_GRAPH_PREFIX):
        return _project_graph(iri, store, access)
    parsed = iris.parse_record(iri)
    if parsed is None or parsed[1] not in MODEL.tables or parsed[1] == "Export":
        raise _missing()
    table = MODEL.tables[parsed[1]]
    if table.name == "Client":
        cid = client_id(iri, client_key)
        try:
            read_client_record(identity, cid, access)
        except NotFound:
            raise _missing() from None
        return Target("client record", "Client", cid)
    try:
        view = read_record(store, table, parsed[2], access)
    except NotFound:
        raise _missing() from None
    if iri not in dict(view.subjects):  # the same key from another source
        raise _missing()
    return Target("record", table.name, view.key)


def _project_graph(graph: str, store: Store, access: Access) -> Target:
    """A project's graph (or its PII graph) resolves to the project, for callers who may read it."""
    record_graph = graph.removesuffix(iris.PII_SUFFIX)
    if not access.union and access.dataset(store, within=[graph]) != [graph]:
        raise _missing()
    project = iris.project_of_graph(record_graph)
    try:
        view = read_record(store, PROJECT, iris.project_id(project), access)
    except NotFound:
        raise _missing() from None
    if project not in dict(view.subjects):
        raise _missing()
    return Target("record", "Project", view.key)


def _missing() -> NotFound:
    return NotFound("resource")
