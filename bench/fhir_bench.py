"""FHIR facade at a demo store size: p50 of Patient search by identifier and of $everything on
the client with the most services. Prints numbers, asserts nothing.

    .venv/bin/python bench/fhir_bench.py 10000      # a few minutes: builds the demo store first
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import signed_in

from hmis_ld.api import create_app
from hmis_ld.csv.importer import import_csv
from hmis_ld.demo import write_demo_csv
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore


def p50(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clients", type=int)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        write_demo_csv(Path(folder), args.clients, seed=7)
        store = EmbeddedStore()
        import_csv(store, Path(folder), progress=False)
    client = signed_in(create_app({"STORE": store, "TESTING": True}), "bench")
    # the person with the most services: a bench's system read of every graph
    row = next(iter(store.select(
        "SELECT ?pid (COUNT(?s) AS ?n) WHERE { GRAPH ?g { ?s a <urn:hud:hmis:owl#ServiceFAReferral> ; "
        "<urn:hud:hmis:owl#PersonalID> ?pid } } GROUP BY ?pid ORDER BY DESC(?n) LIMIT 1", graphs=EVERY_GRAPH)))
    pid, services = row["pid"].value, row["n"].value
    search = f"/fhir/Patient?identifier=urn:hmis-ld:local:PersonalID|{pid}"
    patient = client.get(search).get_json()["entry"][0]["resource"]["id"]
    everything = f"/fhir/Patient/{patient}/$everything?_count=500"
    size = len(client.get(everything).get_json()["entry"])
    print(f"clients={args.clients} person={pid} services={services} $everything entries={size}")
    print(f"Patient?identifier p50 {p50(lambda: client.get(search), args.runs):.2f} ms")
    print(f"$everything p50 {p50(lambda: client.get(everything), args.runs):.2f} ms")


if __name__ == "__main__":
    main()
