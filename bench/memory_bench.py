"""Memory of audited reads: prints the process's RSS after each batch of audited PII page reads.

It builds a demo store of --clients clients on disk (RocksDB, as `hmis-ld serve` uses), opens
the app over it in this process, and reads pages of clients by funder (GET /api/v1/clients,
pii:read, 50 a page: one audit entry per page) through the Flask test client, batch after
batch. After each batch it prints RSS, the Python heap that tracemalloc sees (with --trace),
the quads in the audit graph and the store folder's size, so growth can be split between
Python objects and RocksDB's native memory. It ends with the cost of one audit entry:
quads per page read and on-disk bytes per page read (after a flush and compaction).

    python bench/memory_bench.py --clients 500 --batches 10 --batch 1000
    python bench/memory_bench.py --clients 500 --batches 5 --batch 1000 --trace   # + top Python growth
    python bench/memory_bench.py --unaudited      # the same reads without pii:read, for comparison
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.tokens import Issuer
from hmis_ld.cli import load_demo
from hmis_ld.model import iris
from hmis_ld.store import EmbeddedStore

FUNDERS = (2, 3, 5, 21, 33, 35, 43)
PAGE = 50


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def folder_mib(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def audit_quads(store: EmbeddedStore) -> int:
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                        graphs=[iris.AUDIT])  # the audit graph alone, counted for the figures
    return int(next(rows)["n"].value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1000, help="page reads per batch")
    parser.add_argument("--trace", action="store_true", help="tracemalloc: Python heap and its top growth")
    parser.add_argument("--unaudited", action="store_true", help="read without pii:read (no audit entry)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "store"
        load_demo(folder, args.clients, 2026)
        store = EmbeddedStore(folder)
        app = create_app({"STORE": store, "REQUEST_LOG": str(Path(tmp) / "requests.log")})
        grants = {"all:read"} if args.unaudited else {"all:read", "pii:read"}
        Accounts(store).add("bench")
        for grant in grants:
            Accounts(store).grant("bench", grant)
        token = Issuer(store, "hmis-ld", "hmis-ld-api").issue("bench", grants)
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        urls = [f"/api/v1/clients?Funder={f}&limit={PAGE}" for f in FUNDERS]
        for url in urls:  # warm up: caches, the first compilation of each query
            assert client.get(url).status_code == 200
        if args.trace:
            tracemalloc.start(10)
        before_rss, before_quads, before_disk = rss_mib(), audit_quads(store), folder_mib(folder)
        snapshot = tracemalloc.take_snapshot() if args.trace else None
        print(f"{args.clients} clients, {'unaudited' if args.unaudited else 'audited'} page reads of {PAGE}; "
              f"start: RSS {before_rss:.0f} MiB, audit quads {before_quads}, store {before_disk:.0f} MiB")
        print("reads\tRSS MiB\tKiB/read\theap MiB\taudit quads\tstore MiB\treads/s")
        done = 0
        for _ in range(args.batches):
            started = time.perf_counter()
            for n in range(args.batch):
                response = client.get(urls[n % len(urls)])
                assert response.status_code == 200, response.status_code
            rate = args.batch / (time.perf_counter() - started)
            done += args.batch
            rss = rss_mib()
            heap = f"{tracemalloc.get_traced_memory()[0] / 2**20:.1f}" if args.trace else "-"
            print(f"{done}\t{rss:.0f}\t{(rss - before_rss) * 1024 / done:.2f}\t{heap}\t{audit_quads(store)}\t"
                  f"{folder_mib(folder):.0f}\t{rate:.0f}", flush=True)
        if snapshot is not None:
            print("top Python growth (tracemalloc):")
            for stat in tracemalloc.take_snapshot().compare_to(snapshot, "traceback")[:5]:
                print(f"  {stat.size_diff / 1024:+.0f} KiB in {stat.count_diff:+d} blocks at "
                      f"{stat.traceback.format()[-1].strip()}")
        quads = audit_quads(store) - before_quads
        store.close()
        reopened = EmbeddedStore(folder)
        reopened.optimize()
        reopened.close()
        disk = folder_mib(folder) - before_disk
        print(f"audit cost: {quads / done:.1f} quads per page read, "
              f"{disk * 2**20 / done:.0f} bytes on disk per page read after compaction")


if __name__ == "__main__":
    main()
