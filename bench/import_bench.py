"""HMIS CSV import, re-import and export at 10k and 100k demo clients: prints numbers, asserts nothing.

For each client count it
  1. writes the deterministic demo export (`hmis_ld.demo.write_demo_csv`) into a temporary folder;
  2. imports it into a fresh on-disk store (the bulk path), in a child process of its own, so the
     peak memory printed is that of the import alone;
  3. imports the same export again into the same store (HUD's rule: nothing changes: each
     record's content hash equals the row's, so nothing is read whole or written);
  4. loads the imported store's quads into a new store with pyoxigraph's `bulk_extend` alone,
     the ceiling of the bulk path on this machine at this moment;
  5. exports the store as HMIS CSV.
It ends with a table and ratios taken in the same run: re-import against first import, the
import's quads/s against the raw load's, and 100k against 10k.

    python bench/import_bench.py                          # 10k and 100k, stores deleted afterwards
    python bench/import_bench.py --clients 10000          # one size
    python bench/import_bench.py --keep bench/.data       # keep bench/.data/store-10000, store-100000
    python bench/import_bench.py --keep bench/.data --reuse   # kept stores: re-import and export only
    python bench/import_bench.py --clients 2000 --profile /tmp/prof    # cProfile each step
    python bench/import_bench.py --no-raw                 # without step 4

Timings are wall-clock seconds measured inside the child (interpreter start-up excluded; the
store's open and close, which flushes RocksDB, included), with the child's CPU seconds (all its
threads) beside them: on a busy machine the CPU figure is the steadier one.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

REFERENCE_BULK_QUADS_PER_S = 290_000  # ARCHITECTURE.md, raw pyoxigraph bulk load
DEFAULT_CLIENTS = (10_000, 100_000)
SEED = 2026
MIB = 1024 * 1024


# --- what runs in the child processes ---------------------------------------------------------

def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # all threads of this process
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / MIB  # KiB on Linux, bytes on macOS


def _profiled(profile: str | None, fn, *args, **kwargs):
    if not profile:
        return fn(*args, **kwargs)
    import cProfile

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(fn, *args, **kwargs)
    finally:
        profiler.dump_stats(profile)


def _child_import(store_dir: str, csv_dir: str, profile: str | None, out) -> None:
    from hmis_ld.csv.importer import import_csv
    from hmis_ld.store import EmbeddedStore

    baseline = _peak_rss_mib()  # interpreter + model, before any row is read
    cpu = _cpu_seconds()
    started = time.perf_counter()
    store = EmbeddedStore(store_dir)
    report = _profiled(profile, import_csv, store, csv_dir, progress=False)
    store.close()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    peak = _peak_rss_mib()
    import pyoxigraph

    counting = pyoxigraph.Store(store_dir)  # untimed: how many quads the store really holds
    stored = len(counting)
    del counting
    totals = {k: sum(getattr(s, k) for s in report.files.values())
              for k in ("loaded", "updated", "unchanged", "skipped", "rejected")}
    out.send({
        "seconds": seconds, "cpu": cpu, "rows": report.rows, "quads": report.quads_written, "stored": stored,
        "warnings": len(report.warnings), "baseline_mib": baseline, "peak_mib": peak, **totals,
    })


def _child_export(store_dir: str, out_dir: str, profile: str | None, out) -> None:
    from hmis_ld.csv.exporter import export_csv
    from hmis_ld.store import EmbeddedStore

    cpu = _cpu_seconds()
    started = time.perf_counter()
    store = EmbeddedStore(store_dir)
    counts = _profiled(profile, export_csv, store, out_dir)
    store.close()
    seconds = time.perf_counter() - started
    out.send({"seconds": seconds, "cpu": _cpu_seconds() - cpu, "rows": sum(counts.values()),
              "peak_mib": _peak_rss_mib()})


def _child_raw_load(store_dir: str, target_dir: str, out) -> None:
    """The imported store's quads, streamed into an empty store by `bulk_extend`, as the import's bulk path
    hands them over (read from RocksDB instead of built from CSV)."""
    import pyoxigraph

    source = pyoxigraph.Store.read_only(store_dir)
    cpu = _cpu_seconds()
    started = time.perf_counter()
    target = pyoxigraph.Store(target_dir)
    target.bulk_extend(source.quads_for_pattern(None, None, None, None))
    target.flush()
    quads = len(target)
    del target
    out.send({"seconds": time.perf_counter() - started, "cpu": _cpu_seconds() - cpu, "quads": quads})


def _child_count(store_dir: str, out) -> None:
    import pyoxigraph

    store = pyoxigraph.Store(store_dir)
    out.send({"stored": len(store)})


def _in_child(target, *args) -> dict:
    """Run `target(*args, pipe)` in a fresh interpreter (spawn: nothing inherited, so its
    ru_maxrss is its own) and return what it sends back."""
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=target, args=(*args, send))
    process.start()
    send.close()
    try:
        result = receive.recv()
    except EOFError:
        result = None
    process.join()
    if process.exitcode != 0 or result is None:
        raise SystemExit(f"{target.__name__} failed in the child process (exit code {process.exitcode})")
    return result


# --- the parent ------------------------------------------------------------------------------

def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _fmt(n: float) -> str:
    return f"{n:,.0f}"


def run_one(n: int, keep: Path | None, profile: Path | None, reuse: bool = False, raw: bool = True) -> dict:
    from hmis_ld.demo import write_demo_csv

    def prof(step: str) -> str | None:
        return str(profile / f"{step}-{n}.pstats") if profile else None

    def timing(r: dict) -> str:
        return f"{r['seconds']:8.1f} s (CPU {r['cpu']:6.1f} s)"

    print(f"\n=== {n:,} clients ===", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"hmis-bench-{n}-") as tmp:
        work = Path(tmp)
        csv_dir = work / "csv"
        started = time.perf_counter()
        csv_rows = sum(write_demo_csv(csv_dir, n, seed=SEED).values())
        generate = time.perf_counter() - started
        print(f"demo CSV   {generate:8.1f} s                  {csv_rows:,} rows, "
              f"{_size(csv_dir) / MIB:,.0f} MiB", flush=True)

        store_dir = (keep / f"store-{n}") if keep else work / "store"
        if reuse and store_dir.exists():
            first = _in_child(_child_count, str(store_dir))
            size = _size(store_dir)
            print(f"import     reused {store_dir}: {first['stored']:,} quads, {size / MIB:,.0f} MiB", flush=True)
        else:
            if store_dir.exists():
                shutil.rmtree(store_dir)  # a fresh store: the import takes the bulk path
            first = _in_child(_child_import, str(store_dir), str(csv_dir), prof("import"))
            size = _size(store_dir)
            secs = first["seconds"]
            print(f"import     {timing(first)}   {first['rows']:,} rows ({_fmt(first['rows'] / secs)}/s), "
                  f"{first['quads']:,} quads written ({_fmt(first['quads'] / secs)}/s)", flush=True)
            print(f"           store holds {first['stored']:,} quads ({first['stored'] / n:.0f} per client), "
                  f"{size / MIB:,.0f} MiB on disk ({size / max(first['stored'], 1):.0f} bytes/quad); "
                  f"peak RSS {first['peak_mib']:,.0f} MiB (before reading: {first['baseline_mib']:,.0f})",
                  flush=True)
            if first["rejected"] or first["warnings"]:
                print(f"           {first['rejected']} rows rejected, {first['warnings']} warnings", flush=True)

        again = _in_child(_child_import, str(store_dir), str(csv_dir), prof("reimport"))
        print(f"re-import  {timing(again)}   {again['quads']:,} quads written; rows: "
              f"{again['unchanged']:,} unchanged, {again['loaded'] + again['updated']:,} loaded or updated, "
              f"{again['skipped']:,} skipped; peak RSS {again['peak_mib']:,.0f} MiB", flush=True)

        reference = None
        if raw:
            reference = _in_child(_child_raw_load, str(store_dir), str(work / "raw"))
            shutil.rmtree(work / "raw")
            print(f"raw load   {timing(reference)}   {reference['quads']:,} quads "
                  f"({_fmt(reference['quads'] / reference['seconds'])}/s, "
                  f"{_fmt(reference['quads'] / reference['cpu'])} per CPU second)", flush=True)

        exported = _in_child(_child_export, str(store_dir), str(work / "export"), prof("export"))
        print(f"export-csv {timing(exported)}   {exported['rows']:,} rows "
              f"({_fmt(exported['rows'] / exported['seconds'])}/s); peak RSS {exported['peak_mib']:,.0f} MiB",
              flush=True)
    if keep:
        print(f"kept       {store_dir}")
    if profile:
        print(f"profiles   {profile}/{{import,reimport,export}}-{n}.pstats")
    return {"n": n, "generate": generate, "csv_rows": csv_rows, "import": first, "size": size,
            "reimport": again, "raw": reference, "export": exported}


def summary(results: list[dict]) -> None:
    print("\n=== summary (seconds are wall-clock; CPU in brackets; - = import reused) ===")
    print(f"{'clients':>8} {'rows':>10} {'quads':>11} {'import s':>15} {'rows/s':>7} {'quads/s':>8} "
          f"{'disk MiB':>9} {'peak MiB':>9} {'q/client':>8} {'re-import s':>15} {'export s':>15}")
    for r in results:
        i, again, out = r["import"], r["reimport"], r["export"]
        if "seconds" in i:
            imported = (f"{i['seconds']:>7.1f} ({i['cpu']:>5.0f}) {_fmt(i['rows'] / i['seconds']):>7} "
                        f"{_fmt(i['quads'] / i['seconds']):>8} ")
            peak = f"{i['peak_mib']:>9,.0f}"
        else:
            imported, peak = f"{'-':>15} {'-':>7} {'-':>8} ", f"{'-':>9}"
        print(f"{r['n']:>8,} {r['csv_rows']:>10,} {i['stored']:>11,} {imported}{r['size'] / MIB:>9,.0f} {peak} "
              f"{i['stored'] / r['n']:>8.0f} {again['seconds']:>7.1f} ({again['cpu']:>5.0f}) "
              f"{out['seconds']:>7.1f} ({out['cpu']:>5.0f})")
    print("quads: in the store after the import; quads/s: quads the import wrote per wall-clock second")
    ratios_in_run(results)
    by_n = {r["n"]: r for r in results}
    if 10_000 in by_n and 100_000 in by_n:
        small, big = by_n[10_000], by_n[100_000]
        ratios = [("re-import time", lambda r: r["reimport"]["seconds"]),
                  ("re-import CPU", lambda r: r["reimport"]["cpu"]),
                  ("export time", lambda r: r["export"]["seconds"]),
                  ("export CPU", lambda r: r["export"]["cpu"]),
                  ("store size", lambda r: r["size"])]
        if "seconds" in small["import"] and "seconds" in big["import"]:
            ratios[:0] = [("import time", lambda r: r["import"]["seconds"]),
                          ("import CPU", lambda r: r["import"]["cpu"]),
                          ("import peak RSS", lambda r: r["import"]["peak_mib"])]
        for label, get in ratios:
            print(f"100k/10k {label:<16} {get(big) / get(small):5.1f}x (10x would be linear)")


def ratios_in_run(results: list[dict]) -> None:
    """Rates per wall-clock and per CPU second (the steadier one on a shared machine), with the
    ratios of figures taken in the same run: the bulk path against the raw load of its quads, the
    re-import of the same export against the first import."""
    print("\n=== the same run: bulk path against a raw load, re-import against import (wall / CPU) ===")
    print(f"{'clients':>8} {'import quads/s':>16} {'raw load quads/s':>18} {'import/raw':>11} "
          f"{'import s':>15} {'re-import s':>15} {'re-import/import':>17}")
    for r in results:
        i, again, raw = r["import"], r["reimport"], r["raw"]
        if "seconds" not in i:
            continue
        rates = (i["quads"] / i["seconds"], i["quads"] / i["cpu"])
        line = f"{r['n']:>8,} {_fmt(rates[0]):>7} / {_fmt(rates[1]):>7} "
        if raw:
            raw_rates = (raw["quads"] / raw["seconds"], raw["quads"] / raw["cpu"])
            line += (f"{_fmt(raw_rates[0]):>8} / {_fmt(raw_rates[1]):>7} "
                     f"{rates[0] / raw_rates[0]:>4.2f} / {rates[1] / raw_rates[1]:>4.2f} ")
        else:
            line += f"{'-':>18} {'-':>11} "
        line += (f"{i['seconds']:>7.1f} ({i['cpu']:>5.0f}) {again['seconds']:>7.1f} ({again['cpu']:>5.0f}) "
                 f"{again['seconds'] / i['seconds']:>8.2f} / {again['cpu'] / i['cpu']:>5.2f}")
        print(line)
    print(f"(ARCHITECTURE.md measured a raw bulk load at {REFERENCE_BULK_QUADS_PER_S:,} quads/s on an idle machine)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=list(DEFAULT_CLIENTS), metavar="N")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the stores as DIR/store-N for other benchmarks (replaced if present)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: a store already in DIR is not rebuilt; only re-import and export run")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="cProfile the three steps into DIR/{import,reimport,export}-N.pstats (slower)")
    parser.add_argument("--no-raw", action="store_true",
                        help="skip the raw bulk load of the imported quads (the bulk path's ceiling)")
    args = parser.parse_args(argv)
    for folder in (args.keep, args.profile):
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, seed {SEED}")
    if args.reuse and not args.keep:
        parser.error("--reuse needs --keep DIR")
    results = [run_one(n, args.keep, args.profile, args.reuse, not args.no_raw) for n in args.clients]
    summary(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
