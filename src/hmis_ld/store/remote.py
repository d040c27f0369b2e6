"""A SPARQL engine over HTTP: SPARQL 1.1 Query, Update and Graph Store protocols.

Written against `oxigraph serve` (endpoints /query, /update, /store); another engine's
endpoints are given one by one (docs/deployment.md). Authorization stays ours: every read
sends its dataset as `default-graph-uri` and `named-graph-uri`, which the engine must honour
over the query's own FROM. Results come back as TSV, whose cells are N-Triples terms that
pyoxigraph parses without a JSON detour. One pooled HTTP session per store keeps a query to
one round trip on a kept-alive connection.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from itertools import islice
from typing import IO

import pyoxigraph as ox
import requests
from requests.adapters import HTTPAdapter

from hmis_ld.store.base import Dataset, EveryGraph, Row, SparqlResult, Store, Term, insert_data, ntriples_term
from hmis_ld.store.claims import claimed

NO_GRAPH = "urn:hmis-ld:graph:none"  # an empty dataset names a graph that holds nothing
TSV = "text/tab-separated-values"
NQUADS = "application/n-quads"
_EVERY_QUAD = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
_NAMED_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
CHUNK = 50_000  # quads per Graph Store POST during a bulk load


class StoreError(RuntimeError):
    """The engine refused a request or could not be reached."""


class RemoteStore(Store):
    """Each `update`/`extend` is one update request: one transaction on engines that run an
    update request atomically (Oxigraph does). Nothing is cached between requests, since
    other processes write to the same store."""

    def __init__(self, url: str, *, query_url: str | None = None, update_url: str | None = None,
                 store_url: str | None = None, union_parameter: str | None = "union-default-graph",
                 timeout: float = 60.0, pool: int = 8):
        base = url.rstrip("/")
        self.url = base
        self.query_url = query_url or base + "/query"
        self.update_url = update_url or base + "/update"
        self.store_url = store_url or base + "/store"
        self.union_parameter = union_parameter
        self.timeout = timeout
        self._local = threading.local()
        self._pool = pool
        _OPEN.add(self)

    @property
    def _http(self) -> requests.Session:
        """A session per thread (requests' Session is not thread-safe), pooled connections."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_connections=2, pool_maxsize=self._pool))
            session.mount("https://", HTTPAdapter(pool_connections=2, pool_maxsize=self._pool))
            self._local.session = session
        return session

    def _post(self, url: str, *, data: object, headers: dict[str, str]) -> requests.Response:
        try:
            response = self._http.post(url, data=data, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise StoreError(f"the store at {self.url} could not be reached: {exc.__class__.__name__}") from None
        if response.status_code == 400:
            raise SyntaxError(response.text.strip()[:500])
        if response.status_code >= 300:
            raise StoreError(f"the store at {self.url} answered {response.status_code}: {response.text.strip()[:300]}")
        return response

    def _dataset(self, graphs: Dataset) -> list[tuple[str, str]]:
        if isinstance(graphs, EveryGraph):
            if self.union_parameter is None:  # an engine whose default graph is the union already
                return []
            return [(self.union_parameter, "true")]
        if isinstance(graphs, str) or not isinstance(graphs, Sequence):
            raise TypeError(f"a read names its dataset: a list of graphs or EVERY_GRAPH, not {graphs!r}")
        names = list(graphs) or [NO_GRAPH]
        return [("default-graph-uri", g) for g in names] + [("named-graph-uri", g) for g in names]

    def _query(self, sparql: str, graphs: Dataset, substitutions: Mapping[str, Term] | None, accept: str
               ) -> bytes:
        form = [("query", bind(sparql, substitutions)), *self._dataset(graphs)]
        return self._post(self.query_url, data=form, headers={"Accept": accept}).content

    def select(self, sparql, *, graphs, substitutions=None) -> Iterator[Row]:
        solutions = ox.parse_query_results(self._query(sparql, graphs, substitutions, TSV),
                                           format=ox.QueryResultsFormat.TSV)
        names = [v.value for v in solutions.variables]
        rows = [{n: v for n, v in zip(names, s, strict=True) if v is not None} for s in solutions]
        return iter(rows)

    def construct(self, sparql, *, graphs, substitutions=None) -> list[ox.Triple]:
        body = self._query(sparql, graphs, substitutions, "application/n-triples")
        return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]

    def ask(self, sparql, *, graphs, substitutions=None) -> bool:
        return bool(ox.parse_query_results(self._query(sparql, graphs, substitutions, TSV),
                                           format=ox.QueryResultsFormat.TSV))

    def sparql(self, query: str, *, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> SparqlResult:
        form = [("query", query), *[("default-graph-uri", g) for g in default_graphs or [NO_GRAPH]],
                *[("named-graph-uri", g) for g in named_graphs or [NO_GRAPH]]]
        response = self._post(self.query_url, data=form, headers={"Accept": f"{TSV}, application/n-triples;q=0.9"})
        if response.headers.get("Content-Type", "").startswith(TSV):
            return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.TSV)
        return (q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))

    def update(self, sparql: str) -> None:
        self._post(self.update_url, data=sparql.encode(),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        if quads:
            self.update(insert_data(quads))

    def bulk_load(self, quads: Iterable[ox.Quad]) -> None:
        """N-Quads POSTed to the Graph Store endpoint, in chunks: not one transaction."""
        it = iter(quads)
        while chunk := list(islice(it, CHUNK)):
            body = ox.serialize(chunk, format=ox.RdfFormat.N_QUADS)
            self._post(self.store_url, data=body, headers={"Content-Type": "application/n-quads"})

    def optimize(self) -> None:
        """The engine compacts its own storage."""

    def is_empty(self) -> bool:
        return not self.ask("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", graphs=_EVERY)

    def graph_names(self) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", graphs=_EVERY)
        return sorted(r["g"].value for r in rows if isinstance(r["g"], ox.NamedNode))

    def dump_nquads(self) -> bytes:
        body = self._query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }", _EVERY, None, TSV)
        solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
        lines = sorted(f"{s[0]} {s[1]} {s[2]} {s[3]} ." for s in solutions)
        return ("\n".join(lines) + "\n").encode()

    def lock(self, name: str) -> AbstractContextManager[None]:
        return claimed(self, name)

    def clear(self) -> None:
        """Remove every quad (tests give each test an empty store this way)."""
        self.update("DROP ALL")

    def write_nquads(self, out: IO[bytes]) -> None:
        """Every quad, the default graph's included, as N-Quads, copied as it comes: the Graph
        Store endpoint serves the whole dataset from one snapshot on Oxigraph and, unlike a
        query, without a time limit (a SELECT of every quad was cut off at 3.3M of 4.7M quads by
        `--timeout-s 60`). An engine that answers that GET otherwise is read by one query,
        whose rows are N-Triples terms, so a row is an N-Quads line; an engine whose default
        graph is the union of the named graphs has no default graph of its own to read."""
        with self._stream("GET", self.store_url, accept=NQUADS) as response:
            if response.status_code == 200 and response.headers.get("Content-Type", "").startswith(NQUADS):
                shutil.copyfileobj(response.raw, out, 1 << 20)
                return
        query = _EVERY_QUAD if self.union_parameter else _NAMED_QUADS
        with self._stream("POST", self.query_url, accept=TSV, data={"query": query}) as response:
            if response.status_code != 200:
                raise StoreError(f"the store at {self.url} answered {response.status_code}: {response.text[:300]}")
            try:
                for s, p, o, g in ox.parse_query_results(response.raw, format=ox.QueryResultsFormat.TSV):
                    out.write(f"{s} {p} {o} {g} .\n".encode() if g is not None else f"{s} {p} {o} .\n".encode())
            except SyntaxError as exc:  # an engine stops a query past its time limit mid-answer
                raise StoreError(f"the store at {self.url} broke off the answer ({exc}): raise its query time "
                                 "limit, or use the engine's own backup") from None

    def _stream(self, method: str, url: str, *, accept: str, data: dict | None = None) -> requests.Response:
        """A streamed answer, decoded as it is read."""
        try:
            response = self._http.request(method, url, data=data, headers={"Accept": accept}, stream=True,
                                          timeout=self.timeout)
        except requests.RequestException as exc:
            raise StoreError(f"the store at {self.url} could not be reached: {exc.__class__.__name__}") from None
        response.raw.decode_content = True
        return response

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()


_EVERY = EveryGraph()

# A forked child (the SPARQL endpoint runs each query in one) inherits the pooled connections
# of the thread that forked. Were it to send its query on one of them and be killed, the
# parent would later read the engine's answer to the child's query as its own. The child
# starts with sessions of its own instead; the inherited sockets stay the parent's.
_OPEN: weakref.WeakSet[RemoteStore] = weakref.WeakSet()


def _fresh_sessions_in_child() -> None:
    for store in list(_OPEN):
        store._local = threading.local()


os.register_at_fork(after_in_child=_fresh_sessions_in_child)

# A variable token outside strings, IRIs and comments: a lexer just good enough to find the
# first group of the WHERE clause.
_TOKEN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"'
                    r"|'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*|[{}]|\bCONSTRUCT\b|\bWHERE\b",
                    re.IGNORECASE)


def bind(sparql: str, substitutions: Mapping[str, Term] | None) -> str:
    """The query with each substituted variable bound by a VALUES block opening its WHERE
    group: the engine sees the values as N-Triples terms (escaped by pyoxigraph), never as
    query text, and the variables stay in the projection as with the embedded store."""
    if not substitutions:
        return sparql
    for name in substitutions:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"not a variable name: {name!r}")
    names = " ".join(f"?{n}" for n in substitutions)
    values = " ".join(ntriples_term(t) for t in substitutions.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    at = _where_group(sparql)
    return sparql[:at] + block + sparql[at:]


def _where_group(sparql: str) -> int:
    """Where the WHERE clause's group opens (just after its `{`)."""
    depth, template = 0, False
    for token in _TOKEN.finditer(sparql):
        text = token.group().upper()
        if text == "CONSTRUCT":
            template = True
        elif text == "WHERE" and depth == 0:
            template = False
        elif text == "{":
            if depth == 0 and not template:
                return token.end()
            depth += 1
        elif text == "}":
            depth -= 1
            if depth == 0:
                template = False
    raise ValueError("a query with substitutions needs a WHERE group")
