"""Storage backends behind one interface (`Store`)."""

from __future__ import annotations

import os
from pathlib import Path

from hmis_ld.store.base import EVERY_GRAPH, Dataset, Row, Store
from hmis_ld.store.embedded import EmbeddedStore

STORE_ENV = "HMIS_LD_STORE"
DEFAULT_STORE = "hmis-ld-store"


def store_path(explicit: str | Path | None) -> Path:
    """`--store`, else $HMIS_LD_STORE, else ./hmis-ld-store."""
    return Path(explicit or os.environ.get(STORE_ENV) or DEFAULT_STORE)


def open_store(path: str | Path | None) -> Store:
    return EmbeddedStore(path)


__all__ = ["EVERY_GRAPH", "STORE_ENV", "Dataset", "EmbeddedStore", "Row", "Store", "open_store", "store_path"]
