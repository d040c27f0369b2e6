"""A bulk load that runs beside the work making its quads.

An import spends about as long building quads in Python as the store spends loading them,
and both backends load without the GIL (the embedded one parses N-Quads text in Oxigraph, the
remote one waits on the network): so one thread loads a batch while the caller builds the
next. One batch in flight keeps memory at two batches; a failed load is raised to the caller
at its next call, and leaving the block waits for the last load."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Self

import pyoxigraph as ox

from hmis_ld.store.base import Store


class BackgroundLoad:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-load")
        self._pending: Future[None] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown()

    def load(self, quads: list[ox.Quad]) -> None:
        """Start loading `quads` once the previous batch is in."""
        self.wait()
        self._pending = self._pool.submit(self._store.bulk_load, quads)

    def wait(self) -> None:
        """Until every batch given is in the store."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()
