"""The embedded store flushes RocksDB's memtables in the background every so many written
quads (so a server's memory stays bounded under steady writes): nothing written is lost, and
closing waits for a flush under way, so the folder can be opened again at once."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from hmis_ld.store import EmbeddedStore

GRAPH = "urn:test:graph:flush"


def _quads(batch: int) -> list[ox.Quad]:
    subject = ox.NamedNode(f"urn:test:s{batch}")
    return [ox.Quad(subject, ox.NamedNode(f"urn:test:p{i}"), ox.Literal(str(i)), ox.NamedNode(GRAPH))
            for i in range(25)]


def _count(store: EmbeddedStore) -> int:
    return int(next(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graphs=[GRAPH]))["n"].value)


def test_writes_past_the_flush_threshold_are_all_kept_across_a_reopen(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store", flush_every=100)
    for batch in range(40):
        store.extend(_quads(batch))
        store.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:test:u{batch}> <urn:test:p> {batch} }} }}")
    assert _count(store) == 40 * 26
    store.close()
    reopened = EmbeddedStore(tmp_path / "store")
    assert _count(reopened) == 40 * 26
    reopened.close()
