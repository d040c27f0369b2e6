"""Backup, restore and dump of a demo store: prints seconds, sizes and ratios, asserts nothing.

On a copy of a store folder (`--store PATH`; else a demo store of `--clients` is built, which
takes a while) it times, each step on its own:
  1. backup: Oxigraph's checkpoint of the embedded store (hard links beside the store);
  2. online backup through the API (POST /api/v1/admin/backup, the tar stream unpacked);
  3. point reads (a client document) while nothing else runs, and while online backups run
     back to back in another thread: what a backup costs the requests it runs beside;
  4. restore of the backup folder into a new folder (a file copy);
  5. dump as N-Quads (.nq and .nq.gz);
  6. restore of the dump into a new folder (bulk load and compaction);
  7. the dump into a real `oxigraph serve` through `restore --store-url` (Graph Store POSTs),
     and that engine's backup (one SELECT of every quad into store.nq).

    python bench/backup_bench.py --store bench/.data/demo-store-10000
    python bench/backup_bench.py --clients 2000
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

MB = 1e6


def _size(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / MB


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _cli(*args: str) -> None:
    from hmis_ld.cli import main

    if main(list(args)) != 0:
        raise SystemExit(f"hmis-ld {' '.join(args)} failed")


def _reads_during(client, pids: list[str], busy: Callable[[], object] | None, seconds: float = 5.0) -> list[float]:
    """Milliseconds of GET /api/v1/clients/{pid}, round robin, for `seconds`; `busy` runs back
    to back in another thread meanwhile."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            busy()

    worker = threading.Thread(target=loop) if busy else None
    if worker:
        worker.start()
    times, deadline, i = [], time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        started = time.perf_counter()
        assert client.get(f"/api/v1/clients/{pids[i % len(pids)]}").status_code == 200
        times.append((time.perf_counter() - started) * 1000)
        i += 1
    stop.set()
    if worker:
        worker.join()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a store folder to copy (left untouched)")
    parser.add_argument("--clients", type=int, default=2000, help="demo clients when no --store is given")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from backends import start_server
    from conftest import TESTER_GRANTS, signed_in

    from hmis_ld.api import create_app
    from hmis_ld.store import EmbeddedStore
    from hmis_ld.store.backup import backup, untar

    work = Path(tempfile.mkdtemp(prefix="backup-bench-"))
    try:
        store_dir = work / "store"
        if args.store:
            shutil.copytree(args.store, store_dir, ignore=shutil.ignore_patterns("LOCK"))
        else:
            _cli("demo", "--clients", str(args.clients), "--store", str(store_dir))
        rows: list[tuple[str, float, float]] = []  # step, seconds, MB
        store = EmbeddedStore(store_dir)
        app = create_app({"STORE": store})
        admin = signed_in(app, "bench-admin", TESTER_GRANTS)
        rows.append(("store folder", 0.0, _size(store_dir)))
        rows.append(("1 backup (checkpoint)", _timed(lambda: backup(store, work / "backup")), _size(work / "backup")))

        def online(target: Path) -> None:
            untar(io.BytesIO(admin.post("/api/v1/admin/backup").get_data()), target)

        rows.append(("2 online backup (API, tar)", _timed(lambda: online(work / "online")), _size(work / "online")))
        def online_and_drop() -> None:
            online(work / "during")
            shutil.rmtree(work / "during")

        pids = [r["PersonalID"] for r in admin.get("/api/v1/clients?limit=200").get_json()["clients"]]
        idle = _reads_during(admin, pids, None)
        during = _reads_during(admin, pids, online_and_drop)
        store.close()
        rows.append(("4 restore backup -> folder", _timed(lambda: _cli("restore", str(work / "backup"), "--store",
                                                                        str(work / "r1"))), _size(work / "r1")))
        rows.append(("5 dump .nq", _timed(lambda: _cli("dump", str(work / "all.nq"), "--store", str(store_dir))),
                     _size(work / "all.nq")))
        rows.append(("5 dump .nq.gz", _timed(lambda: _cli("dump", str(work / "all.nq.gz"), "--store",
                                                          str(store_dir))), _size(work / "all.nq.gz")))
        rows.append(("6 restore dump -> folder", _timed(lambda: _cli("restore", str(work / "all.nq"), "--store",
                                                                      str(work / "r2"))), _size(work / "r2")))
        with (work / "all.nq").open("rb") as dumped:
            quads = sum(1 for _ in dumped)
        url = start_server(work / "engine")
        rows.append(("7 restore dump -> oxigraph serve", _timed(lambda: _cli("restore", str(work / "all.nq"),
                                                                             "--store-url", url)), 0.0))
        rows.append(("7 backup of oxigraph serve", _timed(lambda: _cli("backup", str(work / "rb"), "--store-url",
                                                                       url)), _size(work / "rb")))

        print(f"\n{quads:,} quads ({args.store or f'{args.clients} demo clients'})\n")
        print("| step | seconds | MB | quads/s |\n|---|---:|---:|---:|")
        for step, seconds, size in rows:
            rate = f"{quads / seconds:,.0f}" if seconds else ""
            print(f"| {step} | {seconds:.2f} | {size:.1f} | {rate} |")
        p50_idle, p50_during = statistics.median(idle), statistics.median(during)
        print("\n| point read (GET /clients/{id}) | reads | p50 ms | p95 ms |\n|---|---:|---:|---:|")
        for name, times in (("idle", idle), ("during online backups", during)):
            print(f"| {name} | {len(times)} | {statistics.median(times):.2f} | "
                  f"{statistics.quantiles(times, n=20)[-1]:.2f} |")
        seconds = {step: s for step, s, _ in rows}
        print(f"\nratio p50 during online backups / idle: {p50_during / p50_idle:.2f}")
        print(f"ratio dump .nq / checkpoint seconds: {seconds['5 dump .nq'] / seconds['1 backup (checkpoint)']:.0f}")
        print(f"ratio restore dump / restore backup seconds: "
              f"{seconds['6 restore dump -> folder'] / seconds['4 restore backup -> folder']:.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
