"""Does a hidden record answer slower than a missing one? Prints the paired timing difference.

A one-project reader (project:ID:read and pii:read) asks for records of other projects
(hidden: they exist, the reader may not see them) and for keys that do not exist (missing),
by id, on /clients and /enrollments, through the real app in-process (Flask's test client,
so network jitter does not hide the difference). Each pair is a hidden and a missing request
in random order, back to back; the difference hidden - missing is summed over --pairs pairs.
Both must answer 404 with the same body. service/records.py reads a found record's
documents only from the caller's dataset, so a hidden record's query is the missing one's;
what remains is the lookup of the key itself, which finds a place for a hidden record.

    python bench/hidden_timing.py                    # 200 demo clients, 600 pairs
    python bench/hidden_timing.py --clients 2000 --pairs 2000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.tokens import Issuer
from hmis_ld.csv.importer import import_csv
from hmis_ld.demo import write_demo_csv
from hmis_ld.store import EmbeddedStore


def _rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    store = EmbeddedStore()
    with tempfile.TemporaryDirectory() as folder:
        write_demo_csv(folder, args.clients, seed=args.seed)
        import_csv(store, folder, progress=False)
        enrollments = _rows(Path(folder) / "Enrollment.csv")
    by_project: dict[str, set[str]] = {}
    for e in enrollments:
        by_project.setdefault(e["ProjectID"], set()).add(e["PersonalID"])
    project = max(by_project, key=lambda p: len(by_project[p]))
    hidden_clients = sorted({e["PersonalID"] for e in enrollments} - by_project[project])
    hidden_enrollments = sorted(e["EnrollmentID"] for e in enrollments if e["ProjectID"] != project)

    app = create_app({"STORE": store, "TESTING": True})
    accounts = Accounts(store)
    grants = {f"project:{project}:read", "pii:read"}
    accounts.add("reader")
    for grant in grants:
        accounts.grant("reader", grant)
    token = Issuer(store, app.config["AUTH_ISSUER"], app.config["AUTH_AUDIENCE"]).issue("reader", grants)
    http = app.test_client()
    http.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    rng = random.Random(args.seed)
    print(f"{args.clients} demo clients, a reader of project {project} ({len(by_project[project])} clients), "
          f"{args.pairs} pairs")
    for collection, hidden in (("clients", hidden_clients), ("enrollments", hidden_enrollments)):
        def missing(key: str) -> str:  # as long as the hidden key, and no key of the demo data
            return "z" + "".join(rng.choice("0123456789") for _ in key[1:])

        def timed(url: str) -> tuple[float, int, bytes]:
            started = time.perf_counter_ns()
            response = http.get(url)
            took = (time.perf_counter_ns() - started) / 1000
            return took, response.status_code, response.get_data()

        for key in hidden[:20]:  # warm up, and check the two answers are the same
            other = missing(key)
            a, b = timed(f"/api/v1/{collection}/{key}"), timed(f"/api/v1/{collection}/{other}")
            assert a[1] == b[1] == 404, (a[1], b[1])
            assert a[2].replace(key.encode(), b"") == b[2].replace(other.encode(), b""), (a[2], b[2])
        differences, hidden_us, missing_us = [], [], []
        for n in range(args.pairs):
            key = hidden[n % len(hidden)]
            other = missing(key)
            if rng.random() < 0.5:
                h = timed(f"/api/v1/{collection}/{key}")[0]
                m = timed(f"/api/v1/{collection}/{other}")[0]
            else:
                m = timed(f"/api/v1/{collection}/{other}")[0]
                h = timed(f"/api/v1/{collection}/{key}")[0]
            differences.append(h - m)
            hidden_us.append(h)
            missing_us.append(m)
        mean = statistics.fmean(differences)
        half = 1.96 * statistics.stdev(differences) / len(differences) ** 0.5
        print(f"/{collection}/{{id}}: hidden p50 {statistics.median(hidden_us):7.0f} us, missing p50 "
              f"{statistics.median(missing_us):7.0f} us; paired difference hidden - missing: median "
              f"{statistics.median(differences):+6.1f} us, mean {mean:+6.1f} +/- {half:.1f} us (95%)")


if __name__ == "__main__":
    main()
