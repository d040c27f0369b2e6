"""Reads a request runs beside its own: pyoxigraph lets go of the GIL while it evaluates a
query, so two reads that do not need each other's answers use both cores (pyoxigraph's Store
is safe across threads)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="hmis-ld-read")
