"""What derived classes (ontology/derived.ttl) cost per write: prints numbers, asserts nothing.

Over the projects and enrollments of a demo store it times
  1. the compiled per-record check (model.inference.derived_type_quads) for each record;
  2. owlrl's OWL RL closure of each record's graph plus derived.ttl (what the check replaces);
  3. a whole record's quads (model.records.record_quads) with the check, and without it;
  4. a PATCH of a project and of an enrollment through the app (the check, and for an
     enrollment the open-enrollment refresh, are part of it).

    python bench/derived_classes.py [--clients 300] [--records 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import owlrl
import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.authz.tokens import Issuer
from hmis_ld.csv.importer import import_csv
from hmis_ld.demo import write_demo_csv
from hmis_ld.model import MODEL, inference
from hmis_ld.model.records import Placement, record_quads
from hmis_ld.model.values import parse_value
from hmis_ld.store import EmbeddedStore


def _records(folder: str, table: str, limit: int) -> list[dict]:
    import csv

    t = MODEL.tables[table]
    with open(f"{folder}/{table}.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:limit]
    return [{k: v for k, v in ((k, parse_value(t.by_name[k], raw)) for k, raw in row.items()) if v is not None}
            for row in rows]


def _owlrl(table, record: dict, ontology: Graph) -> None:
    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    subject = URIRef("urn:example:r")
    graph.add((subject, RDF.type, URIRef(table.cls)))
    for name, value in record.items():
        f = table.by_name[name]
        graph.add((subject, URIRef(f.iri), Literal(str(value), datatype=URIRef(f.datatype))))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)


def _per_record(fn, records: list, repeat: int = 3) -> float:
    """Median seconds per record over `repeat` passes."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for r in records:
            fn(r)
        times.append((time.perf_counter() - start) / len(records))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--records", type=int, default=200)
    args = parser.parse_args()
    ontology = inference.ontology_graph()
    with tempfile.TemporaryDirectory() as folder:
        write_demo_csv(folder, args.clients, seed=7)
        store = EmbeddedStore()
        import_csv(store, folder, progress=False)
        node, graph = ox.NamedNode("urn:example:r"), ox.NamedNode("urn:example:g")
        placement = Placement("local", "urn:example:g", b"k" * 32)
        for name in ("Project", "Enrollment"):
            table, records = MODEL.tables[name], _records(folder, name, args.records)
            compiled = _per_record(lambda r, t=table: inference.derived_type_quads(t, r, node, graph), records)
            closure = _per_record(lambda r, t=table: _owlrl(t, r, ontology), records[:20], repeat=1)
            whole = _per_record(lambda r, t=table: record_quads(t, r, placement), records)
            print(f"{name}: compiled check {compiled * 1e6:.1f} µs/record, owlrl closure {closure * 1e3:.1f} ms/record "
                  f"(x{closure / compiled:,.0f}); record_quads {whole * 1e6:.1f} µs/record, "
                  f"of which the check {compiled / whole:.1%}")
        app = create_app({"STORE": store, "TESTING": True})
        Accounts(store).add("bench")
        Accounts(store).grant("bench", "all:write")
        Accounts(store).grant("bench", "all:read")
        token = Issuer(store, app.config["AUTH_ISSUER"], app.config["AUTH_AUDIENCE"]).issue("bench", {"all:read",
                                                                                                       "all:write"})
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        for path, field, values in (("projects", "ProjectType", (13, 3)), ("enrollments", "RelationshipToHoH", (1, 2))):
            key = _records(folder, "Project" if path == "projects" else "Enrollment", 1)[0][
                "ProjectID" if path == "projects" else "EnrollmentID"]
            times = []
            for i in range(40):
                start = time.perf_counter()
                client.patch(f"/api/v1/{path}/{key}", json={field: values[i % 2]})
                times.append(time.perf_counter() - start)
            print(f"PATCH /api/v1/{path}/{{id}}: p50 {statistics.median(times) * 1e3:.1f} ms (whole write, "
                  f"derived types included)")


if __name__ == "__main__":
    main()
