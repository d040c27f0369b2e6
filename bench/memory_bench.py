"""Memory of audited reads: the process's RSS after 0, N, 2N and 4N page reads, with and without audit.

Each column runs in a fresh process: it builds a demo store of --clients clients on disk
(RocksDB, as `hmis-ld serve` uses), opens the app over it, and reads pages of clients by funder
(GET /api/v1/clients, 50 a page) through the Flask test client. Columns: reads without pii:read
(no audit entry), audited reads (pii:read: one audit entry per page), and audited reads on a
store that never flushes its memtables (as before the store flushed them every
`FLUSH_EVERY` quads). A plateau shows as an RSS ratio 4N/N near 1. Then the audit entry's
cost: quads per page read now and in the earlier form (typed, always naming the account),
and bytes on disk per page read after compaction. Last, why an entry keeps one quad per
person read: the trail's question "who saw this person" over this run's entries, answered from
those quads (an index) and from the same entries with the persons packed into one literal
(a scan of the trail), and the size of the same entries as JSON lines, as an append-only log
would hold them. With --trace, the Python heap that
tracemalloc sees is printed too, so growth can be split between Python objects and native
memory (RocksDB).

    python bench/memory_bench.py --clients 300 --reads 1000
    python bench/memory_bench.py --reads 500 --trace
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from statistics import median

import pyoxigraph as ox

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.audit import PROV
from hmis_ld.authz.tokens import Issuer
from hmis_ld.cli import load_demo
from hmis_ld.model import iris
from hmis_ld.model.schema import EXT
from hmis_ld.service.audit_trail import audit_entries
from hmis_ld.service.paging import Page
from hmis_ld.store import EmbeddedStore
from hmis_ld.store.embedded import FLUSH_EVERY

FUNDERS = (2, 3, 5, 21, 33, 35, 43)
PAGE = 50
MODES = {"unaudited": "no audit", "audited": "audited", "no-flush": "audited, no flush (before)"}
STEPS = (0, 1, 2, 4)  # checkpoints, in multiples of --reads


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def count(store: EmbeddedStore, where: str) -> int:
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}",
                        graphs=[iris.AUDIT])  # the audit graph alone, counted for the figures
    return int(next(rows)["n"].value)


def audit_counts(store: EmbeddedStore) -> tuple[int, int, int]:
    """Quads, entries, and entries that do not name their account (the earlier form always did)."""
    return (count(store, "?s ?p ?o"), count(store, f"?a <{PROV}startedAtTime> ?t"),
            count(store, f"?a <{PROV}startedAtTime> ?t OPTIONAL {{ ?a <{PROV}wasAssociatedWith> ?w }} "
                         "FILTER(!BOUND(?w))"))


def lookups(store: EmbeddedStore) -> dict[str, float]:
    """This run's read entries in two forms in one in-memory store, and the median time to find
    the entries that name one person in each: by its key quad, or by scanning packed literals."""
    rows = list(store.select(f"SELECT ?a (GROUP_CONCAT(?k) AS ?keys) WHERE {{ ?a <{EXT}recordKey> ?k }} GROUP BY ?a",
                             graphs=[iris.AUDIT]))  # the audit graph alone, copied for the comparison
    packed, indexed, graph = ox.Store(), ox.Store(), ox.NamedNode(iris.AUDIT)
    for row in rows:
        keys = row["keys"].value.split()
        packed.add(ox.Quad(row["a"], ox.NamedNode(EXT + "recordKeys"), ox.Literal(f" {' '.join(keys)} "), graph))
        indexed.extend(ox.Quad(row["a"], ox.NamedNode(EXT + "recordKey"), ox.Literal(k), graph) for k in keys)
    person = rows[0]["keys"].value.split()[0]
    queries = {"index": (indexed, f'SELECT ?a WHERE {{ GRAPH ?g {{ ?a <{EXT}recordKey> "{person}" }} }}'),
               "scan": (packed, f'SELECT ?a WHERE {{ GRAPH ?g {{ ?a <{EXT}recordKeys> ?k FILTER(CONTAINS(?k, " {person} ")) }} }}')}
    trail = audit_entries(store, Page(len(rows) + 100)).items
    times: dict[str, float] = {"entries": len(rows), "json": sum(len(json.dumps(e)) + 1 for e in trail) / len(trail)}
    for name, (target, query) in queries.items():
        runs = []
        for _ in range(20):
            started = time.perf_counter()
            found = len(list(target.query(query)))
            runs.append((time.perf_counter() - started) * 1000)
        times[name], times[f"{name} found"] = median(runs), found
    return times


def run(mode: str, clients: int, reads: int, trace: bool) -> dict[str, object]:
    """One column: RSS (and heap) at each checkpoint, and the audit graph's growth."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "store"
        load_demo(folder, clients, 2026)
        store = EmbeddedStore(folder, flush_every=0 if mode == "no-flush" else FLUSH_EVERY)
        app = create_app({"STORE": store, "REQUEST_LOG": str(Path(tmp) / "requests.log")})
        grants = {"all:read"} if mode == "unaudited" else {"all:read", "pii:read"}
        Accounts(store).add("bench")
        for grant in grants:
            Accounts(store).grant("bench", grant)
        token = Issuer(store, "hmis-ld", "hmis-ld-api").issue("bench", grants)
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        urls = [f"/api/v1/clients?Funder={f}&limit={PAGE}" for f in FUNDERS]
        for url in urls:  # warm up: caches, the first compilation of each query
            assert client.get(url).status_code == 200
        if trace:
            tracemalloc.start()
        before, disk = audit_counts(store), folder_mib(folder)
        rss, heap, done, started = [rss_mib()], [tracemalloc.get_traced_memory()[0] / 2**20], 0, time.perf_counter()
        for step in STEPS[1:]:
            while done < step * reads:
                response = client.get(urls[done % len(urls)])
                assert response.status_code == 200, response.status_code
                done += 1
            rss.append(rss_mib())
            heap.append(tracemalloc.get_traced_memory()[0] / 2**20)
        rate = done / (time.perf_counter() - started)
        after = audit_counts(store)
        lookup = lookups(store) if mode == "audited" else None
        store.close()
        reopened = EmbeddedStore(folder)
        reopened.optimize()
        reopened.close()
        quads, entries, unnamed = (a - b for a, b in zip(after, before, strict=True))
        return {"rss": rss, "heap": heap if trace else None, "rate": rate, "reads": done,
                "quads": quads, "earlier": quads + entries + unnamed,
                "entries": after[1] - before[1], "disk": (folder_mib(folder) - disk) * 2**20, "lookup": lookup}


def table(results: dict[str, dict], reads: int) -> None:
    print("| reads | " + " | ".join(MODES[m] for m in results) + " |")
    print("|---|" + "---|" * len(results))
    for i, step in enumerate(STEPS):
        cells = [f"{r['rss'][i]:.0f} MiB" + (f" (heap {r['heap'][i]:.1f})" if r["heap"] else "")
                 for r in results.values()]
        print(f"| {step * reads} | " + " | ".join(cells) + " |")
    print("| RSS 4N / N | " + " | ".join(f"{r['rss'][3] / r['rss'][1]:.2f}" for r in results.values()) + " |")
    print("| growth N..4N, KiB per read | " + " | ".join(
        f"{(r['rss'][3] - r['rss'][1]) * 1024 / (3 * reads):.2f}" for r in results.values()) + " |")
    print("| reads/s | " + " | ".join(f"{r['rate']:.0f}" for r in results.values()) + " |")
    audited = results.get("audited")
    if audited:
        n = audited["reads"]
        e, lookup = audited["entries"], audited["lookup"]
        print(f"\naudit: {e / n:.2f} entries per page read (pages without clients show no PII); per entry "
              f"{audited['quads'] / e:.1f} quads now, {audited['earlier'] / e:.1f} in the earlier form; "
              f"{audited['disk'] / e:.0f} bytes on disk per entry after compaction")
        print(f"who saw one person, over {lookup['entries']:.0f} entries: key quads (index) "
              f"{lookup['index']:.2f} ms, packed literal (scan) {lookup['scan']:.2f} ms, "
              f"{lookup['index found']:.0f} entries found by each; as JSON lines {lookup['json']:.0f} bytes per entry")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--reads", type=int, default=1000, help="N: page reads between the first checkpoints")
    parser.add_argument("--modes", default=",".join(MODES), help=f"columns, of {', '.join(MODES)}")
    parser.add_argument("--trace", action="store_true", help="tracemalloc: the Python heap at each checkpoint")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child, args.clients, args.reads, args.trace)))
        return
    print(f"{args.clients} demo clients, pages of {PAGE}, memtables flushed every {FLUSH_EVERY} quads "
          f"(no-flush: never); RSS of a fresh process per column")
    results = {}
    for mode in args.modes.split(","):
        command = [sys.executable, __file__, "--child", mode, "--clients", str(args.clients),
                   "--reads", str(args.reads), *(["--trace"] if args.trace else [])]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results[mode] = json.loads(out.strip().splitlines()[-1])
    table(results, args.reads)


if __name__ == "__main__":
    main()
