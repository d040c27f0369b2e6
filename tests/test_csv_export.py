"""HMIS CSV FY2026 export: the specification's files and columns, and a lossless round trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from backends import new_store
from hud_files import code_lists, read_rows, spec_columns

from hmis_ld.csv.exporter import export_csv
from hmis_ld.csv.importer import import_csv
from hmis_ld.store import EmbeddedStore

EXPORT_TIME_COLUMNS = {"ExportID"}


def _normal(spec_type: str, value: str) -> object:
    if spec_type.startswith("M") and value:
        return Decimal(value)
    return value


def test_export_writes_every_file_in_spec_column_order(testkit_store: EmbeddedStore, shared: Path,
                                                       tmp_path: Path) -> None:
    export_csv(testkit_store, tmp_path)
    for file, columns in spec_columns(shared).items():
        header = (tmp_path / f"{file}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == [c["Name"] for c in columns]
    export = read_rows(tmp_path / "Export.csv")
    assert len(export) == 1
    export_id = export[0]["ExportID"]
    assert {r["ExportID"] for r in read_rows(tmp_path / "Enrollment.csv")} == {export_id}


def _normalized(columns: list[dict[str, str]], rows: list[dict[str, str]]) -> dict[str, dict[str, object]]:
    """Rows by key, each the spec's columns (but the export's own timestamps) in comparable form."""
    types = {c["Name"]: c["Type"] for c in columns}
    compared = [c["Name"] for c in columns if c["Name"] not in EXPORT_TIME_COLUMNS]
    key = columns[0]["Name"]
    return {r[key]: {c: _normal(types[c], (r.get(c) or "").strip()) for c in compared} for r in rows}


def _as_imported(columns: list[dict[str, str]], lists: dict[str, set[str]], row: dict[str, str]) -> dict[str, str]:
    """A row as the import keeps it: a code outside its list is left out, or is 99 (data not
    collected) when the column is required (no null allowed) and its list has 99."""
    out = dict(row)
    for c in columns:
        codes = lists.get(c["List"].strip())
        value = (row.get(c["Name"]) or "").strip()
        if codes and value and value not in codes:
            out[c["Name"]] = "99" if not c["Null"].strip() and "99" in codes else ""
    return out


def test_testkit_round_trips(testkit: Path, testkit_store: EmbeddedStore, shared: Path, tmp_path: Path) -> None:
    export_csv(testkit_store, tmp_path)
    spec = spec_columns(shared)
    lists = code_lists(shared)
    for file, columns in spec.items():
        if file == "Export":
            continue
        original = _normalized(columns, [_as_imported(columns, lists, r) for r in read_rows(testkit / f"{file}.csv")])
        exported = _normalized(columns, read_rows(tmp_path / f"{file}.csv"))
        assert exported.keys() == original.keys(), file
        for k in original:
            assert exported[k] == original[k], (file, k)


def test_export_then_import_into_a_new_store_is_identical(testkit_store: EmbeddedStore, tmp_path: Path) -> None:
    export_csv(testkit_store, tmp_path / "out")
    again = new_store()
    report = import_csv(again, tmp_path / "out", progress=False)
    assert not report.rejections
    export_csv(again, tmp_path / "out2", export_id="x")
    export_csv(testkit_store, tmp_path / "out1", export_id="x")
    for f in (tmp_path / "out1").iterdir():
        if f.name != "Export.csv":
            assert f.read_bytes() == (tmp_path / "out2" / f.name).read_bytes(), f.name
