"""SPARQL for researchers: the SPARQL 1.1 Protocol, read-only, over exactly the caller's graphs.

The caller's graphs, without the PII graphs and the system graphs, are every query's reach:
FROM / FROM NAMED, or the protocol's default-graph-uri / named-graph-uri (which override them),
narrow within those, and a graph outside them is left out exactly as a graph that does not
exist is, so GRAPH, COUNT and ASK cannot see past them. SERVICE (which would make the server
fetch URLs) and updates are refused, judged on the parsed query (service.user_query). Each
query runs in a child process that the time limit kills (service.query_process); answers
stream in the negotiated format (service.sparql_formats). GET without a query answers the
SPARQL 1.1 Service Description. docs/sparql.md describes it all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Flask, Response, current_app, json, request
from flask_smorest import Blueprint

from hmis_ld.api import cors
from hmis_ld.api.context import current_access, services
from hmis_ld.api.guard import require
from hmis_ld.api.problems import problem_response
from hmis_ld.authz import SYSTEM_GRAPHS
from hmis_ld.model import iris
from hmis_ld.service import sparql_formats as formats
from hmis_ld.service.problems import FieldProblem, Invalid, Problem
from hmis_ld.service.query_process import Limits, QueryProcess, TimeLimit
from hmis_ld.service.query_slots import RETRY_AFTER, QuerySlots, TooManyQueries
from hmis_ld.service.service_description import PREFIXES, VoidCache, describe
from hmis_ld.service.sparql_examples import examples
from hmis_ld.service.user_query import UPDATES_REFUSED, parse_user_query
from hmis_ld.store.base import EveryGraph

blp = Blueprint("sparql", __name__, url_prefix="/api/v1", description="SPARQL 1.1 query over your graphs")

EXTENSION = "hmis_ld_sparql"
READ_AHEAD = 1_000  # rows read before an answer starts: a result this small gets exact headers
DESCRIPTION_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD}


@dataclass
class Endpoint:
    limits: Limits
    slots: QuerySlots
    void: VoidCache


def install(app: Flask) -> None:
    """The endpoint's limits (HMIS_LD_SPARQL_TIMEOUT, _MAX_ROWS, _MAX_CONCURRENT, _VOID_SECONDS)
    and CORS (HMIS_LD_CORS_ORIGINS), before authentication: a preflight carries no token."""
    config = app.config
    limits = Limits(timeout=float(config.get("SPARQL_TIMEOUT", Limits.timeout)),
                    max_rows=int(config.get("SPARQL_MAX_ROWS", Limits.max_rows)),
                    max_concurrent=int(config.get("SPARQL_MAX_CONCURRENT", Limits.max_concurrent)))
    store = app.extensions["hmis_ld"].store
    app.extensions[EXTENSION] = Endpoint(limits, QuerySlots(limits.max_concurrent),
                                         VoidCache(store, float(config.get("SPARQL_VOID_SECONDS", 300))))
    cors.install(app)


def _endpoint() -> Endpoint:
    return current_app.extensions[EXTENSION]


@dataclass(frozen=True)
class Request:
    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]


def _request() -> Request:
    """The protocol's parameters: in the URL (GET, and POST direct), or in the form."""
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        query: str | None = request.get_data(as_text=True)
        params = request.args
    elif request.method == "POST" and request.mimetype != "application/x-www-form-urlencoded":
        raise Problem("POST a query as application/sparql-query or application/x-www-form-urlencoded",
                      status=415)
    else:
        params = request.form if request.method == "POST" else request.args
        if params.getlist("update"):
            raise Invalid([FieldProblem("update", None, UPDATES_REFUSED)], status=400)
        texts = params.getlist("query")
        if len(texts) > 1:
            raise Invalid([FieldProblem("query", None, "give one query")], status=400)
        query = texts[0] if texts else None
    return Request(query, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))


def _queryable() -> list[str]:
    """The caller's graphs, without the PII graphs and the system graphs."""
    store = services().store
    graphs = current_access().dataset(store)
    return [g for g in (store.graph_names() if isinstance(graphs, EveryGraph) else graphs)
            if g not in SYSTEM_GRAPHS and not g.endswith(iris.PII_SUFFIX)]


def _negotiate(offers: list[str], default: str) -> str:
    if not request.accept_mimetypes:
        return default
    chosen = request.accept_mimetypes.best_match(offers)
    if chosen is None:
        raise Problem(f"this answer comes as {', '.join(offers)}: none of them is acceptable to you", status=406)
    return chosen


@blp.route("/sparql", methods=["GET", "POST"])
@blp.doc(summary="SPARQL 1.1 Protocol query over the graphs you may read, less names, SSN and DOB (scope: sparql)",
         description="GET with `query`, POST form or POST application/sparql-query; `default-graph-uri` and "
                     "`named-graph-uri` narrow the dataset. Without a query: the SPARQL 1.1 Service Description. "
                     "See docs/sparql.md for formats and limits.",
         parameters=[{"name": "query", "in": "query", "required": False, "schema": {"type": "string"}},
                     {"name": "default-graph-uri", "in": "query", "required": False,
                      "schema": {"type": "array", "items": {"type": "string"}}},
                     {"name": "named-graph-uri", "in": "query", "required": False,
                      "schema": {"type": "array", "items": {"type": "string"}}}])
@require("sparql")
def sparql() -> Response:
    given = _request()
    if given.query is None:
        return _service_description()
    query = parse_user_query(given.query)
    offers = formats.TRIPLE_FORMATS if query.returns_triples else formats.SOLUTION_FORMATS
    fmt = formats.resolve(_negotiate(formats.offered(offers), next(iter(offers))), offers)
    allowed = _queryable()
    if given.default_graphs or given.named_graphs:  # the protocol's dataset overrides the query's own
        default, named = given.default_graphs, given.named_graphs
    elif query.from_default or query.from_named:
        default, named = list(query.from_default), list(query.from_named)
    else:
        default = named = allowed
    # A graph outside the caller's is left out exactly as one that does not exist: no answer tells them apart.
    mine = set(allowed)
    default, named = [g for g in default if g in mine], [g for g in named if g in mine]
    endpoint = _endpoint()
    access = current_access()
    caller = access.account or access.user_id
    try:
        endpoint.slots.take(caller)
    except TooManyQueries as exc:
        response = problem_response(exc.status, exc.title, exc.detail)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response
    try:
        run = QueryProcess(services().store, query.text, default_graphs=default, named_graphs=named,
                           limits=endpoint.limits)
    except BaseException:
        endpoint.slots.give_back(caller)
        raise
    return _answer(run, fmt, endpoint.limits, lambda: endpoint.slots.give_back(caller))


def _answer(run: QueryProcess, fmt: formats.Format, limits: Limits, release: Callable[[], None]) -> Response:
    """Read ahead (all of it where the format cannot say at its end that rows were left out),
    then stream the rest as it comes."""
    headers = {"HMIS-LD-Row-Limit": str(limits.max_rows), "Vary": "Accept"}
    read: list[list] = []
    if run.header.kind == "boolean":
        run.close()
        release()
        return Response(formats.boolean(fmt, run.header.boolean), mimetype=fmt.media_type, headers=headers)
    try:
        batches = run.batches()
        count = 0
        for batch in batches:
            read.append(batch)
            count += len(batch)
            if fmt.in_band_note and count >= READ_AHEAD:
                break
    except BaseException:
        run.close()
        release()
        raise
    if run.done:  # read whole: the query's process and slot are free before the answer is sent
        headers["HMIS-LD-Truncated"] = "true" if run.truncated else "false"
        run.close()
        release()
    stopped: list[str] = []

    def rows() -> Iterator[list]:
        yield from read
        try:
            yield from batches
        except TimeLimit as exc:  # the answer has started: it ends saying so
            stopped.append(exc.detail)

    def note() -> str | None:
        if stopped:
            return "incomplete: " + stopped[0]
        if run.truncated:
            return f"truncated: more than {limits.max_rows} rows, the limit (HMIS_LD_SPARQL_MAX_ROWS)"
        return None

    def body() -> Iterator[bytes]:
        try:
            if run.header.kind == "triples":
                yield from formats.triples(fmt, rows(), note)
            else:
                yield from formats.solutions(fmt, run.header.variables, rows(), note)
        finally:
            if not run.closed:
                run.close()
                release()

    return Response(body(), mimetype=fmt.media_type, headers=headers)


def _service_description() -> Response:
    chosen = _negotiate([*DESCRIPTION_FORMATS, "application/json"], "text/turtle")
    chosen = "application/ld+json" if chosen == "application/json" else chosen
    triples = describe(request.base_url, _queryable(), _endpoint().void)
    body = ox.serialize(triples, format=DESCRIPTION_FORMATS[chosen], prefixes=PREFIXES)
    return Response(body, mimetype=chosen, headers={"Vary": "Accept"})


@blp.route("/sparql/examples", methods=["GET"])
@blp.doc(summary="Example SPARQL queries, one per baseline scenario (scope: sparql)")
@require("sparql")
def sparql_examples() -> Response:
    return Response(json.dumps([{"name": e.name, "title": e.title, "query": e.query} for e in examples()]),
                    mimetype="application/json")
