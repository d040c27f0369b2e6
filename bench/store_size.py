"""Bytes and quads per client, by what each part of the store costs.

For each client count it takes a checkpoint of the demo store (`hmis-ld demo --clients N`,
seed 2026; bench/demo_store.py builds DATA/demo-store-N once), makes `--reads` audited point
reads and as many audited pages of clients by funder through the app (Flask's test client,
`all:read pii:read`), and sorts every quad into one part:

- `fields`, `PII fields`: HUD's field triples and each record's rdf:type, in the record's graph
  and in its parallel PII graph (names, SSN, DOB);
- `links`: HUD's object properties between records, both directions;
- `documents`, `PII documents`: each record's fields again as one JSON literal (`ext:fields`),
  one per graph it has fields in;
- `search keys` (normalized names, their prefixes, SSN last four), `blocking keys` (dedup),
  `ClientID`, `day of update` (`ext:updatedOn`), `activity` (`ext:activeUntil`, open
  enrollments), `restated on parents` (an Exit's date, a Funder's code), `derived classes`;
- `persons graph`, `system graphs` (accounts, meta), `audit` (the reads above).

Quads are counted per part. Bytes are measured on disk in fresh stores, each written by one
bulk load: the whole store; each part alone (less an empty store's size); and the store without
that part (its saving: what removing it would give back, since parts share the dictionary of
IRIs and long literals). One bulk load puts the data in RocksDB's bottom level, which Oxigraph
compresses (LZ4), as it is in a large store; a compaction (`Store.optimize`, which the import
runs at its end) of a store this small leaves it in the uncompressed first levels, about 1.8
times larger: the demo store's size as the import left it, and compacted again, are printed
beside. The audit graph is shown per read, and
left out of the per-client figures and the extrapolation to 100k and 1M clients.

    python bench/store_size.py                       # 1k and 10k clients
    python bench/store_size.py --clients 1000 --reads 100
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from itertools import chain
from pathlib import Path

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import pyoxigraph as ox
from demo_store import DATA, SEED, checkpoint, folder_bytes, pristine

from hmis_ld.model import MODEL, iris
from hmis_ld.model.derived import BLOCKING_KEY, CLIENT_ID, SEARCH_KEYS, UPDATED_ON
from hmis_ld.model.inference import OPEN_ENROLLMENT, derived_iris
from hmis_ld.model.records import FIELDS
from hmis_ld.model.schema import ACTIVE_UNTIL, RDF_TYPE, RESTATED

PARTS = ("fields", "PII fields", "links", "documents", "PII documents", "search keys", "blocking keys", "ClientID",
         "day of update", "activity", "restated on parents", "derived classes", "persons graph", "system graphs",
         "audit", "other")
KEYS = SEARCH_KEYS - {BLOCKING_KEY, CLIENT_ID, UPDATED_ON}
RESTATED_PREDICATES = frozenset(predicate for *_, predicate in RESTATED)
DERIVED = derived_iris() - {OPEN_ENROLLMENT}
LINKS = frozenset(p for t in MODEL.tables.values() for link in t.links for p in (link.up, link.down) if p)
SYSTEM = frozenset({iris.META, iris.USERS, iris.ACCOUNTS, "urn:hmis-ld:graph:locks"})
FLUSH = 50_000
TOP = 15


def part_of(quad: ox.Quad) -> str:
    graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
    if graph == iris.AUDIT:
        return "audit"
    if graph == iris.PERSONS:
        return "persons graph"
    if graph in SYSTEM:
        return "system graphs"
    pii = graph.endswith(iris.PII_SUFFIX)
    p, o = quad.predicate.value, quad.object
    if p == FIELDS:
        return "PII documents" if pii else "documents"
    if p in KEYS:
        return "search keys"
    if p == BLOCKING_KEY:
        return "blocking keys"
    if p == CLIENT_ID:
        return "ClientID"
    if p == UPDATED_ON:
        return "day of update"
    if p == ACTIVE_UNTIL or (p == RDF_TYPE and o.value == OPEN_ENROLLMENT):
        return "activity"
    if p in RESTATED_PREDICATES:
        return "restated on parents"
    if p == RDF_TYPE and o.value in DERIVED:
        return "derived classes"
    if p in LINKS:
        return "links"
    return "PII fields" if pii else "fields"


def audited_reads(folder: Path, reads: int, log: Path) -> dict[str, int]:
    """`reads` point reads and `reads` pages through the app; the audit quads each kind wrote."""
    from hmis_ld.api import create_app
    from hmis_ld.authz.accounts import Accounts
    from hmis_ld.authz.tokens import Issuer
    from hmis_ld.store import EVERY_GRAPH, EmbeddedStore

    store = EmbeddedStore(folder)
    grants = {"all:read", "pii:read"}
    Accounts(store).add("size-bench")
    for grant in grants:
        Accounts(store).grant("size-bench", grant)
    token = Issuer(store, "hmis-ld", "hmis-ld-api").issue("size-bench", grants)
    client = create_app({"STORE": store, "REQUEST_LOG": str(log)}).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    # a system reader's sample of PersonalIDs, drawn from every client record
    pids = sorted({r["pid"].value for r in store.select(
        "SELECT ?pid WHERE { ?c a <urn:hud:hmis:owl#Client> ; <urn:hud:hmis:owl#PersonalID> ?pid }",
        graphs=EVERY_GRAPH)})[:reads]

    def audit() -> int:
        return int(next(store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graphs=[iris.AUDIT]))["n"].value)

    before = audit()
    for pid in pids:
        assert client.get(f"/api/v1/clients/{pid}").status_code == 200
    points = audit()
    for i in range(reads):
        answer = client.get(f"/api/v1/clients?Funder={(3, 2, 5)[i % 3]}&limit=50")
        assert answer.status_code == 200, answer.get_data(as_text=True)
    pages = audit()
    store.close()
    return {"point": (points - before) / len(pids), "page": (pages - points) / reads, "reads": len(pids) + reads}


def split(folder: Path, out: Path) -> tuple[Counter, Counter]:
    """Each part's quads into its own N-Quads file; the count of each part and of each
    (part, predicate)."""
    store = ox.Store(str(folder))
    files = {part: (out / f"{part}.nq").open("wb") for part in PARTS}
    buffers: dict[str, list[ox.Quad]] = {part: [] for part in PARTS}
    counts: Counter = Counter()
    predicates: Counter = Counter()
    for quad in store.quads_for_pattern(None, None, None, None):
        part = part_of(quad)
        counts[part] += 1
        predicates[(part, quad.predicate.value)] += 1
        buffers[part].append(quad)
        if len(buffers[part]) >= FLUSH:
            ox.serialize(buffers[part], files[part], ox.RdfFormat.N_QUADS)
            buffers[part].clear()
    for part, buffer in buffers.items():
        ox.serialize(buffer, files[part], ox.RdfFormat.N_QUADS)
        files[part].close()
    del store
    return counts, predicates


def loaded_bytes(folder: Path, sources: list[Path]) -> int:
    """A fresh store of these N-Quads files, written by one bulk load, on disk."""
    shutil.rmtree(folder, ignore_errors=True)
    store = ox.Store(str(folder))
    store.bulk_extend(chain.from_iterable(ox.parse(path=str(s), format=ox.RdfFormat.N_QUADS) for s in sources))
    store.flush()
    del store
    size = folder_bytes(folder)
    shutil.rmtree(folder)
    return size


def measure(n: int, args: argparse.Namespace) -> dict:
    source = pristine(args.data, n)
    with tempfile.TemporaryDirectory(prefix=f"store-size-{n}-", dir=args.data) as tmp_name:
        tmp = Path(tmp_name)
        work = checkpoint(source, tmp / "work")
        started = time.perf_counter()
        audit = audited_reads(work, args.reads, tmp / "requests.log")
        built = folder_bytes(work)
        store = ox.Store(str(work))
        store.optimize()
        del store
        compacted = folder_bytes(work)
        parts = tmp / "parts"
        parts.mkdir()
        counts, predicates = split(work, parts)
        shutil.rmtree(work)
        files = {part: parts / f"{part}.nq" for part in PARTS}
        empty = loaded_bytes(tmp / "empty", [])
        whole = loaded_bytes(tmp / "whole", list(files.values()))
        alone, saved = {}, {}
        for part in PARTS:
            if not counts[part]:
                continue
            alone[part] = loaded_bytes(tmp / "alone", [files[part]]) - empty
            # a rebuild for each small part costs minutes for nothing; the audit's saving gives the total without it
            if part == "audit" or counts[part] * 100 >= sum(counts.values()) * args.min_share:
                saved[part] = whole - loaded_bytes(tmp / "without", [f for p, f in files.items() if p != part])
        print(f"{n:,} clients measured in {time.perf_counter() - started:.0f} s", flush=True)
    return {"n": n, "counts": counts, "predicates": predicates, "audit": audit, "built": built, "compacted": compacted, "whole": whole,
            "alone": alone, "saved": saved}


def without_audit(result: dict) -> tuple[int, int]:
    """(quads, bytes in one bulk load) of the store without its audit graph."""
    quads = sum(c for p, c in result["counts"].items() if p != "audit")
    return quads, result["whole"] - result["saved"].get("audit", 0)


def report(result: dict) -> None:
    n, counts, audit = result["n"], result["counts"], result["audit"]
    quads, whole = without_audit(result)
    print(f"\n### {n:,} clients (demo seed {SEED}), after {audit['reads']} audited reads\n")
    print(f"Store folder as the import left it, plus the reads: {result['built'] / 2**20:.0f} MiB, compacted again "
          f"{result['compacted'] / 2**20:.0f} MiB; its quads in one bulk load {result['whole'] / 2**20:.0f} MiB.\n")
    print("| part | quads | quads / client | % of quads | bytes alone / client | saved without it / client "
          "| % of bytes (saved) |")
    print("|---|---|---|---|---|---|---|")
    for part in PARTS:
        if not counts[part] or part == "audit":
            continue
        saved = result["saved"].get(part)
        print(f"| {part} | {counts[part]:,} | {counts[part] / n:.1f} | {100 * counts[part] / quads:.1f} | "
              f"{result['alone'][part] / n:,.0f} | {'-' if saved is None else f'{saved / n:,.0f}'} | "
              f"{'-' if saved is None else f'{100 * saved / whole:.1f}'} |")
    print(f"| **total, without audit** | {quads:,} | {quads / n:.1f} | 100 | | {whole / n:,.0f} | 100 |")
    print(f"\nThe {TOP} predicates with the most quads (audit apart):\n")
    print("| predicate | part | quads / client | % of quads |")
    print("|---|---|---|---|")
    top = [(c, part, p) for (part, p), c in result["predicates"].items() if part != "audit"]
    for c, part, predicate in sorted(top, reverse=True)[:TOP]:
        print(f"| `{predicate}` | {part} | {c / n:.1f} | {100 * c / quads:.1f} |")
    if counts["audit"]:
        per_read = result["alone"]["audit"] / audit["reads"]
        print(f"\nAudit: {audit['point']:.1f} quads per point read, {audit['page']:.1f} per page of 50; alone "
              f"{per_read:,.0f} bytes per read on average ({counts['audit']:,} quads, "
              f"{result['alone']['audit'] / 2**20:.1f} MiB for {audit['reads']} reads).")


def extrapolate(result: dict) -> None:
    """Linear per client from the largest count; the audit grows with reads instead."""
    n, counts, audit = result["n"], result["counts"], result["audit"]
    quads, whole = without_audit(result)
    print(f"\n### Extrapolation from {n:,} clients (linear per client; audit apart)\n")
    built = result["compacted"] / n  # with its audit entries, 0.1% of it
    print("| clients | quads | on disk, one bulk load | on disk, compacted as at this size (uncompressed) |")
    print("|---|---|---|---|")
    for size in (100_000, 1_000_000):
        print(f"| {size:,} | {quads / n * size / 1e6:,.1f} M | {whole / n * size / 2**30:,.1f} GiB | "
              f"{built * size / 2**30:,.1f} GiB |")
    if counts["audit"]:
        per_quad = result["saved"]["audit"] / counts["audit"]
        print(f"\nEvery million audited page reads adds {audit['page']:.0f} M quads and "
              f"{audit['page'] * per_quad * 1e6 / 2**30:,.1f} GiB ({per_quad:.0f} bytes per audit quad, from the saving).")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--reads", type=int, default=200, help="audited point reads, and as many page reads")
    parser.add_argument("--min-share", type=float, default=0.5,
                        help="rebuild without a part only when it holds at least this %% of the quads")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    results = [measure(n, args) for n in args.clients]
    for result in results:
        report(result)
    extrapolate(results[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
