"""An uploaded HMIS CSV export, checked before anything is written.

What the central directory tells (the request's checks, cheap at any size): a zip, names
that stay inside it, a bounded unpacked size (a zip bomb declares what it unpacks to, and
Python's reader never yields more than declared), no encryption, a method Python reads,
at least one HMIS CSV FY2026 file and none twice. What only reading tells (the job's first
step, before its first write): every member unpacks whole with its checksum, and how many
rows each file has.
"""

from __future__ import annotations

import csv
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hmis_ld.csv.source import open_export
from hmis_ld.model import MODEL
from hmis_ld.service.problems import FieldProblem, Invalid, Problem

READABLE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
MAX_MEMBERS = 1000  # an export has 24 files; a folder per export and a few extras stay far below


@dataclass(frozen=True)
class Export:
    """An upload that passed the checks: the HMIS files it holds, in the model's order."""

    path: Path
    files: tuple[str, ...]


class TooLarge(Problem):
    status = 413
    title = "Content Too Large"


class NoExport(Problem):
    status = 422
    title = "Not an HMIS CSV export"


def check_archive(path: Path, max_unpacked: int) -> Export:
    """The export at `path`, or the Problem (4xx) that says what is wrong with it."""
    if not zipfile.is_zipfile(path):
        raise Problem("the upload is not a zip archive: send the export as one .zip", status=400)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Problem(f"the zip archive cannot be read: {exc}", status=400) from None
    if len(members) > MAX_MEMBERS:
        raise Problem(f"the zip holds {len(members)} entries; an export holds at most {MAX_MEMBERS}", status=400)
    bad = [FieldProblem("file", _shown(m.filename), reason) for m in members if (reason := _refused(m))]
    if bad:
        raise Invalid(bad, status=400)
    unpacked = sum(m.file_size for m in members)
    if unpacked > max_unpacked:
        raise TooLarge(f"the zip unpacks to {unpacked} bytes; at most {max_unpacked} are accepted")
    return Export(path, _hmis_files(members))


def count_rows(export: Export) -> dict[str, int]:
    """Rows per HMIS file, read whole: a member that does not unpack with its checksum, or
    is not CSV (a field over the csv module's limit), is a Problem here, before the import
    writes anything."""
    files, _ = open_export(export.path)
    counts: dict[str, int] = {}
    try:
        for csv_file in files.values():
            with csv_file.rows() as (_, body):
                counts[csv_file.name] = sum(1 for _ in body)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise Problem(f"the zip archive is damaged ({exc}); nothing was imported", status=400) from None
    except csv.Error as exc:
        raise Problem(f"{csv_file.name} cannot be read as CSV ({exc}); nothing was imported", status=400) from None
    return counts


def _refused(member: zipfile.ZipInfo) -> str | None:
    name = member.filename
    parts = PurePosixPath(name).parts
    if "\\" in name or "\x00" in name or name.startswith("/") or ":" in (parts[0] if parts else "") or ".." in parts:
        return "a file name must stay inside the archive (no absolute path, drive, backslash or '..')"
    if member.flag_bits & 0x1:
        return "encrypted; send the export unencrypted"
    if member.compress_type not in READABLE_METHODS:
        return "compressed with a method this server does not read (use deflate)"
    return None


def _hmis_files(members: list[zipfile.ZipInfo]) -> tuple[str, ...]:
    by_table: dict[str, list[str]] = {}
    wanted = {name.lower() + ".csv": name for name in MODEL.tables}
    for member in members:
        table = wanted.get(PurePosixPath(member.filename).name.lower())
        if table and not member.is_dir():
            by_table.setdefault(table, []).append(member.filename)
    twice = [FieldProblem("file", _shown(", ".join(names)), f"{len(names)} files for {table}.csv; send one")
             for table, names in by_table.items() if len(names) > 1]
    if twice:
        raise Invalid(twice, status=400)
    if not by_table:
        raise NoExport("the zip holds no HMIS CSV FY2026 file (Client.csv, Enrollment.csv, ...)")
    return tuple(by_table[t][0] for t in MODEL.tables if t in by_table)


def _shown(name: str) -> str:
    """A member's name as the answer repeats it: printable and short."""
    text = "".join(c if c.isprintable() else "?" for c in name)
    return text if len(text) <= 120 else text[:120] + "..."
