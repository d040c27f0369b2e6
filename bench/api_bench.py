"""HUD scenario endpoints over real HTTP at 10k and 100k demo clients: prints numbers, asserts nothing.

For each client count it
  1. takes a throwaway copy (a RocksDB checkpoint: hard links, instant) of the demo store
     `DATA/store-N` that `bench/import_bench.py --keep DATA` leaves (or builds that store itself
     from `hmis_ld.demo.write_demo_csv` when it is missing), so every run starts from the same data;
  2. adds three accounts (system-wide reader, one-project reader, system-wide writer) and draws
     realistic parameters from the store (PersonalIDs, EnrollmentIDs, SSNs, names, DOBs; seeded);
  3. times each scenario's SPARQL directly on the store, in the caller's dataset: the template
     the scenario runs (same text, same substitutions, rows listed), every query the scenario makes
     (the template, the record reads, the per-client queries), and the whole service call
     (queries plus building the records, no HTTP, no JSON, no audit);
  4. serves the app from a child process (werkzeug, one thread, HTTP/1.1 keep-alive) and times
     each endpoint from one `http.client` connection: p50/p99 over --requests requests with
     varying parameters after --warmup requests;
  5. prints per scenario the endpoint latency, the raw SPARQL time, the ratios and the targets of
     the issues (p50 <= 20 ms for a page of 50, point lookups <= 5 ms, POST /client <= 30 ms,
     100k/10k growth <= 2x), and the cost of authorization: the same requests for a one-project
     user and a system-wide user;
  6. when it runs both sizes, serves them at once and times each scenario's requests alternating
     between the two, so growth compares sizes at the same VM speed (paired).

    python bench/api_bench.py                               # 10k and 100k
    python bench/api_bench.py --clients 10000               # one size (growth uses saved results)
    python bench/api_bench.py --clients 10000 --profile /tmp/prof   # + cProfile of each endpoint

Results are also saved as DATA/api-bench-N.json, so growth can be printed from two separate runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing as mp
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

try:
    import hmis_ld  # noqa: F401
except ImportError:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

SEED = 2026
DEFAULT_CLIENTS = (10_000, 100_000)
LIMIT = 50
AS_OF = "2025-06-30"
SINCE, UNTIL = "2025-01-01T00:00:00", "2026-12-31T00:00:00"
ISSUER, AUDIENCE = "hmis-ld", "hmis-ld-api"  # create_app's defaults
SYSTEM_GRANTS = ("all:read", "pii:read")
WRITER_GRANTS = ("all:read", "all:write", "pii:read")
NO_PII_GRANTS = ("all:read",)  # system-wide but de-identified: its dataset is a list of every record graph
READERS = ("bench-system", "bench-project", "bench-nopii")
TARGET_PAGE_MS = 20.0
TARGET_POINT_MS = 5.0
TARGET_CREATE_MS = 30.0  # issue 5: POST /client with matching
TARGET_GROWTH = 2.0
H = "urn:hud:hmis:owl#"
# hmis_ld.service.records: the documents query, by key or by subjects already found
RECORD_READ = ("SELECT ?key ?s ?g ?doc ?pid WHERE", "SELECT ?n ?g ?doc ?pid WHERE", "SELECT ?n ?doc ?pid WHERE")


# --- scenarios -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    template: str | None  # the queries/*.rq file it runs; None: a record read (point lookup)
    point: bool = False
    write: bool = False
    limit: int = LIMIT  # a smaller page gives the same answer at both sizes where the full one grows

    @property
    def base(self) -> str:
        """The request it makes, whatever its page size."""
        return self.name.split(",")[0]


SCENARIOS = [
    Scenario("search SSN", "POST", "client_search"),
    Scenario("search last3+DOB", "POST", "client_search"),
    Scenario("search SSN last4", "POST", "client_search"),
    Scenario("search SSN last4, 1", "POST", "client_search", limit=1),
    Scenario("client by id", "GET", None, point=True),
    Scenario("enrollment by id", "GET", None, point=True),
    Scenario("project clients", "GET", "project_clients"),
    Scenario("client enrollments", "GET", "client_enrollments"),
    Scenario("projects Funder=3", "GET", "projects_by_funder_and_type"),
    Scenario("projects Type=13", "GET", "projects_by_funder_and_type"),
    Scenario("projects Funder=3, 5", "GET", "projects_by_funder_and_type", limit=5),
    Scenario("clients Funder=3", "GET", "project_clients"),
    Scenario("clients RRH active", "GET", "project_clients"),
    Scenario("client changes", "GET", "client_changes"),
    Scenario("client services", "GET", "client_services"),
    Scenario("create client", "POST", None, write=True),
]
BY_NAME = {s.name: s for s in SCENARIOS}


@dataclass
class Params:
    """One set of realistic parameters (one request of each scenario)."""
    pid: str
    eid: str
    project: str
    ssn: str
    last: str
    dob: str
    body: dict | None = None  # for create over HTTP
    service_body: dict | None = None  # for create in the service timings (another new person)


def request_for(s: Scenario, p: Params) -> tuple[str, dict | None]:
    """(path, JSON body) of one request."""
    return {
        "search SSN": (f"/api/v1/client/search?limit={s.limit}", {"SSN": p.ssn}),
        "search last3+DOB": (f"/api/v1/client/search?limit={s.limit}", {"LastName": p.last[:3], "DOB": p.dob}),
        "search SSN last4": (f"/api/v1/client/search?limit={s.limit}", {"SSN": p.ssn[-4:]}),
        "client by id": (f"/api/v1/clients/{p.pid}", None),
        "enrollment by id": (f"/api/v1/enrollments/{p.eid}", None),
        "project clients": (f"/api/v1/project/{p.project}/clients?limit={s.limit}", None),
        "client enrollments": (f"/api/v1/client/{p.pid}/enrollments?limit={s.limit}", None),
        "projects Funder=3": (f"/api/v1/projects?Funder=3&limit={s.limit}", None),
        "projects Type=13": (f"/api/v1/projects?ProjectType=13&limit={s.limit}", None),
        "clients Funder=3": (f"/api/v1/clients?Funder=3&limit={s.limit}", None),
        "clients RRH active": (f"/api/v1/clients?ProjectType=13&active=true&asOf={AS_OF}&limit={s.limit}", None),
        "client changes": (f"/api/v1/client/{p.pid}/changes?since={SINCE}&until={UNTIL}", None),
        "client services": (f"/api/v1/client/{p.pid}/services?limit={s.limit}", None),
        "create client": ("/api/v1/clients", p.body),
    }[s.base]


def service_call(s: Scenario, p: Params, store, access) -> Callable[[], object]:
    """The service-layer call the endpoint makes (same arguments), on `store`."""
    import datetime as dt

    from hmis_ld.api.hud import _search_criteria
    from hmis_ld.model import MODEL
    from hmis_ld.service.paging import Page
    from hmis_ld.service.records import read_record
    from hmis_ld.service.scenarios import Scenarios

    sc = Scenarios(store)
    page = Page(s.limit)
    if s.name.startswith("search"):
        criteria = _search_criteria(request_for(s, p)[1])
        return lambda: sc.search(criteria, access, page)
    if s.name == "client by id":
        return lambda: read_record(store, MODEL.tables["Client"], p.pid, access)
    if s.name == "enrollment by id":
        return lambda: read_record(store, MODEL.tables["Enrollment"], p.eid, access)
    if s.name == "project clients":
        return lambda: sc.project_clients(p.project, access, page, entry_from=None, exit_to=None)
    if s.name == "client enrollments":
        return lambda: sc.client_enrollments(p.pid, access, page, project_id=None, entry_from=None, exit_to=None)
    if s.name.startswith("projects"):
        funder, ptype = (3, None) if "Funder" in s.name else (None, 13)
        return lambda: sc.projects(access, page, funder=funder, project_type=ptype, coc=None, start_from=None,
                                   end_to=None)
    if s.name == "clients Funder=3":
        return lambda: sc.clients(access, page, funder=3, project_type=None, entry_from=None, exit_to=None,
                                  as_of=None)
    if s.name == "clients RRH active":
        return lambda: sc.clients(access, page, funder=None, project_type=13, entry_from=None, exit_to=None,
                                  as_of=dt.date.fromisoformat(AS_OF))
    if s.name == "client changes":
        since, until = dt.datetime.fromisoformat(SINCE), dt.datetime.fromisoformat(UNTIL)
        return lambda: sc.client_changes(p.pid, access, since=since, until=until)
    if s.name == "client services":
        return lambda: sc.client_services(p.pid, access, page, date_from=None, date_to=None)
    raise KeyError(s.name)


class Captured(Exception):
    """Raised by a Recorder that only wanted the template query."""


class Recorder:
    """A store that records (and times) every SELECT the service makes: text, substitutions,
    dataset. With `stop_at` it raises Captured at the first query starting with that text, unrun."""

    def __init__(self, store, stop_at: str | tuple[str, ...] | None = None):
        self.store = store
        self.stop_at = stop_at
        self.calls: list[tuple[str, dict | None, list | None]] = []
        self.ms = 0.0
        self.lock = threading.Lock()

    def select(self, sparql, *, substitutions=None, graphs=None):
        self.calls.append((sparql, substitutions, graphs))
        if self.stop_at is not None and sparql.startswith(self.stop_at):
            raise Captured
        started = time.perf_counter()
        rows = list(self.store.select(sparql, substitutions=substitutions, graphs=graphs))
        with self.lock:  # some reads of a request run at once, in other threads
            self.ms += (time.perf_counter() - started) * 1000
        return rows

    def __getattr__(self, name):
        return getattr(self.store, name)


def sampled(params: list, warmup: int, budget: float, min_samples: int, fn: Callable) -> list:
    """fn(p) for the first `warmup` params (results dropped), then for the others (results kept).
    A slow scenario stops early: warm-up after budget/4 seconds (one at least), timed requests
    after `budget` seconds once `min_samples` are in."""
    started = time.perf_counter()
    for i, p in enumerate(params[:warmup]):
        fn(p)
        if time.perf_counter() - started > budget / 4:
            break
    started = time.perf_counter()
    out = []
    for p in params[warmup:]:
        out.append(fn(p))
        if len(out) >= min_samples and time.perf_counter() - started > budget:
            break
    return out


# --- statistics ------------------------------------------------------------------------------

def p50(xs: list[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def p99(xs: list[float]) -> float:
    if not xs:
        return math.nan
    ordered = sorted(xs)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def cpu_probe() -> float:
    """ms for a fixed pure-Python loop. On a shared VM the same work takes up to twice as long
    from one minute to the next; the report prints each scenario's probe, comparable across runs."""
    started = time.perf_counter()
    total = 0
    for i in range(200_000):
        total += i * i
    return (time.perf_counter() - started) * 1000


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


# --- the stores ------------------------------------------------------------------------------

def _build_store(store_dir: str, n: int) -> None:  # in a child process: the import's memory goes with it
    from hmis_ld.csv.importer import import_csv
    from hmis_ld.demo import write_demo_csv
    from hmis_ld.store import EmbeddedStore

    with tempfile.TemporaryDirectory(prefix=f"hmis-api-bench-{n}-") as tmp:
        write_demo_csv(tmp, n, seed=SEED)
        store = EmbeddedStore(store_dir)
        import_csv(store, tmp, progress=False)
        store.close()


def working_copy(data: Path, n: int) -> Path:
    """A checkpoint of DATA/store-N (built first if missing) that this run may write to."""
    import pyoxigraph as ox

    pristine = data / f"store-{n}"
    if not pristine.exists():
        print(f"building {pristine} (demo CSV seed {SEED}, import) ...", flush=True)
        started = time.perf_counter()
        process = mp.get_context("spawn").Process(target=_build_store, args=(str(pristine), n))
        process.start()
        process.join()
        if process.exitcode != 0:
            shutil.rmtree(pristine, ignore_errors=True)
            raise SystemExit(f"building {pristine} failed")
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    work = data / f"api-bench-work-{n}"
    shutil.rmtree(work, ignore_errors=True)
    waited = 0
    while True:
        try:
            source = ox.Store(str(pristine))  # fails while another process (an import) holds the store
            break
        except OSError:
            if waited == 0:
                print(f"waiting for {pristine}: another process holds it (an import still running?)", flush=True)
            if waited >= 3 * 3600:
                raise SystemExit(f"{pristine} stayed in use for {waited} s") from None
            time.sleep(30)
            waited += 30
    source.backup(str(work))
    del source
    return work


# --- parameters ------------------------------------------------------------------------------

def _rows(store, sparql: str) -> list[dict[str, str]]:
    """The bench's own queries for parameters, over every graph (the store asks each read to name it)."""
    from hmis_ld.store import EVERY_GRAPH

    return [{k: v.value for k, v in r.items()} for r in store.select(sparql, graphs=EVERY_GRAPH)]


def draw_params(store, rng: random.Random, count: int, project: str | None = None) -> list[Params]:
    """`count` parameter sets; inside one project when `project` is given."""
    from hmis_ld.authz import SYSTEM
    from hmis_ld.demo.names import FEMALE, LAST, MALE
    from hmis_ld.model import MODEL
    from hmis_ld.model.schema import SYSTEM_FIELDS
    from hmis_ld.service.records import read_records

    where = f'?pr <{H}ProjectID> "{project}" ; <{H}hasProjectEnrollment> ?e .' if project else ""
    enrollments = _rows(store, f"SELECT ?eid ?pid ?prid WHERE {{ {where} ?e a <{H}Enrollment> ; "
                               f"<{H}EnrollmentID> ?eid ; <{H}PersonalID> ?pid ; <{H}ProjectID> ?prid }}")
    enrollments.sort(key=lambda r: (r["pid"], r["eid"]))
    # clients with a full SSN, a last name and a DOB, drawn among those with an enrollment
    pids = sorted({r["pid"] for r in enrollments})
    rng.shuffle(pids)
    candidates = pids[:count * 3]
    values = " ".join(json.dumps(p) for p in candidates)
    pii = {}
    for r in _rows(store, f"SELECT ?pid ?ssn ?last ?dob WHERE {{ VALUES ?pid {{ {values} }} "
                          f"?c a <{H}Client> ; <{H}PersonalID> ?pid ; <{H}SSN> ?ssn ; <{H}LastName> ?last ; "
                          f"<{H}DOB> ?dob ; <{H}SSNDataQuality> 1 }}"):
        if r["ssn"].isdigit() and len(r["ssn"]) == 9 and len(r["last"]) >= 3:
            pii.setdefault(r["pid"], r)
    chosen = [p for p in candidates if p in pii][:count]
    chosen = (chosen * (count // max(len(chosen), 1) + 1))[:count]
    by_pid: dict[str, list[dict]] = {}
    for r in enrollments:
        by_pid.setdefault(r["pid"], []).append(r)
    projects = sorted({r["prid"] for r in enrollments})
    views = read_records(store, MODEL.tables["Client"], chosen[:count], SYSTEM)
    out = []
    for i, pid in enumerate(chosen):
        e = rng.choice(by_pid[pid])
        body = {k: v for k, v in views[pid].json().items() if k not in SYSTEM_FIELDS and k != "PersonalID"}
        # a new person: another common name and a new SSN (the old SSN would make deduplication link
        # the copy; made-up names would all share one blocking key and pile up as candidates)
        body["FirstName"], body["LastName"] = rng.choice(FEMALE + MALE), rng.choice(LAST)
        body["SSN"] = _new_ssn(rng)
        other = {**body, "FirstName": rng.choice(FEMALE + MALE), "LastName": rng.choice(LAST), "SSN": _new_ssn(rng)}
        out.append(Params(pid=pid, eid=e["eid"], project=project or rng.choice(projects), ssn=pii[pid]["ssn"],
                          last=pii[pid]["last"], dob=pii[pid]["dob"], body=body, service_body=other))
    return out


def _new_ssn(rng: random.Random) -> str:
    """Nine digits that could be issued (the SHACL rule): area 001-665 or 667-899, group and serial not 0."""
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}{rng.randrange(1, 100):02d}{rng.randrange(1, 10000):04d}"


def pick_project(store) -> tuple[str, int]:
    """The Rapid Re-Housing project funded by HUD CoC RRH (funder 3) with the most enrollments,
    so the one-project user's lists (funder 3, type 13) are full pages too."""
    rows = _rows(store, f"""SELECT ?id (COUNT(?e) AS ?n) WHERE {{
        ?p a <{H}Project> ; <{H}ProjectID> ?id ; <{H}ProjectType> 13 .
        FILTER EXISTS {{ ?f <urn:hmis-ld:ext#refProject> ?p ; <{H}Funder> 3 }}
        ?p <{H}hasProjectEnrollment> ?e }} GROUP BY ?id ORDER BY DESC(?n) ?id LIMIT 1""")
    return rows[0]["id"], int(rows[0]["n"])


# --- raw SPARQL and service timings ----------------------------------------------------------

@dataclass
class Raw:
    template: list[float] = field(default_factory=list)  # the scenario's template query
    queries: list[float] = field(default_factory=list)  # every query the scenario makes
    service: list[float] = field(default_factory=list)  # the service call (queries + records)
    n_queries: int = 0


def raw_timings(store, access, s: Scenario, params: list[Params], warmup: int, budget: float, min_samples: int,
                template_only: bool = False) -> Raw:
    """Per parameter set: the service call, recording and timing its queries (`queries`: their
    sum; `service`: the whole call), then its template query again on its own (`template`).
    With template_only the service call stops at the template (only `template` is measured)."""
    from hmis_ld.service.templates import template

    raw = Raw()
    if s.write:
        return raw
    # a template's first line (its comment) finds its query; a point lookup's is the record read
    marker = template(s.template).split("\n", 1)[0] if s.template else RECORD_READ

    def one(p: Params) -> tuple[float, float, float, int]:
        recorder = Recorder(store, marker if template_only else None)
        call = service_call(s, p, recorder, access)
        started = time.perf_counter()
        try:
            call()
        except Captured:
            pass
        service = (time.perf_counter() - started) * 1000
        main = next((c for c in recorder.calls if c[0].startswith(marker)), None)
        if main is None and template_only:
            return math.nan, math.nan, math.nan, 0  # the service knew the reader cannot match (no pii:read)
        if main is None:
            raise SystemExit(f"{s.name}: no query starting with {marker!r} among the recorded ones")
        tmpl = timed(lambda: list(store.select(main[0], substitutions=main[1], graphs=main[2])))
        if template_only:
            return tmpl, math.nan, math.nan, 0
        return tmpl, recorder.ms, service, len(recorder.calls)

    for tmpl, queries, service, n in sampled(params, warmup, budget, min_samples, one):
        raw.template.append(tmpl)
        raw.queries.append(queries)
        raw.service.append(service)
        raw.n_queries = max(raw.n_queries, n)
    return raw


def create_service_timings(store, access, params: list[Params], warmup: int, budget: float, min_samples: int
                           ) -> list[float]:
    """The service call of POST /clients as create_app wires it (deduplication on intake, then
    parse, SHACL, one write; no HTTP, no JSON)."""
    from hmis_ld.api import create_app
    from hmis_ld.api.context import EXTENSION

    dedup = create_app({"STORE": store}).extensions[EXTENSION].dedup

    def one(p: Params) -> float:
        return timed(lambda: dedup.create(dict(p.service_body), access, owner_project=None))

    return sampled(params, warmup, budget, min_samples, one)


# --- the server ------------------------------------------------------------------------------

def _serve(store_dir: str, conn) -> None:  # in a child process
    import logging

    from werkzeug.serving import WSGIRequestHandler, make_server

    from hmis_ld.api import create_app
    from hmis_ld.store import EmbeddedStore

    class Handler(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive; one connection at a time is all the bench uses
        disable_nagle_algorithm = True

        def log_request(self, *args, **kwargs) -> None:
            pass

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    store = EmbeddedStore(store_dir)
    app = create_app({"STORE": store})
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conn.send(server.server_port)
    conn.recv()  # stop
    server.shutdown()
    thread.join()
    store.close()
    conn.send("stopped")


class Server:
    def __init__(self, store_dir: Path):
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(str(store_dir), child))
        self.process.start()
        if not self.conn.poll(300):
            self.process.kill()
            raise SystemExit("the server did not start")
        self.port = self.conn.recv()

    def stop(self) -> None:
        self.conn.send("stop")
        self.conn.poll(120)
        self.process.join(120)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


@dataclass
class Http:
    ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bytes: int = 0


def timed_request(conn: http.client.HTTPConnection, token: str, s: Scenario, p: Params,
                  body: dict | None = None) -> tuple[float, int, int]:
    """One request (`body` instead of the scenario's own): (ms, status, response bytes)."""
    path, own = request_for(s, p)
    sent = own if body is None else body
    data = json.dumps(sent).encode() if sent is not None else None
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    conn.request(s.method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    return (time.perf_counter() - started) * 1000, response.status, len(payload)


def http_timings(port: int, token: str, s: Scenario, params: list[Params], warmup: int, budget: float,
                 min_samples: int) -> Http:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    out = Http()
    for ms, status, size in sampled(params, warmup, budget, min_samples, lambda p: timed_request(conn, token, s, p)):
        out.ms.append(ms)
        out.statuses[status] = out.statuses.get(status, 0) + 1
        out.bytes += size
    conn.close()
    return out


def floor_timings(port: int, count: int) -> list[float]:
    """A public static document: the cost of HTTP, werkzeug and Flask alone."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    out = []
    for _ in range(count):
        started = time.perf_counter()
        conn.request("GET", "/api/v1/context.jsonld")
        conn.getresponse().read()
        out.append((time.perf_counter() - started) * 1000)
    conn.close()
    return out


# --- one size --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    requests: int = 200
    warmup: int = 20
    budget: float = 60.0  # seconds per scenario and phase before a slow one stops early
    min_samples: int = 3
    profile: Path | None = None
    keep_work: bool = False


@dataclass(frozen=True)
class Session:
    """What the paired phase needs of one size's run: its written copy, tokens and parameters."""
    work: Path
    tokens: dict[str, str]
    params: list[Params]


def run_one(n: int, data: Path, cfg: Settings, *, keep: bool = False) -> tuple[dict, Session]:
    """One size's phases; `keep`: leave its written copy for the paired phase."""
    from hmis_ld.authz import resolve
    from hmis_ld.authz.accounts import Accounts
    from hmis_ld.authz.tokens import Issuer
    from hmis_ld.model import iris
    from hmis_ld.store import EmbeddedStore

    print(f"\n=== {n:,} clients ===", flush=True)
    work = working_copy(data, n)
    store = EmbeddedStore(work)
    total = cfg.requests + cfg.warmup
    rng = random.Random(SEED + n)
    project, project_enrollments = pick_project(store)
    accounts = {"bench-system": SYSTEM_GRANTS, "bench-project": (f"project:{project}:read", "pii:read"),
                "bench-nopii": NO_PII_GRANTS, "bench-writer": WRITER_GRANTS}
    names = Accounts(store)
    tokens, access = {}, {}
    issuer = Issuer(store, ISSUER, AUDIENCE)
    for name, grants in accounts.items():
        names.add(name)
        for g in grants:
            names.grant(name, g)
        tokens[name] = issuer.issue(name, set(grants))
        access[name] = resolve(store, name, name, frozenset(grants), iris.DEFAULT_SOURCE)
    started = time.perf_counter()
    # the first `warmup` sets warm up, the others are timed (distinct clients where there are enough)
    everywhere = draw_params(store, rng, total)
    inside = draw_params(store, rng, total, project)
    print(f"parameters    {time.perf_counter() - started:.1f} s: {len({p.pid for p in everywhere})} clients, "
          f"{len({p.project for p in everywhere})} projects; one-project user: project {project} "
          f"({project_enrollments} enrollments, RRH, funder 3), {len({p.pid for p in inside})} of its clients",
          flush=True)
    run = (cfg.warmup, cfg.budget, cfg.min_samples)
    result: dict = {"n": n, "project": project, "requests": cfg.requests, "warmup": cfg.warmup,
                    "load": [os.getloadavg()[0]], "scenarios": {}, "auth": {}}
    print("raw SPARQL and service calls (p50 ms): template / all queries / service", flush=True)
    for s in SCENARIOS:
        started = time.perf_counter()
        if s.write:
            svc = create_service_timings(store, access["bench-writer"], everywhere, *run)
            result["scenarios"][s.name] = {"service": svc}
            print(f"  {s.name:<20} service {p50(svc):8.2f}   ({len(svc)} samples, {time.perf_counter() - started:.0f} s)",
                  flush=True)
            continue
        raw = raw_timings(store, access["bench-system"], s, everywhere, *run)
        result["scenarios"][s.name] = {"template": raw.template, "queries": raw.queries, "service": raw.service,
                                       "n_queries": raw.n_queries}
        for who in READERS:
            r = raw_timings(store, access[who], s, inside, *run, template_only=True)
            result["auth"].setdefault(s.name, {})[who] = {"template": r.template}
        print(f"  {s.name:<20} {p50(raw.template):8.2f} / {p50(raw.queries):8.2f} ({raw.n_queries} queries) / "
              f"{p50(raw.service):8.2f}   ({len(raw.template)} samples, {time.perf_counter() - started:.0f} s)",
              flush=True)
    store.close()

    server = Server(work)
    try:
        result["floor"] = floor_timings(server.port, 220)[20:]
        print("over HTTP (ms)", flush=True)
        for s in SCENARIOS:
            started = time.perf_counter()
            who = "bench-writer" if s.write else "bench-system"
            before = cpu_probe()
            h = http_timings(server.port, tokens[who], s, everywhere, *run)
            probe = (before + cpu_probe()) / 2
            result["scenarios"][s.name].update({"http": h.ms, "statuses": h.statuses, "bytes": h.bytes,
                                                "probe": probe})
            print(f"  {s.name:<20} p50 {p50(h.ms):8.1f}  p99 {p99(h.ms):8.1f}  statuses "
                  f"{dict(sorted(h.statuses.items()))}  {h.bytes / max(len(h.ms), 1) / 1024:.1f} KiB/response  "
                  f"cpu probe {probe:.1f} ms  ({len(h.ms)} samples, {time.perf_counter() - started:.0f} s)",
                  flush=True)
        print("over HTTP, parameters inside the one project (ms): system-wide / one-project / system-wide without PII",
              flush=True)
        for s in SCENARIOS:
            if s.write:
                continue
            started = time.perf_counter()
            for who in READERS:
                h = http_timings(server.port, tokens[who], s, inside, *run)
                result["auth"][s.name][who].update({"http": h.ms, "statuses": h.statuses})
            a = result["auth"][s.name]
            times = " / ".join(f"{p50(a[who]['http']):8.1f}" for who in READERS)
            print(f"  {s.name:<20} p50 {times}   ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        server.stop()
    result["load"].append(os.getloadavg()[0])

    if cfg.profile:
        profile_endpoints(work, n, tokens, everywhere, cfg)
    if not (cfg.keep_work or keep):
        shutil.rmtree(work, ignore_errors=True)
    return result, Session(work, tokens, everywhere)


def paired_timings(small: Session, big: Session, cfg: Settings) -> dict[str, dict[str, list[float]]]:
    """Each scenario at both sizes, one server per size, the requests alternating between them:
    growth from two runs minutes apart mixes the store's size with the VM's speed, which swings
    by up to two times here (the `cpu` column); alternating, both sizes meet the same speed."""
    from hmis_ld.demo.names import FEMALE, MALE

    rng = random.Random(SEED)
    servers = [Server(small.work), Server(big.work)]
    out: dict[str, dict[str, list[float]]] = {}
    print("paired over HTTP (ms): 10k / 100k, alternating", flush=True)
    try:
        conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=3600) for server in servers]
        for s in SCENARIOS:
            who = "bench-writer" if s.write else "bench-system"
            ms: tuple[list[float], list[float]] = ([], [])
            started = time.perf_counter()
            for i, pair in enumerate(zip(small.params, big.params, strict=False)):
                for k, (session, p) in enumerate(zip((small, big), pair, strict=True)):
                    # a person the earlier phases did not create, or deduplication would just link it
                    body = {**p.body, "FirstName": rng.choice(FEMALE + MALE), "SSN": _new_ssn(rng)} if s.write else None
                    took, status, _ = timed_request(conns[k], session.tokens[who], s, p, body)
                    if i >= cfg.warmup and 200 <= status < 300:
                        ms[k].append(took)
                if len(ms[1]) >= cfg.min_samples and time.perf_counter() - started > 2 * cfg.budget:
                    break
            out[s.name] = {"small": ms[0], "big": ms[1]}
            print(f"  {s.name:<20} p50 {p50(ms[0]):8.1f} / {p50(ms[1]):8.1f}   growth {p50(ms[1]) / p50(ms[0]):5.2f}"
                  f"   ({len(ms[1])} pairs, {time.perf_counter() - started:.0f} s)", flush=True)
        for conn in conns:
            conn.close()
    finally:
        for server in servers:
            server.stop()
    return out


def profile_endpoints(work: Path, n: int, tokens: dict, params: list[Params], cfg: Settings) -> None:
    """cProfile of each endpoint through Flask's test client (no socket), DIR/<scenario>-N.pstats."""
    import cProfile

    from hmis_ld.api import create_app
    from hmis_ld.demo.names import FEMALE, MALE
    from hmis_ld.store import EmbeddedStore

    store = EmbeddedStore(work)
    app = create_app({"STORE": store})
    rng = random.Random(SEED - n)
    for s in SCENARIOS:
        client = app.test_client()
        who = "bench-writer" if s.write else "bench-system"
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[who]}"
        profiler = cProfile.Profile()
        call = client.post if s.method == "POST" else client.get

        def one(p: Params, s: Scenario = s, profiler: cProfile.Profile = profiler, call: Callable = call) -> None:
            path, body = request_for(s, p)
            if s.write:  # a person neither timed run created, or deduplication would just link it
                body = {**body, "FirstName": rng.choice(FEMALE + MALE), "SSN": _new_ssn(rng)}
            profiler.runcall(call, path, json=body) if body is not None else profiler.runcall(call, path)

        done = sampled(params[:60], 0, cfg.budget, cfg.min_samples, one)
        profiler.dump_stats(cfg.profile / f"{s.name.replace(' ', '_').replace('=', '').replace(',', '')}-{n}.pstats")
        print(f"  profiled {s.name} ({len(done)} requests)", flush=True)
    store.close()
    print(f"profiles      {cfg.profile}/<scenario>-{n}.pstats; read with python -m pstats", flush=True)


# --- the report ------------------------------------------------------------------------------

def _target(s: Scenario) -> float:
    """p50 target in ms: a point lookup, a create (issue 5), or a page of 50 (issue 3)."""
    return TARGET_POINT_MS if s.point else TARGET_CREATE_MS if s.write else TARGET_PAGE_MS


def _mark(ok: bool | None) -> str:
    return "-" if ok is None else ("met" if ok else "MISSED")


def _f(x: float, digits: int = 1) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _ran(*runs: dict) -> list[Scenario]:
    """The scenarios every run has (a saved run may predate one)."""
    return [s for s in SCENARIOS if all(s.name in r["scenarios"] for r in runs)]


def report(results: dict[int, dict], sizes: list[int]) -> None:
    for n in sizes:
        r = results[n]
        print(f"\n=== {n:,} clients: endpoint over HTTP vs raw SPARQL (ms; {r['requests']} requests after "
              f"{r['warmup']} warm-up, page of {LIMIT}) ===")
        print(f"HTTP floor (GET /api/v1/context.jsonld, no auth, no store): p50 {_f(p50(r['floor']), 2)} ms; "
              f"1-min load average {r['load'][0]:.1f} before, {r['load'][-1]:.1f} after ({os.cpu_count()} CPUs)")
        print(f"{'scenario':<20} {'n':>4} {'p50':>7} {'p99':>7} {'tmpl':>7} {'all q':>7} {'#q':>3} {'svc':>7} "
              f"{'p50/tmpl':>8} {'p50/svc':>7} {'target':>7}  {'p50 target':<10} {'cpu ms':>6} {'non-2xx':<8}")
        for s in _ran(r):
            d = r["scenarios"][s.name]
            http_p50 = p50(d["http"])
            tmpl, allq, svc = p50(d.get("template", [])), p50(d.get("queries", [])), p50(d.get("service", []))
            target = _target(s)
            bad = sum(c for st, c in d["statuses"].items() if not 200 <= int(st) < 300)
            print(f"{s.name:<20} {len(d['http']):>4} {_f(http_p50):>7} {_f(p99(d['http'])):>7} {_f(tmpl, 2):>7} "
                  f"{_f(allq, 2):>7} {d.get('n_queries') or '-':>3} {_f(svc):>7} {_f(http_p50 / tmpl if tmpl else math.nan):>8} "
                  f"{_f(http_p50 / svc if svc else math.nan):>7} {'<=' + str(int(target)):>7}  "
                  f"{_mark(http_p50 <= target):<10} {_f(d.get('probe', math.nan)):>6} {bad or '':<8}")
        print("tmpl: the scenario's template (queries/*.rq; a point lookup's record read) run on the store, rows "
              "listed; all q: every query the endpoint's service call makes (#q of them), summed, though some run at "
              "once (hmis_ld.service.concurrency); svc: the service call "
              "(queries + records, no HTTP/JSON/audit; for create: parse + SHACL + write); cpu ms: a fixed Python "
              "loop timed around the scenario's HTTP requests (the same in every run: a higher figure is a slower VM "
              "at that moment)")

        print(f"\n--- {n:,} clients: authorization cost (same requests inside project {r['project']}; p50 ms) ---")
        print(f"{'scenario':<20} {'system':>8} {'project':>8} {'ratio':>6} {'no-PII':>8} {'ratio':>6}   "
              f"{'tmpl sys':>8} {'tmpl prj':>8} {'ratio':>6} {'tmpl noPII':>10} {'ratio':>6}  non-2xx (sys/prj/noPII)")
        for s in _ran(r):
            if s.write:
                continue
            a = r["auth"][s.name]
            http_ = [p50(a[who]["http"]) for who in READERS]
            tmpl = [p50(a[who]["template"]) for who in READERS]
            bad = [sum(c for st, c in a[who]["statuses"].items() if not 200 <= int(st) < 300) for who in READERS]
            print(f"{s.name:<20} {_f(http_[0]):>8} {_f(http_[1]):>8} {_f(http_[1] / http_[0], 2):>6} "
                  f"{_f(http_[2]):>8} {_f(http_[2] / http_[0], 2):>6}   {_f(tmpl[0], 2):>8} {_f(tmpl[1], 2):>8} "
                  f"{_f(tmpl[1] / tmpl[0], 2):>6} {_f(tmpl[2], 2):>10} {_f(tmpl[2] / tmpl[0], 2):>6}  "
                  f"{'/'.join(str(x or '') for x in bad)}")
        print("system: all:read pii:read (dataset: the union of all graphs); project: project:<ID>:read pii:read; "
              "no-PII: all:read (dataset: a list of every record graph); ratios against system; >1: costs more. "
              "Without pii:read a search finds nothing (404s)")

    if 10_000 in results and 100_000 in results:
        small, big = results[10_000], results[100_000]
        print("\n=== growth: p50 at 100k / p50 at 10k (target <= 2x) ===")
        print(f"{'scenario':<20} {'10k p50':>8} {'100k p50':>9} {'growth':>7} {'tmpl growth':>11}  {'target':<7}"
              f" {'KiB/response 10k / 100k':>24}")
        for s in _ran(small, big):
            a, b = small["scenarios"][s.name], big["scenarios"][s.name]
            g = p50(b["http"]) / p50(a["http"])
            ta, tb = p50(a.get("template", [])), p50(b.get("template", []))
            tg = tb / ta if ta and not math.isnan(ta) else math.nan
            size = " / ".join(f"{r['bytes'] / max(len(r['http']), 1) / 1024:.1f}" for r in (a, b))
            print(f"{s.name:<20} {_f(p50(a['http'])):>8} {_f(p50(b['http'])):>9} {_f(g, 2):>7} {_f(tg, 2):>11}  "
                  f"{_mark(g <= TARGET_GROWTH):<7} {size:>24}")
        print("a response that grew with the store (more projects of a funder, more people sharing four SSN "
              "digits) costs more for that reason alone; a scenario named '<request>, N' asks for a page of N, "
              "which holds as many records at both sizes")
        if "paired" in big:
            print("\n=== growth, paired: both sizes served at once, requests alternating (p50 ms) ===")
            print(f"{'scenario':<20} {'10k p50':>8} {'100k p50':>9} {'growth':>7}  {'target':<7}")
            for name, d in big["paired"].items():
                g = p50(d["big"]) / p50(d["small"])
                print(f"{name:<20} {_f(p50(d['small'])):>8} {_f(p50(d['big'])):>9} {_f(g, 2):>7}  "
                      f"{_mark(g <= TARGET_GROWTH):<7}")
            print("the same VM speed for both sizes, request by request; the table above compares phases "
                  "minutes apart")

    print("\n=== targets ===")
    for n in sorted(results):
        r = results[n]
        missed = [s.name for s in _ran(r) if p50(r["scenarios"][s.name]["http"]) > _target(s)]
        print(f"{n:>8,} clients: {len(_ran(r)) - len(missed)}/{len(_ran(r))} scenarios meet their p50 target"
              + (f"; missed: {', '.join(missed)}" if missed else ""))
    if 10_000 in results and 100_000 in results:
        both = _ran(results[10_000], results[100_000])
        grown = [s.name for s in both if p50(results[100_000]["scenarios"][s.name]["http"])
                 > TARGET_GROWTH * p50(results[10_000]["scenarios"][s.name]["http"])]
        print(f"growth: {len(both) - len(grown)}/{len(both)} within {TARGET_GROWTH:g}x"
              + (f"; beyond: {', '.join(grown)}" if grown else ""))
        pairs = results[100_000].get("paired", {})
        if pairs:
            grown = [name for name, d in pairs.items() if p50(d["big"]) > TARGET_GROWTH * p50(d["small"])]
            print(f"growth, paired: {len(pairs) - len(grown)}/{len(pairs)} within {TARGET_GROWTH:g}x"
                  + (f"; beyond: {', '.join(grown)}" if grown else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=list(DEFAULT_CLIENTS), metavar="N")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / ".data",
                        help="where the demo stores are (DATA/store-N, as import_bench.py --keep leaves them)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default 20)")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="also cProfile 60 requests per endpoint")
    parser.add_argument("--keep-work", action="store_true", help="keep DATA/api-bench-work-N (the written copy)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds per scenario and phase after which a slow scenario stops early (default 60)")
    parser.add_argument("--min-samples", type=int, default=3, help="timed requests even past the budget (default 3)")
    args = parser.parse_args(argv)
    cfg = Settings(args.requests, args.warmup, args.budget, args.min_samples, args.profile, args.keep_work)
    args.data.mkdir(parents=True, exist_ok=True)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.2f}, seed {SEED}")
    results: dict[int, dict] = {}
    sessions: dict[int, Session] = {}
    paired = set(DEFAULT_CLIENTS) <= set(args.clients)
    for n in args.clients:
        results[n], sessions[n] = run_one(n, args.data, cfg, keep=paired)
        (args.data / f"api-bench-{n}.json").write_text(json.dumps(results[n]))
    if paired:
        small, big = DEFAULT_CLIENTS
        results[big]["paired"] = paired_timings(sessions[small], sessions[big], cfg)
        (args.data / f"api-bench-{big}.json").write_text(json.dumps(results[big]))
        if not cfg.keep_work:
            for session in sessions.values():
                shutil.rmtree(session.work, ignore_errors=True)
    for n in DEFAULT_CLIENTS:  # growth needs both sizes: take a saved run of the other one
        saved = args.data / f"api-bench-{n}.json"
        if n not in results and saved.exists():
            results[n] = json.loads(saved.read_text())
            print(f"\n(using the saved {n:,}-client results of an earlier run: {saved})")
    report(results, sorted(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
