"""Search keys written with each record, so lookups are exact-match index hits.

Oxigraph answers exact values in well under a millisecond at any size, while regex,
STRSTARTS and ranges scan. A client record therefore carries normalized name keys,
their short prefixes, the SSN's last four digits and the dedup blocking keys. They
derive from names, SSN and DOB, so they sit in the PII graph beside them and are hidden
wherever PII is. Its durable ClientID is not personal and sits in the record's graph.
Every record carries the day of its DateUpdated (`ext:updatedOn`), so the records changed
in a window are a lookup per day rather than a scan of every DateUpdated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping

import pyoxigraph as ox

from hmis_ld.dedup import blocking_keys
from hmis_ld.model.schema import EXT, Table
from hmis_ld.model.values import Value, date_literal

PREFIX_LENGTH = 4
NAME_KEYS = {"FirstName": "firstName", "LastName": "lastName"}
# The Client fields scenario 1 searches by: the key, the names (through their keys), DOB and SSN
# (also by its last four).
SEARCH_FIELDS = ("PersonalID", *NAME_KEYS, "DOB", "SSN")
SSN_LAST4 = EXT + "ssnLast4"
BLOCKING_KEY = EXT + "blockingKey"
CLIENT_ID = EXT + "clientID"
UPDATED_ON = EXT + "updatedOn"


def client_id(subject: str, key: bytes) -> str:
    """A client record's durable identifier: it never changes, whatever happens to its person.
    A record's IRI names its PersonalID and its project, so a plain hash of it would let
    anyone test whether a person is served by a project; keyed with the store's secret
    (model.identity.client_id_key), nobody can compute one."""
    if not key:
        raise ValueError("a ClientID needs the store's key (model.identity.client_id_key)")
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:20]


def legacy_client_id(subject: str) -> str:
    """The ClientID of stores written before ClientIDs were keyed (upgrade only)."""
    return hashlib.sha1(subject.encode()).hexdigest()[:20]


def name_key(name: str) -> str:
    """Case, accents, spaces and punctuation do not matter when people search for a name."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def key_iri(field: str) -> str:
    return f"{EXT}{NAME_KEYS[field]}Key"


def prefix_iri(field: str) -> str:
    return f"{EXT}{NAME_KEYS[field]}Prefix"


# Every predicate written here: lookup keys the server keeps for itself, never part of a record's
# representation (model.records.INTERNAL). The name keys and the blocking keys come from names,
# SSN and DOB (one blocking key is made of the whole SSN).
SEARCH_KEYS = frozenset({SSN_LAST4, BLOCKING_KEY, CLIENT_ID, UPDATED_ON,
                         *(key_iri(f) for f in NAME_KEYS), *(prefix_iri(f) for f in NAME_KEYS)})


def ssn_last4(ssn: str) -> str | None:
    tail = ssn[-4:]
    return tail if len(ssn) == 9 and tail.isdigit() else None


def derived_quads(table: Table, record: Mapping[str, Value], subject: ox.NamedNode, graph: ox.NamedNode,
                  pii_graph: ox.NamedNode, client_key: bytes) -> list[ox.Quad]:
    updated = record.get("DateUpdated")
    quads: list[ox.Quad] = []
    if isinstance(updated, dt.datetime):
        quads.append(ox.Quad(subject, ox.NamedNode(UPDATED_ON), date_literal(updated.date()), graph))
    if table.name != "Client":
        return quads
    quads.append(ox.Quad(subject, ox.NamedNode(CLIENT_ID), ox.Literal(client_id(subject.value, client_key)), graph))
    quads += [ox.Quad(subject, ox.NamedNode(BLOCKING_KEY), ox.Literal(key), pii_graph)
              for key in sorted(blocking_keys(record))]
    for field in NAME_KEYS:
        value = record.get(field)
        key = name_key(str(value)) if value is not None else ""
        if key:
            quads.append(ox.Quad(subject, ox.NamedNode(key_iri(field)), ox.Literal(key), pii_graph))
            for n in range(1, min(PREFIX_LENGTH, len(key)) + 1):
                quads.append(ox.Quad(subject, ox.NamedNode(prefix_iri(field)), ox.Literal(key[:n]), pii_graph))
    ssn = record.get("SSN")
    last4 = ssn_last4(str(ssn)) if ssn is not None else None
    if last4:
        quads.append(ox.Quad(subject, ox.NamedNode(SSN_LAST4), ox.Literal(last4), pii_graph))
    return quads
