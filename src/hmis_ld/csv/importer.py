"""HMIS CSV FY2026 import, with HUD's rules for repeated imports.

- A row newer than the stored record replaces it; an older one is skipped; a row from
  the same day applies (DateUpdated compared by day, as HUD's importers do).
- A row with DateDeleted is stored with it (kept, hidden from normal reads).
- A row is rejected only when it cannot be placed: its key or a column naming its parent
  is blank or unreadable, its key repeats one already seen in its file, or its parent is
  neither in the export nor in the store. A value it cannot store as given (a code outside
  its list, an unreadable date, a string too long) costs the field, not the row: the row
  is kept without it, or repaired (`recovery`), and reported as a warning. With
  `strict=True` any such problem rejects the whole row instead. Every problem is reported
  with file, line, column and reason; the rest of the import goes on.
- Re-importing the same export writes nothing.

Into an empty store the import uses Oxigraph's bulk loader (offline use: the CLI holds
the store alone) and compacts the store afterwards; into a store with data, each batch of
records is one transaction.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from tqdm import tqdm

from hmis_ld.csv.progress import OnProgress, Progress
from hmis_ld.csv.recovery import Note, recover, said, shown
from hmis_ld.csv.report import FileStats, ImportReport
from hmis_ld.csv.source import CsvFile, open_export
from hmis_ld.model import MODEL, Table, activity, iris
from hmis_ld.model.content_hash import CONTENT_HASH, content_hash, hash_quad
from hmis_ld.model.identity import client_id_key, person_link_quad, person_quads
from hmis_ld.model.ownership import replace_records
from hmis_ld.model.records import Placement, record_quads
from hmis_ld.model.schema import Field
from hmis_ld.model.stored import StoredRecord, enrollment_graphs, existing_records, load_records
from hmis_ld.model.values import Value, ValueProblem, parse_value
from hmis_ld.store import Store
from hmis_ld.store.bulk import BackgroundLoad

BATCH = 500
# Quads per bulk load: small enough that loading one batch overlaps building the next for
# most of an import, large enough that each load's fixed cost (new files in the store) is small.
BULK_BATCH = 250_000
# Rows read, checked and written at a time: memory stays that of a chunk, whatever the file's size.
CHUNK = 20_000
_HASHED = ox.NamedNode(CONTENT_HASH)
_PARENTS = frozenset(link.target for table in MODEL.tables.values() for link in table.links)

Record = dict[str, Value]


@dataclass
class Row:
    line: int
    record: Record
    notes: list[Note] = field(default_factory=list)  # reported as warnings once the row is placed


class _Known:
    """Keys that rows may refer to: accepted in this import, or already stored.

    Only the keys of tables that other tables link to are kept (clients, enrollments,
    projects, ...): the rows of the largest files (services, income, disabilities) are
    nobody's parent, so memory grows with people and enrollments, not with every row."""

    def __init__(self, store: Store, fresh: bool, source: str):
        self.store = store
        self.fresh = fresh
        self.source = source
        self.client_key = client_id_key(store)
        self.accepted: dict[str, dict[str, str]] = {name: {} for name in _PARENTS}  # table -> key -> graph
        self.person_graphs: dict[str, set[str]] = defaultdict(set)  # PersonalID -> enrollment graphs
        self._parents: dict[str, dict[str, list[StoredRecord]]] = defaultdict(dict)  # looked up, not in this import

    def accept(self, table: Table, key: str, graph: str) -> None:
        if table.name in self.accepted:
            self.accepted[table.name][key] = sys.intern(graph)

    def stored(self, table: Table, keys: Sequence[str]) -> dict[str, list[StoredRecord]]:
        """The stored versions of these records; not remembered, as the import never asks twice."""
        if self.fresh:
            return {}
        return {k: v for k, v in existing_records(self.store, table, keys, self.source).items() if v}

    def stored_enrollment_graphs(self, pids: Sequence[str]) -> dict[str, set[str]]:
        return {} if self.fresh else enrollment_graphs(self.store, pids, self.source)

    def graph_of(self, table: Table, key: str) -> str | None:
        graph = self.accepted[table.name].get(key)
        if graph is None:
            stored = self._stored_parent(table, key)
            graph = stored[0].graph if stored else None
        return graph

    def exists(self, table: Table, key: str) -> bool:
        return key in self.accepted[table.name] or bool(self._stored_parent(table, key))

    def _stored_parent(self, table: Table, key: str) -> list[StoredRecord]:
        """A parent the export lacks, looked up once however many rows name it."""
        cache = self._parents[table.name]
        if key not in cache:
            cache[key] = self.stored(table, [key]).get(key, [])
        return cache[key]


def import_csv(store: Store, path: str | Path, *, source: str = iris.DEFAULT_SOURCE,
               progress: bool | None = None, strict: bool = False, on_progress: OnProgress | None = None
               ) -> ImportReport:
    """Import an HMIS CSV export (folder or .zip) into `store`; returns what happened.

    `progress`: show a progress bar on stderr (default: when it is a terminal).
    `strict`: reject a row for any value it cannot store as given, instead of keeping the
    row without that value (or repaired) and warning.
    `on_progress(files_done, files_total, rows_done)`: called after each file is written and
    every few thousand rows read (csv.progress)."""
    files, ignored = open_export(path)
    tick = Progress(on_progress, len(files))
    report = ImportReport(ignored_files=ignored)
    fresh = store.is_empty()
    known = _Known(store, fresh, source)
    show = sys.stderr.isatty() if progress is None else progress
    with BackgroundLoad(store) as loader:
        writer = _Writer(store, fresh, report, known.client_key, loader)
        _write_tables(files, known, writer, report, show, strict, tick, source)
        writer.finish()
    if fresh:
        store.update(activity.refresh_all())
        store.optimize()
    return report


def _write_tables(files: dict[str, CsvFile], known: _Known, writer: _Writer, report: ImportReport, show: bool,
                  strict: bool, tick: Progress, source: str) -> None:
    """Each file in the model's order, parents before children, a chunk of rows at a time."""
    clients: list[Row] = []
    clients_pending = "Client" in files
    for table in MODEL.tables.values():
        csv_file = files.get(table.name)
        if csv_file is None:
            continue
        report.stats(csv_file.name)  # a file without rows is in the report too
        for rows in _read_rows(table, csv_file, report, show, strict, tick):
            if table.name == "Client":  # placed after enrollments: a client record lives where its enrollments are
                clients += rows
                for row in rows:
                    known.accept(table, str(row.record["PersonalID"]), "")
                    _report_notes(report, csv_file.name, row)
            else:
                writer.write(table, csv_file.name, _place(table, rows, csv_file.name, known, report, source), known)
        if table.name == "Client":
            continue
        tick.file_done()
        if table.name == "Enrollment" and clients_pending:
            _write_clients(clients, files["Client"], source, known, writer)
            tick.file_done()
            clients_pending = False
    if clients_pending:
        _write_clients(clients, files["Client"], source, known, writer)
        tick.file_done()


def _read_rows(table: Table, csv_file: CsvFile, report: ImportReport, show: bool, strict: bool,
               tick: Progress) -> Iterator[list[Row]]:
    """Parse and check every row, yielded in chunks; rejected rows are reported, not yielded.

    A row is rejected for a blank or unreadable key or link, or a key already seen; in
    strict mode also for any value it cannot store. Otherwise such a value is repaired or
    left out (`recovery.recover`), and that and a blank required value of any other column
    become notes of the row, reported as warnings once it is placed: real exports carry
    them and the record is still usable.
    """
    rows: list[Row] = []
    seen: dict[str, int] = {}
    with csv_file.rows() as (header, body):
        positions = [(i, table.by_name[name]) for i, name in enumerate(header) if name in table.by_name]
        structural = {table.key, *table.link_by_field}
        if table.key not in header:
            report.reject(csv_file.name, 1, table.key, "header lacks the key column")
            return
        for line, cells in tqdm(body, desc=csv_file.name, unit=" rows", disable=not show, leave=False):
            tick.row()
            record: Record = {}
            unreadable: list[tuple[Field, str, ValueProblem]] = []
            for i, f in positions:
                raw = cells[i] if i < len(cells) else ""
                try:
                    value = parse_value(f, raw)
                except ValueProblem as exc:
                    unreadable.append((f, raw, exc))
                    continue
                if value is not None:
                    record[f.name] = value
            missing = [f.name for f in table.fields if f.required and f.name not in record
                       and all(u[0].name != f.name for u in unreadable)]
            unplaceable = [name for name in missing if name in structural]
            if unplaceable or any(strict or f.name in structural for f, _, _ in unreadable):
                problems = [(f.name, said(f, exc), shown(f, exc)) for f, _, exc in unreadable]
                problems += [(name, "required value is missing", None) for name in unplaceable]
                for column, reason, value in problems:
                    report.reject(csv_file.name, line, column, reason, value)
                report.stats(csv_file.name).rejected -= len(problems) - 1
                continue
            key = str(record[table.key])
            if key in seen:
                report.reject(csv_file.name, line, table.key, f"duplicate key: first at line {seen[key]}", key)
                continue
            seen[key] = line
            notes = [recover(table, f, raw, exc, record) for f, raw, exc in unreadable]
            notes += [Note(name, "required value is missing") for name in missing]
            rows.append(Row(line, record, notes))
            if len(rows) == CHUNK:
                yield rows
                rows = []
    if rows:
        yield rows


def _place(table: Table, rows: Sequence[Row], file: str, known: _Known, report: ImportReport,
           source: str) -> list[tuple[Row, Placement]]:
    """Decide each record's graph; a record whose parent is missing is rejected."""
    placed = []
    for row in rows:
        missing = [
            link for link in table.links
            if link.field in row.record
            and not known.exists(MODEL.tables[link.target], str(row.record[link.field]))
        ]
        if missing:
            link = missing[0]
            report.reject(file, row.line, link.field,
                          f"references a missing {link.target}: {row.record[link.field]!r}",
                          str(row.record[link.field]))
            for note in row.notes:  # its other problems, as a strict import would name them
                if note.problem:
                    report.reject(file, row.line, note.column, note.problem, note.value, count=False)
            continue
        graph = _graph_for(table, row.record, known, source)
        placed.append((row, Placement(source, graph, known.client_key)))
        _report_notes(report, file, row)
        known.accept(table, str(row.record[table.key]), graph)
        if table.name == "Enrollment":
            known.person_graphs[str(row.record["PersonalID"])].add(graph)
    return placed


def _report_notes(report: ImportReport, file: str, row: Row) -> None:
    for note in row.notes:
        report.warn(file, row.line, note.column, note.reason, note.value)


def _graph_for(table: Table, record: Record, known: _Known, source: str) -> str:
    if table.scope != "project":
        return iris.system_graph(table.scope)
    if table.name == "Enrollment":
        return iris.project_graph(source, str(record["ProjectID"]))
    for parent in ("EnrollmentID", "AssessmentID"):
        if parent in record and parent in table.link_by_field:
            target = MODEL.tables[table.link_by_field[parent].target]
            graph = known.graph_of(target, str(record[parent]))
            if graph:
                return graph
    return iris.source_graph(source)


def _write_clients(rows: list[Row], csv_file: CsvFile, source: str, known: _Known, writer: _Writer) -> None:
    """One client record per graph where the person has an enrollment (else the source graph)."""
    table = MODEL.tables["Client"]
    stored_graphs = known.stored_enrollment_graphs([str(r.record["PersonalID"]) for r in rows])
    placed = []
    for row in rows:
        pid = str(row.record["PersonalID"])
        targets = known.person_graphs.get(pid, set()) | stored_graphs.get(pid, set())
        for graph in sorted(targets or {iris.source_graph(source)}):
            placed.append((row, Placement(source, graph, known.client_key)))
    writer.write(table, csv_file.name, placed, known)


class _Writer:
    """Applies HUD's DateUpdated rule and writes, in bulk or in transactional batches.

    A stored record is unchanged when its content hash (model.content_hash) is the one the
    row gives, so an unchanged export costs one lookup per batch and writes nothing. Only
    the records to replace are read whole, and those without a hash (written by the API, or
    by an import before hashes), which are compared quad by quad and given one."""

    def __init__(self, store: Store, fresh: bool, report: ImportReport, client_key: bytes,
                 loader: BackgroundLoad):
        self.store = store
        self.loader = loader
        self.fresh = fresh
        self.report = report
        self.client_key = client_key
        self._bulk: list[ox.Quad] = []

    def write(self, table: Table, file: str, placed: list[tuple[Row, Placement]], known: _Known) -> None:
        stats = self.report.stats(file)
        if self.fresh:
            for row, placement in placed:
                self._bulk.extend(self._quads(table, row.record, placement))
                self._bulk.append(self._hash_quad(table, row.record, placement))
                self._bulk.extend(self._extra(table, row.record, placement))
                if len(self._bulk) >= BULK_BATCH:
                    self.finish()
            stats.loaded += len({str(r.record[table.key]) for r, _ in placed})
            return
        by_key: dict[str, list[tuple[Row, Placement]]] = defaultdict(list)
        for row, placement in placed:
            by_key[str(row.record[table.key])].append((row, placement))
        for chunk in _chunks(list(by_key), BATCH):
            self._write_batch(table, stats, {key: by_key[key] for key in chunk}, known.stored(table, chunk))

    def _write_batch(self, table: Table, stats: FileStats, items: dict[str, list[tuple[Row, Placement]]],
                     stored: dict[str, list[StoredRecord]]) -> None:
        """One transaction: the batch's new and changed records replace their stored versions."""
        changed: list[str] = []
        unhashed: list[str] = []
        for key, placed in items.items():
            versions = stored.get(key, [])
            if not versions:
                stats.loaded += 1
                changed.append(key)
            elif _older(placed[0][0].record, versions):
                stats.skipped += 1
            elif any(v.content_hash is None for v in versions):
                unhashed.append(key)
            elif self._same(table, placed, versions):
                stats.unchanged += 1
            else:
                stats.updated += 1
                changed.append(key)
        old_quads = load_records(self.store, [v.subject for k in changed + unhashed for v in stored.get(k, [])])
        insert: list[ox.Quad] = []
        for key in unhashed:
            new_quads = [q for row, p in items[key] for q in self._quads(table, row.record, p)]
            old = {str(q) for v in stored[key] for q in old_quads.get(v.subject, []) if q.predicate != _HASHED}
            if {str(q) for q in new_quads} == old:
                stats.unchanged += 1
                lacking = {v.subject for v in stored[key] if v.content_hash is None}
                insert += [q for row, p in items[key] if (q := self._hash_quad(table, row.record, p)).subject.value
                           in lacking]
            else:
                stats.updated += 1
                changed.append(key)
        if not changed and not insert:
            return
        delete = [v.subject for k in changed for v in stored.get(k, [])]
        for key in changed:
            for row, placement in items[key]:
                insert += self._quads(table, row.record, placement)
                insert.append(self._hash_quad(table, row.record, placement))
            first, placement = items[key][0]
            insert += self._extra(table, first.record, placement)
        old = [q for s in delete for q in old_quads.get(s, [])]
        replace_records(self.store, delete, MODEL.ownership, insert, activity.refresh(insert + old))
        self.report.quads_written += len(insert)

    def _same(self, table: Table, placed: list[tuple[Row, Placement]], versions: list[StoredRecord]) -> bool:
        """The stored versions are those the rows would write: same records, same hashes, and
        the PersonalID a merge may have relabelled since."""
        record = placed[0][0].record
        new = {p.subject(table, str(record[table.key])): self._hash(table, row.record, p) for row, p in placed}
        pid = record.get("PersonalID")
        return (new == {v.subject: v.content_hash for v in versions}
                and all(v.personal_id in (None, pid) for v in versions))

    def _hash(self, table: Table, record: Record, placement: Placement) -> str:
        return content_hash(table, record, placement.source, placement.graph, self.client_key)

    def _hash_quad(self, table: Table, record: Record, placement: Placement) -> ox.Quad:
        subject = placement.subject(table, str(record[table.key]))
        return hash_quad(table, subject, placement.graph, self._hash(table, record, placement))

    def _quads(self, table: Table, record: Record, placement: Placement) -> list[ox.Quad]:
        quads = record_quads(table, record, placement)
        if table.name == "Client":
            quads.append(person_link_quad(placement, str(record["PersonalID"])))
        return quads

    def _extra(self, table: Table, record: Record, placement: Placement) -> list[ox.Quad]:
        return person_quads(placement.source, str(record["PersonalID"])) if table.name == "Client" else []

    def finish(self) -> None:
        """Hand the gathered quads to the loader (store.bulk), which loads them while the
        import goes on."""
        if self._bulk:
            self.loader.load(self._bulk)
            self.report.quads_written += len(self._bulk)
            self._bulk = []


def _older(record: Record, versions: list[StoredRecord]) -> bool:
    incoming = record.get("DateUpdated")
    stored = [v.date_updated for v in versions if v.date_updated is not None]
    if incoming is None or not stored:
        return False
    assert isinstance(incoming, dt.datetime)
    return incoming.date() < max(stored).date()


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
