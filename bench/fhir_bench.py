"""FHIR facade on a demo store: p50 of Patient search by identifier and of $everything on the
client record with the most services, given --services more through the API (whole, first
page, and every page following next links). Prints a table, asserts nothing.

    .venv/bin/python bench/fhir_bench.py --clients 10000 [--data bench/.data] [--runs 30]

The store is api_bench's DATA/store-N (built from the seeded demo CSV when missing), read
through a checkpoint; billing_bench uses the same one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from api_bench import working_copy
from conftest import signed_in

from hmis_ld.api import create_app
from hmis_ld.model.derived import CLIENT_ID
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore, Store

PID_SYSTEM, CID_SYSTEM = "urn:hmis-ld:local:PersonalID", "urn:hmis-ld:local:ClientID"


def p50(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def busiest_record(store: Store) -> tuple[str, str, int]:
    """(PersonalID, ClientID, services) of the client record with the most services."""
    rows = store.select(
        f"SELECT ?pid ?cid ?n WHERE {{ {{ SELECT ?g ?c (COUNT(?s) AS ?n) WHERE {{ GRAPH ?g {{ "
        f"?s <urn:hud:hmis:owl#DateProvided> ?d ; <urn:hmis-ld:ext#refClient> ?c }} }} GROUP BY ?g ?c "
        f"ORDER BY DESC(?n) LIMIT 1 }} GRAPH ?g {{ ?c <urn:hud:hmis:owl#PersonalID> ?pid ; <{CLIENT_ID}> ?cid }} }}",
        graphs=EVERY_GRAPH)  # a benchmark's own look for the record with the most services
    row = next(iter(rows))
    return row["pid"].value, row["cid"].value, int(row["n"].value)


def add_services(client, client_id: str, personal_id: str, count: int) -> None:
    """`count` more services on the record's first enrollment, through the API (the store is
    this run's checkpoint), so that $everything has many to page through."""
    episode = client.get(f"/fhir/EpisodeOfCare?patient=Patient/{client_id}").get_json()["entry"][0]["resource"]
    start = dt.date.fromisoformat(episode["period"]["start"])
    days = (dt.date.fromisoformat(episode["period"].get("end", start.isoformat())) - start).days + 1
    for n in range(count):
        answer = client.post("/api/v1/services", json={
            "EnrollmentID": episode["id"], "PersonalID": personal_id, "RecordType": 144, "TypeProvided": 1,
            "DateProvided": (start + dt.timedelta(days=n % days)).isoformat()})
        assert answer.status_code == 201, answer.get_json()


def every_page(client, url: str) -> int:
    pages = 0
    while url:
        bundle = client.get(url).get_json()
        pages += 1
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10000)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / ".data")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--services", type=int, default=300, help="services added to the busiest client record")
    args = parser.parse_args()
    store = EmbeddedStore(str(working_copy(args.data, args.clients)))
    client = signed_in(create_app({"STORE": store, "TESTING": True}), "fhir-bench")
    pid, cid, services = busiest_record(store)
    add_services(client, cid, pid, args.services)
    services += args.services
    search = f"/fhir/Patient?identifier={PID_SYSTEM}|{pid}"
    by_client_id = f"/fhir/Patient?identifier={CID_SYSTEM}|{cid}"
    everything = f"/fhir/Patient/{cid}/$everything"
    entries = len(client.get(everything + "?_count=500").get_json()["entry"])
    pages = every_page(client, everything + "?_count=50")
    cases = [
        ("Patient?identifier (PersonalID)", search, 1),
        ("Patient?identifier (ClientID)", by_client_id, 1),
        ("$everything, _count=500 (all)", everything + "?_count=500", entries),
        ("$everything, first page of 50", everything + "?_count=50", min(entries, 50)),
    ]
    print(f"{args.clients} clients; client record {cid} (person {pid}): {services} services, "
          f"$everything {entries} entries")
    print(f"| {'request':34} | {'entries':>7} | {'p50 ms':>8} | {'ms/entry':>8} |")
    print(f"|{'-' * 36}|{'-' * 8}:|{'-' * 9}:|{'-' * 9}:|")
    for name, url, size in cases:
        took = p50(lambda url=url: client.get(url), args.runs)
        print(f"| {name:34} | {size:7} | {took:8.1f} | {took / size:8.2f} |")
    took = p50(lambda: every_page(client, everything + "?_count=50"), max(3, args.runs // 5))
    print(f"| {f'$everything, all {pages} pages of 50':34} | {entries:7} | {took:8.1f} | {took / entries:8.2f} |")
    store.close()


if __name__ == "__main__":
    main()
