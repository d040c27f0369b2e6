"""Medicaid billing (scenario 13) on a demo store: p50 of a month of claims, as a system-wide
biller and as the biller of one organization. Prints a table, asserts nothing.

    .venv/bin/python bench/billing_bench.py --clients 10000 [--data bench/.data] [--runs 7]

The store is api_bench's DATA/store-N, shared with fhir_bench (built from the seeded demo CSV
when missing), read through a checkpoint. The month is the last full month with services.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_bench import working_copy

from hmis_ld.authz import SYSTEM, Access
from hmis_ld.model import iris
from hmis_ld.service.medicaid import BillingQuery, billable_services, load_codes
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore


def _month(store: EmbeddedStore) -> tuple[dt.date, dt.date]:
    rows = store.select("SELECT (MAX(?d) AS ?last) WHERE { ?s <urn:hud:hmis:owl#DateProvided> ?d }",
                        graphs=EVERY_GRAPH)  # a benchmark's own lookup of the data's last service day
    last = dt.date.fromisoformat(next(iter(rows))["last"].value)
    end = last.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10000)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / ".data")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    store = EmbeddedStore(str(working_copy(args.data, args.clients)))
    start, end = _month(store)
    codes = load_codes()
    organization = next(iter(store.select(
        "SELECT ?o WHERE { ?p <urn:hud:hmis:owl#OrganizationID> ?o } LIMIT 1", graphs=[iris.DIRECTORY])))["o"].value
    wide = Access(user_id="bench", read=None, scopes=frozenset({"payment"}))
    cases = {
        "system-wide, with PII": (SYSTEM, BillingQuery(start, end)),
        "system-wide, no PII": (wide, BillingQuery(start, end)),
        f"organization {organization}": (wide, BillingQuery(start, end, organization=organization)),
    }
    print(f"{args.clients} clients, Medicaid claims {start}..{end}")
    print(f"| {'biller':32} | {'claims':>6} | {'p50 ms':>8} | {'ms/claim':>8} |")
    print(f"|{'-' * 34}|{'-' * 7}:|{'-' * 9}:|{'-' * 9}:|")
    for name, (access, asked) in cases.items():
        times, found = [], 0
        for _ in range(args.runs):
            began = time.perf_counter()
            found = len(billable_services(store, access, asked, codes))
            times.append((time.perf_counter() - began) * 1000)
        p50 = statistics.median(times)
        print(f"| {name:32} | {found:6} | {p50:8.1f} | {p50 / max(found, 1):8.3f} |")
    store.close()


if __name__ == "__main__":
    main()
