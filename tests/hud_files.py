"""Independent readings of the HUD files and fixtures, to compute expected results
without the code under test."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def spec_columns(shared: Path) -> dict[str, list[dict[str, str]]]:
    """CSV file -> its columns in the specification's order (first of repeated names)."""
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_rows(shared / "hud" / "FY2026_CSV_Lists_Data_Dict.csv"):
        name = re.sub(r"\[\d+\]$", "", row["Name"].strip())
        if all(c["Name"] != name for c in out[row["CSV"]]):
            out[row["CSV"]].append({**row, "Name": name})
    return out


def code_lists(shared: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for row in read_rows(shared / "hud" / "FY2026_CSV_Lists.csv"):
        out[row["List"].strip()].add(row["Value"].strip())
    return out


def rows_with_bad_codes(shared: Path, folder: Path, file: str) -> set[int]:
    """Indexes of rows of `file` holding a code outside its HUD list."""
    lists = code_lists(shared)
    coded = [(c["Name"], c["List"].strip()) for c in spec_columns(shared)[file] if c["List"].strip() in lists]
    bad = set()
    for i, row in enumerate(read_rows(folder / f"{file}.csv")):
        for name, list_id in coded:
            value = (row.get(name) or "").strip()
            if value and value not in lists[list_id]:
                bad.add(i)
    return bad
