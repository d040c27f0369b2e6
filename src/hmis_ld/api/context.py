"""Per-app services and the caller's access, looked up from the current Flask app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from hmis_ld.authz import Access
from hmis_ld.service.dedup import Deduplicator
from hmis_ld.service.identity import Identity
from hmis_ld.service.scenarios import Scenarios
from hmis_ld.service.writer import RecordWriter
from hmis_ld.store import Store

EXTENSION = "hmis_ld"


@dataclass
class Services:
    store: Store
    writer: RecordWriter
    scenarios: Scenarios
    identity: Identity
    dedup: Deduplicator


def services() -> Services:
    return current_app.extensions[EXTENSION]


def current_access() -> Access:
    """The authenticated caller's rights (set for every request by api.auth)."""
    return g.access
