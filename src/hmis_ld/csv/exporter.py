"""HMIS CSV FY2026 export: the 24 files, the specification's column order and formats.

A person's client records (one per owning graph) merge back into one Client.csv row:
the most recently updated record wins. Deleted records are exported with DateDeleted
set, as the specification allows, so a receiving system can apply the deletion.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from hmis_ld import __version__, clock
from hmis_ld.model import HMIS, MODEL, Table, iris
from hmis_ld.model.derived import UPDATED_ON
from hmis_ld.model.records import FIELDS, RELABELLED, record_from_documents
from hmis_ld.model.schema import RDF_TYPE
from hmis_ld.model.values import Value, date_literal, format_csv
from hmis_ld.store import EVERY_GRAPH, Dataset, Row, Store

Record = dict[str, Value]


def read_table(store: Store, table: Table, graphs: Dataset, *,
               personal_id: str | None = None) -> list[Record]:
    """Every record of a table visible in `graphs`, one per key, sorted by key; only one
    person's if `personal_id` is given and the table has a PersonalID. Records come from their
    documents (`ext:fields`, the PII graph's beside the record graph's): a row per record,
    where reading the fields took a row per field. Each pattern names its graph (see
    docs/authorization.md on what a dataset costs)."""
    has_pid = RELABELLED in table.by_name
    person = f"VALUES ?pid {{ {ox.Literal(personal_id)} }} GRAPH ?g {{ ?s <{HMIS}PersonalID> ?pid }}" \
        if personal_id is not None and has_pid else ""
    pid = f"OPTIONAL {{ GRAPH ?g {{ ?s <{HMIS}PersonalID> ?pid }} }}" if has_pid and not person else ""
    pii = _PII_DOCUMENT if table.has_pii else ""
    sparql = (f"SELECT ?s ?doc ?piiDoc ?pid WHERE {{ {person} GRAPH ?g {{ ?s <{RDF_TYPE}> <{table.cls}> ; "
              f"<{FIELDS}> ?doc }} {pid} {pii} }}")
    return _one_per_key(table, {row["s"].value: _record(table, row) for row in store.select(sparql, graphs=graphs)})


def read_changed(store: Store, graphs: Dataset, days: Sequence[dt.date]) -> dict[str, list[Record]]:
    """Each table's records (as read_table) whose DateUpdated falls on one of `days`: a lookup
    per day (`derived.UPDATED_ON`) where testing DateUpdated read every record, made once for
    every table (made per table, each day's records were read again for each of the 24). For
    Client, the newest of each person's client records that changed, which is their row only
    if no other of their records is newer."""
    values = " ".join(str(date_literal(d)) for d in days)
    sparql = (f"SELECT ?s ?type ?doc ?piiDoc ?pid WHERE {{ VALUES ?day {{ {values} }} "
              f"GRAPH ?g {{ ?s <{UPDATED_ON}> ?day ; <{RDF_TYPE}> ?type ; <{FIELDS}> ?doc }} "
              f"OPTIONAL {{ GRAPH ?g {{ ?s <{HMIS}PersonalID> ?pid }} }} {_PII_DOCUMENT} }}")
    found: dict[str, dict[str, Record]] = defaultdict(dict)
    for row in store.select(sparql, graphs=graphs):
        table = MODEL.by_class.get(row["type"].value)
        if table is not None:
            found[table.name][row["s"].value] = _record(table, row)
    return {name: _one_per_key(t, found[name]) for name, t in MODEL.tables.items() if name != "Export"}


# a record's PII document, in the PII graph beside its own (only client records have one)
_PII_DOCUMENT = (f'BIND(IRI(CONCAT(STR(?g), "{iris.PII_SUFFIX}")) AS ?pg) '
                 f'OPTIONAL {{ GRAPH ?pg {{ ?s <{FIELDS}> ?piiDoc }} }}')


def _record(table: Table, row: Row) -> Record:
    documents = [row["doc"].value, *([row["piiDoc"].value] if "piiDoc" in row else [])]
    return record_from_documents(table, documents, row["pid"].value if "pid" in row else None)


def _one_per_key(table: Table, records: dict[str, Record]) -> list[Record]:
    """One record per key, the most recently updated (a person's client records share one),
    sorted by key."""
    by_key: dict[str, Record] = {}
    for subject in sorted(records):
        record = records[subject]
        key = str(record.get(table.key, ""))
        if not key:
            continue
        kept = by_key.get(key)
        if kept is None or _newer(record, kept):
            by_key[key] = record
    return [by_key[k] for k in sorted(by_key, key=_natural)]


def export_csv(store: Store, outdir: str | Path, *, export_id: str | None = None,
               now: dt.datetime | None = None) -> dict[str, int]:
    """Write the HMIS CSV files into `outdir`; returns rows per file."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    now = (now or clock.now()).replace(microsecond=0)
    export_id = export_id or now.strftime("%Y%m%d%H%M%S")
    counts: dict[str, int] = {}
    # the whole store is the export: every graph, deliberately
    # an export of the whole store (the CLI, run by whoever holds the store folder)
    tables = {name: read_table(store, table, EVERY_GRAPH) for name, table in MODEL.tables.items() if name != "Export"}
    tables["Export"] = [_export_row(export_id, now, tables)]
    for name, table in MODEL.tables.items():
        rows = tables[name]
        with open(out / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([fld.name for fld in table.fields])
            for record in rows:
                if "ExportID" in table.by_name:
                    record = {**record, "ExportID": export_id}
                writer.writerow([format_csv(record[fld.name]) if fld.name in record else "" for fld in table.fields])
        counts[name] = len(rows)
    return counts


def _export_row(export_id: str, now: dt.datetime, tables: dict[str, list[Record]]) -> Record:
    entries = [r["EntryDate"] for r in tables["Enrollment"] if "EntryDate" in r]
    cocs = sorted({str(r["CoCCode"]) for r in tables["ProjectCoC"] if "CoCCode" in r})
    start = min(entries) if entries else now.date()
    return {
        "ExportID": export_id,
        "SourceType": 1 if cocs else 4,
        "SourceID": ";".join(cocs)[:350] if cocs else "hmis-ld",
        "SourceName": "hmis-ld",
        "ExportDate": now,
        "ExportStartDate": start,
        "ExportEndDate": now.date(),
        "SoftwareName": "hmis-ld",
        "SoftwareVersion": __version__,
        "CSVVersion": "FY2026",
        "ExportPeriodType": 4,
        "ExportDirective": 2,
        "HashStatus": 1,
        "ImplementationID": "hmis-ld",
    }


def _newer(a: Record, b: Record) -> bool:
    return str(a.get("DateUpdated", "")) > str(b.get("DateUpdated", ""))


def _natural(key: str) -> tuple:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)
