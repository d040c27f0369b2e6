"""A record's content hash, written by imports, so that re-importing an unchanged record is
one comparison instead of reading every quad it owns.

The hash covers what decides the record's quads: its table, where it is placed (source
and graph, which make its IRI with its key) and its field values as imported. The quads
follow from those by code (`records.record_quads`), so FORMAT names that code's version:
change it when the same fields give other quads, and the next import rewrites every record.
It is keyed with the store's secret (`identity.client_id_key`), like ClientIDs, so that a
reader cannot test guesses of the fields (an SSN) against it; it sits beside the record's
personal data when the table has any, in the PII graph, so no one learns from it that a
hidden field changed. Any other write of the record (the API's, which rewrites all its
quads) removes it, and the next import compares that record's quads instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from functools import cache

import pyoxigraph as ox

from hmis_ld.model import iris
from hmis_ld.model.schema import EXT, Table
from hmis_ld.model.values import Value

CONTENT_HASH = EXT + "contentHash"
FORMAT = b"hmis-ld record quads 1"
_PREDICATE = ox.NamedNode(CONTENT_HASH)
_PERSON = b"content-hash"  # blake2b's domain separation: the key also keys ClientIDs


def _text(value: Value) -> str:
    """One text per value: equal decimals (12.5, 12.50) are equal here as in the store."""
    return str(value.normalize()) if isinstance(value, Decimal) else str(value)


def content_hash(table: Table, record: Mapping[str, Value], source: str, graph: str, key: bytes) -> str:
    fields = "\x1e".join(f"{name}\x1f{_text(value)}" for name in _names(table)
                          if (value := record.get(name)) is not None)
    digest = hashlib.blake2b(key=key, digest_size=16, person=_PERSON)
    digest.update(b"\x1f".join([FORMAT, table.name.encode(), source.encode(), graph.encode(), fields.encode()]))
    return digest.hexdigest()


@cache
def _names(table: Table) -> tuple[str, ...]:
    return tuple(f.name for f in table.fields)


def hash_graph(table: Table, graph: str) -> str:
    return iris.pii_graph(graph) if table.has_pii else graph


def hash_quad(table: Table, subject: str, graph: str, value: str) -> ox.Quad:
    return ox.Quad(ox.NamedNode(subject), _PREDICATE, ox.Literal(value), ox.NamedNode(hash_graph(table, graph)))
