"""The export being written: one open csv writer per file, the one random source, and the
audit columns (DateCreated, DateUpdated, UserID) every row carries."""

from __future__ import annotations

import csv
import random
from contextlib import ExitStack
from datetime import date, datetime, time, timedelta
from pathlib import Path

from hmis_ld.demo.weights import WORK_DAY
from hmis_ld.model import MODEL, Field, Table


def _default(f: Field, export_id: str) -> str | None:
    """What a column holds when a row does not set it: the ExportID, 'data not collected' or blank."""
    if f.name == "ExportID":
        return export_id
    if not f.required:
        return None
    if f.code_list:
        codes = MODEL.code_lists[f.code_list].codes
        return "99" if "99" in codes else next(iter(codes))
    return "0" if f.kind == "integer" else None


class CsvFile:
    """One open file of the export: the model's header, then rows given as column -> value."""

    def __init__(self, table: Table, directory: Path, export_id: str, stack: ExitStack) -> None:
        path = directory / f"{table.name}.csv"
        handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
        self._writer = csv.writer(handle, lineterminator="\n")
        self._writer.writerow([f.name for f in table.fields])
        self._columns = tuple((f.name, _default(f, export_id)) for f in table.fields)
        self._names = frozenset(f.name for f in table.fields)
        self._table = table.name
        self._key = table.key
        self.rows = 0

    def write(self, row: dict[str, object]) -> str:
        """Write one row, numbering its primary key unless given; returns the key."""
        unknown = row.keys() - self._names
        if unknown:
            raise KeyError(f"not columns of {self._table}: {sorted(unknown)}")
        self.rows += 1
        key = str(row.setdefault(self._key, str(self.rows)))
        self._writer.writerow([row.get(name, default) for name, default in self._columns])
        return key


class Output:
    """The files of one export; all randomness comes from `rng`."""

    def __init__(self, files: dict[str, CsvFile], rng: random.Random, export_id: str) -> None:
        self.files = files
        self.export_id = export_id
        self.rng = rng
        self.users: list[str] = []  # UserIDs that rows are attributed to

    def audit(self, created: date, updated: date | None = None) -> dict[str, object]:
        """DateCreated during office hours of `created`; DateUpdated on `updated` (never earlier)."""
        rng = self.rng
        stamp = datetime.combine(created, time()) + timedelta(seconds=rng.randrange(*WORK_DAY))
        later = stamp
        if updated is not None and updated > created:
            later = datetime.combine(updated, time()) + timedelta(seconds=rng.randrange(*WORK_DAY))
        return {"DateCreated": stamp, "DateUpdated": later, "UserID": rng.choice(self.users)}

    def write(self, table: str, row: dict[str, object]) -> str:
        return self.files[table].write(row)
