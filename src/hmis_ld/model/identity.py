"""Persons (HMIS 5.08 PersonalID) and the client records linked to them.

Each client record points to its person in the persons graph; dedup and admins own
that link. An import links every record of a CSV PersonalID to one person.
"""

from __future__ import annotations

import secrets

import pyoxigraph as ox

from hmis_ld.model import iris
from hmis_ld.model.records import Placement
from hmis_ld.model.schema import EXT, HMIS, RDF_TYPE
from hmis_ld.store import Store

PERSON_CLASS = EXT + "Person"
PERSON_LINK = EXT + "person"
# A merged person points straight at its surviving person: a merge re-points the persons
# merged into the one it merges, so a PersonalID resolves in one hop (a path such as
# mergedInto+ cost 1.3 ms per page of 50 clients, with no merge in the store at all).
MERGED_INTO = EXT + "mergedInto"
CLIENT_ID_KEY = EXT + "clientIdKey"


def client_id_key(store: Store) -> bytes:
    """The store's secret for ClientIDs (derived.client_id), made on first use in the accounts
    graph, which no caller's dataset includes. Made by a conditional insert, so processes that
    start at once on a shared store agree on one key."""
    holder = f"<{iris.ACCOUNTS}>"
    read = f"SELECT ?k WHERE {{ GRAPH {holder} {{ {holder} <{CLIENT_ID_KEY}> ?k }} }}"
    rows = list(store.select(read, graphs=[iris.ACCOUNTS]))
    if not rows:
        fresh = ox.Literal(secrets.token_hex(32))
        store.update(f"INSERT {{ GRAPH {holder} {{ {holder} <{CLIENT_ID_KEY}> {fresh} }} }} WHERE {{ "
                     f"FILTER NOT EXISTS {{ GRAPH {holder} {{ {holder} <{CLIENT_ID_KEY}> ?k }} }} }}")
        rows = list(store.select(read, graphs=[iris.ACCOUNTS]))
    return bytes.fromhex(rows[0]["k"].value)


def person_link_quad(placement: Placement, personal_id: str, subject_iri: str | None = None) -> ox.Quad:
    """Belongs to the client record (`subject_iri` if it has one already, see record_quads):
    replaced with it."""
    record = ox.NamedNode(subject_iri or iris.client_record_iri(placement.source, personal_id, placement.graph))
    person = ox.NamedNode(iris.person_iri(placement.source, personal_id))
    return ox.Quad(record, ox.NamedNode(PERSON_LINK), person, ox.NamedNode(iris.PERSONS))


def person_quads(source: str, personal_id: str) -> list[ox.Quad]:
    """The person node itself; outlives any one of its client records."""
    person = ox.NamedNode(iris.person_iri(source, personal_id))
    graph = ox.NamedNode(iris.PERSONS)
    return [
        ox.Quad(person, ox.NamedNode(RDF_TYPE), ox.NamedNode(PERSON_CLASS), graph),
        ox.Quad(person, ox.NamedNode(HMIS + "PersonalID"), ox.Literal(personal_id), graph),
    ]
