"""Storage backends behind one interface (`Store`)."""

from __future__ import annotations

import os
from pathlib import Path

from hmis_ld.store.base import EVERY_GRAPH, Dataset, Row, Store
from hmis_ld.store.embedded import EmbeddedStore

STORE_ENV = "HMIS_LD_STORE"
STORE_URL_ENV = "HMIS_LD_STORE_URL"
DEFAULT_STORE = "hmis-ld-store"


def store_path(explicit: str | Path | None) -> Path:
    """`--store`, else $HMIS_LD_STORE, else ./hmis-ld-store."""
    return Path(explicit or os.environ.get(STORE_ENV) or DEFAULT_STORE)


def open_store(path: str | Path | None, url: str | None = None) -> Store:
    """A SPARQL engine at `url` (else $HMIS_LD_STORE_URL) when one is given, else the
    embedded store in the folder `path`."""
    url = url or os.environ.get(STORE_URL_ENV)
    if url:
        from hmis_ld.store.remote import RemoteStore

        return RemoteStore(url)
    return EmbeddedStore(path)


__all__ = ["EVERY_GRAPH", "STORE_ENV", "STORE_URL_ENV", "Dataset", "EmbeddedStore", "Row", "Store", "open_store", "store_path"]
