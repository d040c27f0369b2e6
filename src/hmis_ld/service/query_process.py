"""A caller's SPARQL query run in a forked child process, so that it can be stopped.

pyoxigraph cannot cancel a running query, and one without bounds (a cartesian COUNT) would hold
a core for hours. So each caller query runs in a child forked from the server: the child sees
the store as it was at the fork (copy-on-write memory, the same RocksDB files), runs the query
with `Store.sparql`, and sends its results back through a pipe in batches of pickled pyoxigraph
terms, stopping one row past the row limit. The server reads them under a deadline and kills
the child (SIGKILL) when it passes: the work truly stops and the server's own threads never
wait on the store. docs/sparql.md discusses the design and its limits.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld.service.problems import FieldProblem, Invalid, Problem
from hmis_ld.store.base import Store

_LENGTH = struct.Struct("!I")
BATCH_ROWS = 256
BATCH_SECONDS = 0.2  # a slow query's first rows are not held back longer than this


@dataclass(frozen=True)
class Limits:
    """The endpoint's governance, each from a HMIS_LD_SPARQL_* setting."""

    timeout: float = 10.0  # HMIS_LD_SPARQL_TIMEOUT, seconds
    max_rows: int = 10_000  # HMIS_LD_SPARQL_MAX_ROWS, solutions or triples
    max_concurrent: int = 2  # HMIS_LD_SPARQL_MAX_CONCURRENT, queries at once per caller


class TimeLimit(Problem):
    status = 503
    title = "Query stopped"

    def __init__(self, seconds: float):
        super().__init__(f"the query ran past the time limit of {seconds:g} s (HMIS_LD_SPARQL_TIMEOUT) and was "
                         "stopped: narrow it (a LIMIT, a more selective first pattern) and try again")


class QueryFailed(Problem):
    status = 503
    title = "Query failed"


@dataclass(frozen=True)
class Header:
    kind: str  # "solutions", "boolean" or "triples"
    variables: tuple[str, ...] = ()
    boolean: bool = False


class QueryProcess:
    """One query in its child. `header` is read at once (so a query that finds nothing in time
    is a TimeLimit before any answer starts); then `batches()` yields lists of rows (tuples of
    terms, None when unbound) or triples, and `truncated` tells whether rows were left out.
    `close()` kills the child if it is still running: call it in every case."""

    def __init__(self, store: Store, query: str, *, default_graphs: Sequence[str], named_graphs: Sequence[str],
                 limits: Limits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.timeout
        self.truncated = False
        self.done = False
        self._pipe: int | None = None
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: run, send, and never return into the server's code
            os.close(read)
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                with os.fdopen(write, "wb") as out:
                    _produce(out, store, query, default_graphs, named_graphs, limits.max_rows)
            except BaseException:  # noqa: BLE001 (the pipe closed early: the server stopped reading)
                code = 1
            os._exit(code)
        os.close(write)
        self._pipe = read
        try:
            self.header = self._header()
        except BaseException:
            self.close()
            raise

    def _header(self) -> Header:
        frame = self._frame()
        if frame[0] == "error":
            raise Invalid([FieldProblem("query", None, f"the store could not run it: {frame[1]}")], status=400)
        if frame[0] == "boolean":
            self.done = True
            return Header("boolean", boolean=frame[1])
        return Header(frame[0], tuple(frame[1]) if frame[0] == "solutions" else ())

    def batches(self) -> Iterator[list]:
        while not self.done:
            frame = self._frame()
            if frame[0] == "end":
                self.done, self.truncated = True, frame[1]
                return
            yield frame[1]

    def _frame(self) -> tuple:
        length = _LENGTH.unpack(self._read(_LENGTH.size))[0]
        return pickle.loads(self._read(length))  # written by our own child

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._pipe], [], [], remaining)[0]:
                raise TimeLimit(self.limits.timeout)
            chunk = os.read(self._pipe, min(size - len(data), 1 << 20))
            if not chunk:
                raise QueryFailed("the query's process ended before its results did")
            data += chunk
        return data

    @property
    def closed(self) -> bool:
        return self._pipe is None

    def close(self) -> None:
        if self._pipe is None:
            return
        os.close(self._pipe)
        self._pipe = None
        if not self.done:
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def _produce(out, store: Store, query: str, default_graphs: Sequence[str], named_graphs: Sequence[str],
             max_rows: int) -> None:
    def send(*frame: object) -> None:
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_LENGTH.pack(len(data)) + data)
        out.flush()

    try:
        result = store.sparql(query, default_graphs=default_graphs, named_graphs=named_graphs)
    except (SyntaxError, ValueError) as exc:  # what our parser let through and the store's did not
        send("error", str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        return
    if isinstance(result, ox.QueryBoolean):
        send("boolean", bool(result))
        return
    if isinstance(result, ox.QuerySolutions):
        send("solutions", [v.value for v in result.variables])
        items: Iterator = (tuple(solution) for solution in result)
    else:
        send("triples")
        items = iter(result)
    batch: list = []
    sent, flushed = 0, time.monotonic()
    for item in items:
        if sent + len(batch) == max_rows:
            if batch:
                send("rows", batch)
            send("end", True)
            return
        batch.append(item)
        if len(batch) >= BATCH_ROWS or time.monotonic() - flushed > BATCH_SECONDS:
            send("rows", batch)
            sent, batch, flushed = sent + len(batch), [], time.monotonic()
    if batch:
        send("rows", batch)
    send("end", False)
