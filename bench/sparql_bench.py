"""SPARQL endpoint figures: a point lookup's p50 alone and while a runaway query runs, and the
endpoint's overhead over the store for each example query (queries/examples/*.rq, one per
scenario). Real HTTP to a werkzeug server on loopback over the demo data; bounded loops.

    .venv/bin/python bench/sparql_bench.py [--clients 200] [--rounds 30]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from werkzeug.serving import make_server

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.tokens import Issuer
from hmis_ld.csv.importer import import_csv
from hmis_ld.demo import write_demo_csv
from hmis_ld.service.sparql_examples import examples
from hmis_ld.store import EmbeddedStore

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"


def _get(url: str, auth: str) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": auth}), timeout=60) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def _p50(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    write_demo_csv(folder, args.clients, seed=7)
    store = EmbeddedStore()
    import_csv(store, folder, progress=False)
    app = create_app({"STORE": store, "SPARQL_TIMEOUT": 10})
    Accounts(store).add("bench")
    grants = {"all:read", "sparql"}
    for grant in grants:
        Accounts(store).grant("bench", grant)
    auth = "Bearer " + Issuer(store, app.config["AUTH_ISSUER"], app.config["AUTH_AUDIENCE"]).issue("bench", grants)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1"
    client_id = next(iter(store.select("SELECT ?id WHERE { ?c a <urn:hud:hmis:owl#Client> ; "
                                       "<urn:hud:hmis:owl#PersonalID> ?id } LIMIT 1",
                                       graphs=store.graph_names())))["id"].value  # any record, for the lookup
    lookup = f"{base}/clients/{client_id}"
    assert _get(lookup, auth) == 200, "the point lookup must answer"
    alone = _p50(lambda: _get(lookup, auth), args.rounds)
    runaway = threading.Thread(target=_get, args=(f"{base}/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}), auth))
    runaway.start()
    time.sleep(0.2)
    during = _p50(lambda: _get(lookup, auth), args.rounds)
    print(f"point lookup p50: alone {alone:.1f} ms, while a runaway runs {during:.1f} ms "
          f"(ratio {during / alone:.2f}; runaway still running: {runaway.is_alive()})")
    runaway.join()  # stopped at the time limit; the overheads below are measured without it
    graphs = [g for g in store.graph_names() if ":pii" not in g and "persons" not in g and "audit" not in g
              and "accounts" not in g]
    print(f"{'example':32} {'store ms':>9} {'endpoint ms':>12} {'overhead ms':>12}")
    for example in examples():
        direct = _p50(lambda q=example.query: list(store.select(q, graphs=graphs)), args.rounds)
        url = f"{base}/sparql?" + urllib.parse.urlencode({"query": example.query})
        served = _p50(lambda u=url: _get(u, auth), args.rounds)
        print(f"{example.name:32} {direct:9.2f} {served:12.2f} {served - direct:12.2f}")
    server.shutdown()


if __name__ == "__main__":
    main()
