"""Throughput of `hmis-ld serve` (req/s): embedded store, and remote store with 1, 2 and 4 workers.

For each client count it takes a demo store (`hmis-ld demo --clients N`, seed 2026, built into
DATA/demo-store-N when missing) and, per stack, serves a throwaway RocksDB checkpoint of it:

- `embedded`: `hmis-ld serve --store COPY` (gunicorn, one worker process, threads);
- `remote wN`: `oxigraph serve --location COPY --timeout-s 5` and `hmis-ld serve --store-url URL --workers N`.

A separate load process keeps `--concurrency` keep-alive connections (http.client, one thread
each) busy for `--seconds` per cell, after `--warmup` seconds, with three requests:

- `healthz`: GET /healthz, no token, no store: the ceiling of the web stack itself;
- `point`: GET /api/v1/clients/{PersonalID}, drawn from the store's clients;
- `point, no PII`: the same by a reader without `pii:read`: its reads write no audit entry, and
  its dataset is the list of every record graph rather than the union of all;
- `page`: GET /api/v1/clients?Funder=3&limit=50, a page of clients by funder.

The reader of `point` and `page` has `all:read pii:read`, so theirs are audited PII reads (each
writes its audit entry). Each line prints req/s, p50 and p99 (ms), non-2xx answers, the ratio to the
same stack's healthz, and the CPU the API processes, the store server and the load process
used (percent of one core), from /proc. The box's speed changes from minute to minute and
other work shares its cores: compare the ratios, which are taken minutes apart at most.

    python bench/serve_bench.py                          # 10k clients
    python bench/serve_bench.py --clients 10000 100000   # both (building 100k takes 15+ minutes)
    python bench/serve_bench.py --seconds 5 --stacks embedded "remote w4"
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from demo_store import BIN, DATA, SEED, checkpoint, pristine

READERS = {"serve-bench": {"all:read", "pii:read"}, "serve-bench-no-pii": {"all:read"}}
H = "urn:hud:hmis:owl#"
STACKS = {"embedded": 0, "remote w1": 1, "remote w2": 2, "remote w4": 4}  # workers; 0: the embedded store
ENDPOINTS = ("healthz", "point", "point, no PII", "page")
READER = {"point, no PII": "serve-bench-no-pii"}  # else serve-bench
# oxigraph serve 0.5 keeps a thread per query for --timeout-s seconds: at 30 s and this load it ran
# out of threads within a minute and every request failed (docs/deployment.md)
STORE_TIMEOUT_S = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (/proc/PID/stat, clock ticks)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


# --- the store ---------------------------------------------------------------------------------

def prepare(folder: Path, count: int) -> tuple[dict[str, str], list[str]]:
    """The readers' tokens and `count` PersonalIDs of clients, written into / read from the store."""
    from hmis_ld.authz.accounts import Accounts
    from hmis_ld.authz.tokens import Issuer
    from hmis_ld.store import EVERY_GRAPH, EmbeddedStore

    store = EmbeddedStore(folder)
    accounts, issuer, tokens = Accounts(store), Issuer(store, "hmis-ld", "hmis-ld-api"), {}
    for name, grants in READERS.items():
        accounts.add(name)
        for grant in grants:
            accounts.grant(name, grant)
        tokens[name] = issuer.issue(name, grants, lifetime=6 * 3600)
    # the bench draws parameters from every client record, as a system reader would
    rows = store.select(f"SELECT DISTINCT ?pid WHERE {{ ?c a <{H}Client> ; <{H}PersonalID> ?pid }}",
                        graphs=EVERY_GRAPH)
    pids = sorted(r["pid"].value for r in rows)
    store.close()
    random.Random(SEED).shuffle(pids)
    return tokens, pids[:count]


# --- the servers -------------------------------------------------------------------------------

class Stack:
    """An API server (and for a remote store its `oxigraph serve`) on a checkpoint of the store."""

    def __init__(self, folder: Path, workers: int, threads: int):
        self.port = free_port()
        self.store_server: subprocess.Popen | None = None
        env = {**os.environ, "HMIS_LD_REQUEST_LOG": str(folder.parent / f"{folder.name}.requests.log")}
        command = [str(BIN / "hmis-ld"), "serve", "--port", str(self.port), "--threads", str(threads)]
        if workers:
            store_port = free_port()
            self.store_server = subprocess.Popen(
                [str(BIN / "oxigraph"), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{store_port}",
                 "--timeout-s", str(STORE_TIMEOUT_S)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            command += ["--store-url", f"http://127.0.0.1:{store_port}", "--workers", str(workers)]
        else:
            command += ["--store", str(folder)]
        self.api = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait(workers or 1)

    def _wait(self, workers: int) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.api.poll() is not None:
                raise SystemExit(f"hmis-ld serve ended with status {self.api.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200 and len(children(self.api.pid)) >= workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("the server did not become ready in 180 s")

    def pids(self) -> tuple[list[int], list[int]]:
        """(API processes: gunicorn's master and workers, store server)."""
        store = [self.store_server.pid] if self.store_server else []
        return [self.api.pid, *children(self.api.pid)], store

    def stop(self) -> None:
        self.api.send_signal(signal.SIGTERM)
        self.api.wait(timeout=60)
        if self.store_server:
            self.store_server.terminate()
            self.store_server.wait(timeout=30)


# --- the load ----------------------------------------------------------------------------------

def load(port: int, paths: list[str], token: str, concurrency: int, warmup: float, seconds: float, out) -> None:
    """In the load process: `concurrency` threads, each on its own keep-alive connection,
    cycling through `paths` from its own offset; latencies of the timed window only."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    start = time.monotonic() + warmup
    end = start + seconds
    latencies: list[float] = []
    statuses: Counter = Counter()
    lock = threading.Lock()

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, codes, i = [], Counter(), offset
        while True:
            t0 = time.monotonic()
            if t0 >= end:
                break
            try:
                conn.request("GET", paths[i % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            t1 = time.monotonic()
            if t0 >= start:
                mine.append(t1 - t0)
                codes[status] += 1
            i += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=worker, args=(k * 7919,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    while time.monotonic() < start:
        time.sleep(0.01)
    out.send("timed")  # the timed window starts: the parent reads the servers' CPU now
    cpu_timed0 = time.process_time()
    for t in threads:
        t.join()
    out.send((latencies, dict(statuses), time.process_time() - cpu_timed0))


@dataclass
class Cell:
    rps: float
    p50: float
    p99: float
    bad: int
    statuses: dict[int, int]  # every status seen (0: no answer)
    api_cpu: float  # percent of one core over the timed window
    store_cpu: float
    load_cpu: float


def measure(stack: Stack, paths: list[str], token: str, args: argparse.Namespace) -> Cell:
    here, there = mp.get_context("spawn").Pipe()
    process = mp.get_context("spawn").Process(
        target=load, args=(stack.port, paths, token, args.concurrency, args.warmup, args.seconds, there))
    process.start()
    assert here.recv() == "timed"
    api, store = stack.pids()
    api0, store0, t0 = cpu_seconds(api), cpu_seconds(store), time.monotonic()
    latencies, statuses, load_cpu = here.recv()
    elapsed = time.monotonic() - t0
    api1, store1 = cpu_seconds(api), cpu_seconds(store)
    process.join()
    latencies.sort()
    ok = sum(count for status, count in statuses.items() if 200 <= status < 300)
    return Cell(rps=ok / args.seconds, p50=1000 * latencies[len(latencies) // 2] if latencies else float("nan"),
                p99=1000 * latencies[int(len(latencies) * 0.99)] if latencies else float("nan"),
                bad=sum(statuses.values()) - ok, statuses=statuses,
                api_cpu=100 * (api1 - api0) / elapsed, store_cpu=100 * (store1 - store0) / elapsed,
                load_cpu=100 * load_cpu / elapsed)


def run_size(n: int, args: argparse.Namespace) -> dict[tuple[str, str], Cell]:
    source = pristine(args.data, n)
    work = args.data / f"serve-bench-work-{n}"
    checkpoint(source, work)
    tokens, pids = prepare(work, 500)
    points = [f"/api/v1/clients/{p}" for p in pids]
    paths = {"healthz": ["/healthz"], "point": points, "point, no PII": points,
             "page": ["/api/v1/clients?Funder=3&limit=50"]}
    results = {}
    try:
        for name in args.stacks:
            copy = args.data / f"serve-bench-{n}-{name.replace(' ', '-')}"
            checkpoint(work, copy)
            started = time.perf_counter()
            stack = Stack(copy, STACKS[name], args.threads)
            print(f"{n:,} clients, {name}: ready in {time.perf_counter() - started:.1f} s", flush=True)
            try:
                for endpoint in ENDPOINTS:
                    cell = measure(stack, paths[endpoint], tokens[READER.get(endpoint, "serve-bench")], args)
                    results[(name, endpoint)] = cell
                    print(f"  {endpoint:14} {cell.rps:8.1f} req/s  p50 {cell.p50:6.1f} ms  p99 {cell.p99:6.1f} ms  "
                          f"statuses {dict(sorted(cell.statuses.items()))}", flush=True)
            finally:
                stack.stop()
                shutil.rmtree(copy, ignore_errors=True)
                copy.with_name(copy.name + ".requests.log").unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def report(n: int, results: dict[tuple[str, str], Cell], args: argparse.Namespace) -> None:
    print(f"\n### {n:,} clients: {args.seconds:g} s per cell, {args.concurrency} connections, "
          f"{args.threads} threads per worker\n")
    print("| stack | request | req/s | / healthz | p50 ms | p99 ms | non-2xx | API cpu % | store cpu % | load cpu % |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in args.stacks:
        ceiling = results[(name, "healthz")].rps
        for endpoint in ENDPOINTS:
            c = results[(name, endpoint)]
            store_cpu = f"{c.store_cpu:.0f}" if STACKS[name] else "-"
            print(f"| {name} | {endpoint} | {c.rps:.0f} | {c.rps / ceiling:.3f} | {c.p50:.1f} | {c.p99:.1f} | "
                  f"{c.bad} | {c.api_cpu:.0f} | {store_cpu} | {c.load_cpu:.0f} |")
    print("\n| request | " + " | ".join(f"{name} / embedded" for name in args.stacks if name != "embedded") + " |")
    print("|---|" + "---|" * (len(args.stacks) - 1))
    if "embedded" in args.stacks:
        for endpoint in ENDPOINTS:
            base = results[("embedded", endpoint)].rps
            print(f"| {endpoint} | " + " | ".join(f"{results[(name, endpoint)].rps / base:.2f}"
                                                 for name in args.stacks if name != "embedded") + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10_000])
    parser.add_argument("--stacks", nargs="+", default=list(STACKS), choices=list(STACKS))
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per cell")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16, help="connections the load process keeps busy")
    parser.add_argument("--threads", type=int, default=8, help="threads per API worker")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores", flush=True)
    for n in args.clients:
        report(n, run_size(n, args), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
