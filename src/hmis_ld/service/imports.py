"""Live imports: an HMIS CSV export uploaded to a serving API, imported by a background job.

A job's state lives in the store's imports graph (a system graph no caller's dataset
includes), so every API process sharing the store answers for every job, whichever one runs
it. The process running a job renews the job's lease every few seconds; a job whose lease
has run out (its process stopped) reads as failed, never as running for ever. One import
runs at a time per store: the importer's checks (is the parent stored? is the stored
version newer?) assume that no other import writes the same keys meanwhile. `hmis-ld
import-csv` into a store with data runs as a job too (`run_here`), so it and an upload
exclude each other whichever starts first.

Into a store with data (a serving one holds accounts at least) the importer writes each
batch of records in one transaction, so readers keep being answered and see each record
whole or not at all (docs/csv.md).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import pyoxigraph as ox

from hmis_ld import clock
from hmis_ld.authz import Access
from hmis_ld.csv.importer import import_csv
from hmis_ld.csv.report import ImportReport
from hmis_ld.model import iris
from hmis_ld.model.schema import EXT, RDF_TYPE
from hmis_ld.service.import_archive import Export, check_archive, count_rows
from hmis_ld.service.problems import Conflict, NotFound, Problem
from hmis_ld.store import Store
from hmis_ld.store.base import ntriples_term

JOB = EXT + "ImportJob"
IMPORTED_BY = EXT + "importedBy"  # the account that uploaded the export
STATUS = EXT + "importStatus"  # the job's state, progress and report, as one JSON document
LEASE_UNTIL = EXT + "leaseUntil"  # seconds since the epoch; renewed while the job runs
DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")

LEASE = 60.0  # seconds without renewal after which a running job counts as stopped
BEAT = 5.0  # seconds between renewals: a lease outlives eleven missed ones
SHOW_EVERY = 1.0  # seconds between two writes of a running job's progress
PROBLEMS_KEPT = 1000  # problems listed in a job's report; their count is always whole
ACTIVE = ("checking", "importing")
UPLOADS = "hmis-ld-import-"  # an upload's folder: this prefix, the pid of the process that took it, a suffix
SHELL = "shell:hmis-ld import-csv"  # the account of imports run from a shell: no API account has a colon
STOPPED = ("the process running this import stopped before it finished; the batches it wrote stay, "
           "and importing the same export again completes it")
log = logging.getLogger(__name__)


class ImportJobs:
    """Start import jobs, and read them back for the account that started them."""

    def __init__(self, store: Store, source: str, max_unpacked: int, *, lease: float = LEASE, beat: float = BEAT):
        self.store, self.source, self.max_unpacked = store, source, max_unpacked
        self.lease, self.beat = lease, beat

    @staticmethod
    def upload_path() -> Path:
        """A fresh file for an upload: the job removes it, with its folder, when it ends. The
        folder is named for this process, so that `sweep_uploads` knows when it is abandoned."""
        return Path(tempfile.mkdtemp(prefix=f"{UPLOADS}{os.getpid()}-")) / "export.zip"

    @staticmethod
    def sweep_uploads() -> int:
        """Remove the uploads of processes that are gone (killed mid-import, they could not):
        an export holds personal data and may be large. Returns how many were removed."""
        removed = 0
        for folder in Path(tempfile.gettempdir()).glob(f"{UPLOADS}*-*"):
            pid = folder.name[len(UPLOADS):].partition("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        if removed:
            log.info("removed %d upload(s) left by stopped processes", removed)
        return removed

    @staticmethod
    def discard(upload: Path) -> None:
        shutil.rmtree(upload.parent, ignore_errors=True)

    def start(self, upload: Path, access: Access) -> str:
        """Check the upload (a Problem, 4xx, says what is wrong) and start importing it in the
        background; returns the job's id. From here the upload is the job's."""
        export = check_archive(upload, self.max_unpacked)
        job, created = self._claim(access.account)
        threading.Thread(target=self._run, args=(job, created, export), name=f"import-{job[:8]}", daemon=True).start()
        return job

    def run_here(self, path: Path, *, strict: bool = False) -> ImportReport:
        """Import `path` in this process, as a job of the SHELL account: refused (Conflict) while
        another import runs, and counted as running by every API process until it ends."""
        job, created = self._claim(SHELL)
        state: dict[str, object] = {"status": "importing", "created": created}
        started = time.perf_counter()
        with self._running(job, state):
            try:
                self._write(job, state)
                report = import_csv(self.store, path, source=self.source, strict=strict)
            except BaseException as exc:
                state.update(status="failed", finished=_now(), error=f"stopped on {type(exc).__name__}")
                raise
            state.update(status="done", finished=_now(), report=report_json(report, time.perf_counter() - started))
        return report

    def _claim(self, account: str) -> tuple[str, str]:
        """A new job of `account`, unless one is running; its id and when it was made."""
        job, created = secrets.token_hex(16), _now()
        with self.store.lock("imports"):
            if any(_status(row) in ACTIVE for row in self._rows()):
                raise Conflict("another import is running: start this one when it has finished")
            node = _node(job)
            graph = ox.NamedNode(iris.IMPORTS)
            self.store.extend([
                ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(JOB), graph),
                ox.Quad(node, ox.NamedNode(STATUS), _json({"status": "checking", "created": created}), graph),
                ox.Quad(node, ox.NamedNode(IMPORTED_BY), ox.Literal(account), graph),
                ox.Quad(node, ox.NamedNode(LEASE_UNTIL), self._until(), graph),
            ])
        return job, created

    def get(self, job: str, access: Access) -> dict[str, object]:
        """The job, if this account started it; any other id answers as a missing one does."""
        rows = self._rows(job, access.account) if _is_id(job) else []
        if not rows:
            raise NotFound("import")
        return _view(rows[0])

    def list(self, access: Access) -> list[dict[str, object]]:
        """This account's jobs, newest first, without their reports."""
        views = [_view(row) for row in self._rows(account=access.account)]
        views.sort(key=lambda v: str(v["created"]), reverse=True)
        return [{k: v for k, v in view.items() if k != "report"} for view in views]

    def _rows(self, job: str | None = None, account: str | None = None) -> list[Mapping[str, ox.Literal]]:
        given = {"job": _node(job)} if job else {}
        if account is not None:
            given["account"] = ox.Literal(account)
        return list(self.store.select(
            f"SELECT ?job ?account ?status ?until WHERE {{ GRAPH <{iris.IMPORTS}> {{ ?job a <{JOB}> ; "
            f"<{IMPORTED_BY}> ?account ; <{STATUS}> ?status ; <{LEASE_UNTIL}> ?until }} }}",
            graphs=[iris.IMPORTS], substitutions=given))  # type: ignore[arg-type]

    def _run(self, job: str, created: str, export: Export) -> None:
        state: dict[str, object] = {"status": "checking", "created": created}
        started = time.perf_counter()
        with self._running(job, state):
            try:
                counts = count_rows(export)
                progress = {"files_done": 0, "files_total": len(counts), "rows_done": 0,
                            "rows_total": sum(counts.values())}
                state.update(status="importing", progress=progress)
                self._write(job, state)
                report = import_csv(self.store, export.path, source=self.source, progress=False,
                                    on_progress=_Progress(lambda: self._show(job, state), progress))
                progress.update(files_done=len(counts), rows_done=progress["rows_total"])
                state.update(status="done", finished=_now(), report=report_json(report, time.perf_counter() - started))
            except Problem as exc:
                state.update(status="failed", finished=_now(), error=exc.detail)
            except Exception as exc:  # noqa: BLE001  the job ends as failed, whatever stopped it
                log.error("import %s stopped: %s", job, type(exc).__name__)  # never the message: it may quote records
                state.update(status="failed", finished=_now(), error="the import stopped on an unexpected error "
                             f"({type(exc).__name__}); the batches it wrote stay, and importing the same export "
                             "again completes it")
            finally:
                self.discard(export.path)

    @contextmanager
    def _running(self, job: str, state: Mapping[str, object]) -> Iterator[None]:
        """The job's lease renewed while the block runs, and `state` written when it ends."""
        stop = threading.Event()
        threading.Thread(target=self._renew, args=(job, stop), name=f"import-lease-{job[:8]}", daemon=True).start()
        try:
            yield
        finally:
            stop.set()
            try:
                self._write(job, state)
            except Exception as exc:  # noqa: BLE001  (a store closed under it): the lease runs out, the job reads failed
                log.error("import %s: its end not recorded: %s", job, type(exc).__name__)

    def _renew(self, job: str, stop: threading.Event) -> None:
        while not stop.wait(self.beat):
            try:
                self.store.update(_replace(job, LEASE_UNTIL, self._until()))
            except Exception as exc:  # noqa: BLE001  the next beat tries again; the lease outlives several
                log.warning("import %s: lease not renewed: %s", job, type(exc).__name__)

    def _write(self, job: str, state: Mapping[str, object]) -> None:
        self.store.update(_replace(job, STATUS, _json(state)))

    def _show(self, job: str, state: Mapping[str, object]) -> None:
        """Progress on the way: a write that fails is left for the next one, never the import's end."""
        try:
            self._write(job, state)
        except Exception as exc:  # noqa: BLE001  # a progress figure is not worth an import
            log.warning("import %s: progress not recorded: %s", job, type(exc).__name__)

    def _until(self) -> ox.Literal:
        return ox.Literal(repr(time.time() + self.lease), datatype=DOUBLE)


class _Progress:
    """import_csv's on_progress: the job's figures, written after each file and at most every
    SHOW_EVERY seconds between files (every few thousand rows read)."""

    def __init__(self, show: Callable[[], None], progress: dict[str, int]):
        self.show, self.progress = show, progress
        self.shown_at, self.files_done = 0.0, 0

    def __call__(self, files_done: int, files_total: int, rows_done: int) -> None:
        self.progress.update(files_done=files_done, rows_done=min(rows_done, self.progress["rows_total"]))
        now = time.monotonic()
        if files_done != self.files_done or now - self.shown_at >= SHOW_EVERY:
            self.files_done, self.shown_at = files_done, now
            self.show()


def report_json(report: ImportReport, seconds: float) -> dict[str, object]:
    """The report `hmis-ld import-csv` prints: its table (`summary`) and its figures, and the
    problems with file, line, column and reason (never a value of personal data)."""
    return {"summary": report.summary(), "files": {name: asdict(stats) for name, stats in report.files.items()},
            "ignored_files": report.ignored_files, "rows": report.rows, "quads_written": report.quads_written,
            "seconds": round(seconds, 1), "problems_total": len(report.problems),
            "problems": [asdict(p) for p in report.problems[:PROBLEMS_KEPT]]}


def _view(row: Mapping[str, ox.Literal]) -> dict[str, object]:
    state = json.loads(row["status"].value)
    if state["status"] in ACTIVE and float(row["until"].value) < time.time():
        state.update(status="failed", error=STOPPED)
    return {"id": row["job"].value.rpartition(":")[2], **state}


def _status(row: Mapping[str, ox.Literal]) -> str:
    return str(_view(row)["status"])


def _replace(job: str, predicate: str, value: ox.Literal) -> str:
    node, graph = ntriples_term(_node(job)), f"<{iris.IMPORTS}>"
    return (f"DELETE {{ GRAPH {graph} {{ {node} <{predicate}> ?old }} }} "
            f"INSERT {{ GRAPH {graph} {{ {node} <{predicate}> {ntriples_term(value)} }} }} "
            f"WHERE {{ GRAPH {graph} {{ {node} <{predicate}> ?old }} }}")


def _node(job: str) -> ox.NamedNode:
    return ox.NamedNode(f"{iris.BASE}import:{job}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    return True


def _is_id(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def _json(value: object) -> ox.Literal:
    return ox.Literal(json.dumps(value, sort_keys=True))


def _now() -> str:
    return clock.now().isoformat()
