"""Reads during a live import: prints numbers, asserts nothing.

An in-memory store gets a demo export of N clients (seed 1), then the app serves it while an
administrator uploads a second demo export (seed 2: the same keys with other values, so most
rows update stored records, the heaviest case) through POST /api/v1/imports. One reader thread
reads, in turn, a client by PersonalID (GET /api/v1/clients/{id}: it shows names, so it is an
audited read, which writes its audit entry) and an enrollment by EnrollmentID (no personal data,
no write), for a fixed time before the upload, for as long as the job runs, and for the same
fixed time after it (the box's other load drifts: idle is measured on both sides). Printed per
kind of read: p50, p99 and reads/s idle and during the import with their ratios; and the job's
seconds against import_csv's own on a copy of the same store with no reader (the cost of the job
and of serving readers meanwhile). All in one process, as one gunicorn worker with threads would
run it.

    python bench/live_import_bench.py                  # 1,000 clients
    python bench/live_import_bench.py --clients 10000
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import pyoxigraph as ox

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.tokens import Issuer
from hmis_ld.csv.importer import import_csv
from hmis_ld.demo import write_demo_csv
from hmis_ld.store import EmbeddedStore

IDLE_SECONDS = 10.0
GRANTS = ("admin", "all:read", "pii:read")


def _reads(client, paths: dict[str, list[str]], stop: threading.Event | None, seconds: float
           ) -> dict[str, list[float]]:
    """Milliseconds of each read per kind, until `stop` is set (or for `seconds` without one)."""
    rng, took = random.Random(7), {kind: [] for kind in paths}
    end = time.monotonic() + seconds
    while (stop is None and time.monotonic() < end) or (stop is not None and not stop.is_set()):
        for kind, choices in paths.items():
            started = time.perf_counter()
            status = client.get(rng.choice(choices)).status_code
            took[kind].append((time.perf_counter() - started) * 1000)
            assert status == 200, status
    return took


def _figures(took: list[float], seconds: float) -> tuple[float, float, float]:
    """p50 ms, p99 ms, reads/s."""
    p99 = statistics.quantiles(took, n=100)[98] if len(took) >= 100 else max(took)
    return statistics.median(took), p99, len(took) / seconds


def _keys(path: Path, column: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        return [row[column] for row in csv.DictReader(f)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="live-import-bench-"))
    base, update = work / "base", work / "update"
    write_demo_csv(base, args.clients, seed=1)
    write_demo_csv(update, args.clients, seed=2)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(update.iterdir()):
            z.write(path, path.name)
    paths = {"client (audited)": [f"/api/v1/clients/{k}" for k in _keys(base / "Client.csv", "PersonalID")],
             "enrollment": [f"/api/v1/enrollments/{k}" for k in _keys(base / "Enrollment.csv", "EnrollmentID")]}

    store = EmbeddedStore()
    import_csv(store, base, progress=False)
    Accounts(store).add("bench")
    for grant in GRANTS:
        Accounts(store).grant("bench", grant)
    copy = EmbeddedStore()
    copy.bulk_load(ox.parse(store.dump_nquads(), format=ox.RdfFormat.N_QUADS))
    started = time.perf_counter()
    report = import_csv(copy, update, progress=False)
    direct = time.perf_counter() - started

    app = create_app({"STORE": store})
    client = app.test_client()
    token = Issuer(store, app.config["AUTH_ISSUER"], app.config["AUTH_AUDIENCE"]).issue("bench", set(GRANTS))
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    before = _reads(client, paths, None, IDLE_SECONDS)

    stop, during = threading.Event(), {}
    reader = threading.Thread(target=lambda: during.update(_reads(client, paths, stop, 0)))
    started = time.perf_counter()
    sent = client.post("/api/v1/imports", data=archive.getvalue(), content_type="application/zip")
    assert sent.status_code == 202, sent.get_json()
    reader.start()
    while (job := client.get(sent.headers["Location"]).get_json())["status"] not in ("done", "failed"):
        time.sleep(0.2)
    live = time.perf_counter() - started
    stop.set()
    reader.join()
    assert job["status"] == "done", job
    after = _reads(client, paths, None, IDLE_SECONDS)

    print(f"{args.clients} clients; the upload: {report.rows} rows, {report.quads_written} quads written")
    print(f"{'read':<18}{'when':<26}{'p50 ms':>9}{'p99 ms':>9}{'reads/s':>9}")
    for kind in paths:
        idle = _figures(before[kind] + after[kind], 2 * IDLE_SECONDS)
        busy = _figures(during[kind], live)
        for when, figures in (("idle (before and after)", idle), ("during the import", busy),
                              ("ratio during / idle", tuple(b / a for a, b in zip(idle, busy, strict=True)))):
            p50, p99, rate = figures
            digits = 2 if when.startswith("ratio") else 1
            print(f"{kind:<18}{when:<26}{p50:>9.{digits}f}{p99:>9.{digits}f}{rate:>9.{digits if digits == 2 else 0}f}")
    print(f"import_csv alone {direct:.1f} s; the job while serving {live:.1f} s "
          f"(its own count {job['report']['seconds']} s); ratio {live / direct:.2f}")


if __name__ == "__main__":
    main()
