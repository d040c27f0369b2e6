"""Read an HMIS CSV export from a folder or a .zip, one table at a time."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

from hmis_ld.model import MODEL


@dataclass(frozen=True)
class CsvFile:
    table: str
    name: str
    _open: object

    @contextmanager
    def rows(self) -> Iterator[tuple[list[str], Iterator[tuple[int, list[str]]]]]:
        """(header, iterator of (line number, cells)). A UTF-8 BOM is dropped."""
        with self._open() as raw:  # type: ignore[operator]
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
            reader = csv.reader(text)
            header = [h.strip() for h in next(reader, [])]

            def body() -> Iterator[tuple[int, list[str]]]:
                for cells in reader:
                    if cells and any(c.strip() for c in cells):
                        yield reader.line_num, cells

            yield header, body()


def open_export(path: str | Path) -> tuple[dict[str, CsvFile], list[str]]:
    """The model's tables found at `path`, and the names of other files (ignored)."""
    path = Path(path)
    wanted = {name.lower() + ".csv": name for name in MODEL.tables}
    found: dict[str, CsvFile] = {}
    ignored: list[str] = []
    if path.is_dir():
        members = [(p.name, partial(p.open, "rb")) for p in sorted(path.iterdir()) if p.is_file()]
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [info.filename for info in archive.infolist() if not info.is_dir()]
        members = [(Path(member).name, partial(_member, path, member)) for member in names]
    else:
        raise FileNotFoundError(f"{path} is neither a folder nor a .zip of HMIS CSV files")
    for name, opener in members:
        table = wanted.get(name.lower())
        if table is None:
            ignored.append(name)
        else:
            found[table] = CsvFile(table, name, opener)
    return found, ignored


def _member(archive: Path, name: str) -> IO[bytes]:
    """One file of a .zip, open for reading: the archive's own handle closes here, and the file
    it shares with the member closes with the member."""
    with zipfile.ZipFile(archive) as z:
        return z.open(name)
