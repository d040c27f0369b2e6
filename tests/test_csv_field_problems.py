"""A field-level problem costs the field, not the record: legacy subsidy codes given as a
destination or living situation, and the strict mode that rejects such rows whole."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from backends import new_store
from hud_files import read_rows

from hmis_ld.cli import main
from hmis_ld.csv.exporter import read_table
from hmis_ld.csv.importer import import_csv
from hmis_ld.csv.recovery import WITH_ONGOING_SUBSIDY, subsidy_fields
from hmis_ld.model import MODEL, iris
from hmis_ld.model.activity import OPEN
from hmis_ld.model.schema import ACTIVE_UNTIL
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore

LEGACY_DESTINATIONS = ("419", "434", "440")


def test_subsidy_pairs_come_from_the_model() -> None:
    pairs = {(t.name, situation, subsidy.name) for t in MODEL.tables.values()
             for situation, subsidy in subsidy_fields(t).items()}
    assert pairs == {("Exit", "Destination", "DestinationSubsidyType"),
                     ("Enrollment", "LivingSituation", "RentalSubsidyType"),
                     ("CurrentLivingSituation", "CurrentLivingSituation", "CLSSubsidyType")}
    for table, situation, subsidy in pairs:
        situations = MODEL.code_lists[MODEL.tables[table].by_name[situation].code_list or ""].codes
        subsidies = MODEL.code_lists[MODEL.tables[table].by_name[subsidy].code_list or ""].codes
        assert "subsidy" in situations[WITH_ONGOING_SUBSIDY].lower()
        assert set(LEGACY_DESTINATIONS) <= subsidies.keys() and not subsidies.keys() & situations.keys()


def _rewrite(path: Path, change: dict[int, dict[str, str]]) -> None:
    """Rewrite a CSV file with some rows (by index) changed."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    for i, values in change.items():
        rows[i].update(values)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def legacy_export(testkit: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The test kit with three Exits whose Destination is a pre-FY2024 subsidy code, one
    Enrollment whose LivingSituation is one, and one CurrentLivingSituation likewise."""
    folder = tmp_path_factory.mktemp("legacy") / "export"
    shutil.copytree(testkit, folder)
    exits = read_rows(testkit / "Exit.csv")
    per_enrollment = {}
    for r in exits:
        per_enrollment[r["EnrollmentID"]] = per_enrollment.get(r["EnrollmentID"], 0) + 1
    chosen = [i for i, r in enumerate(exits) if per_enrollment[r["EnrollmentID"]] == 1 and r["ExitDate"]
              and r["ExitDate"] < "2025"][:len(LEGACY_DESTINATIONS)]
    assert len(chosen) == len(LEGACY_DESTINATIONS)
    _rewrite(folder / "Exit.csv", {i: {"Destination": code, "DestinationSubsidyType": ""}
                                   for i, code in zip(chosen, LEGACY_DESTINATIONS, strict=True)})
    exited = {exits[i]["EnrollmentID"] for i in chosen}
    enrollments = read_rows(testkit / "Enrollment.csv")
    entry = next(i for i, r in enumerate(enrollments) if r["EnrollmentID"] not in exited)
    _rewrite(folder / "Enrollment.csv", {entry: {"LivingSituation": "433", "RentalSubsidyType": ""}})
    situations = read_rows(testkit / "CurrentLivingSituation.csv")
    cls = next(i for i, r in enumerate(situations) if r["EnrollmentID"] != enrollments[entry]["EnrollmentID"])
    _rewrite(folder / "CurrentLivingSituation.csv", {cls: {"CurrentLivingSituation": "420", "CLSSubsidyType": ""}})
    return {
        "folder": folder,
        "exits": {exits[i]["ExitID"]: (exits[i]["EnrollmentID"], code, i + 2)
                  for i, code in zip(chosen, LEGACY_DESTINATIONS, strict=True)},
        "enrollment": (enrollments[entry]["EnrollmentID"], entry + 2),
        "cls": (situations[cls]["CurrentLivingSitID"], cls + 2),
    }


def _active_until(store: EmbeddedStore, enrollment_id: str) -> set[str]:
    iri = iris.record_iri(iris.DEFAULT_SOURCE, "Enrollment", enrollment_id)
    rows = store.select(f"SELECT ?until WHERE {{ <{iri}> <{ACTIVE_UNTIL}> ?until }}",
                        graphs=EVERY_GRAPH)  # the fact sits in the enrollment's project graph
    return {r["until"].value for r in rows}


def _by_key(store: EmbeddedStore, table: str) -> dict[str, dict]:
    return {str(r[MODEL.tables[table].key]): r for r in read_table(store, MODEL.tables[table], EVERY_GRAPH)}


def test_legacy_subsidy_codes_become_435_with_the_subsidy_type(legacy_export: dict) -> None:
    store = new_store()
    report = import_csv(store, legacy_export["folder"], progress=False)
    assert not report.rejections
    exits = _by_key(store, "Exit")
    for exit_id, (enrollment_id, code, line) in legacy_export["exits"].items():
        assert exits[exit_id]["Destination"] == int(WITH_ONGOING_SUBSIDY)
        assert exits[exit_id]["DestinationSubsidyType"] == int(code)
        # the person left: the enrollment is no longer open
        until = _active_until(store, enrollment_id)
        assert until and OPEN not in until, enrollment_id
        assert [(p.column, p.value) for p in report.warnings if (p.file, p.line) == ("Exit.csv", line)] == [
            ("Destination", code)]
    enrollment_id, line = legacy_export["enrollment"]
    enrollment = _by_key(store, "Enrollment")[enrollment_id]
    assert (enrollment["LivingSituation"], enrollment["RentalSubsidyType"]) == (int(WITH_ONGOING_SUBSIDY), 433)
    assert any(p.line == line and p.column == "LivingSituation" and "subsidy" in p.reason
               for p in report.warnings if p.file == "Enrollment.csv")
    cls_id, line = legacy_export["cls"]
    situation = _by_key(store, "CurrentLivingSituation")[cls_id]
    assert (situation["CurrentLivingSituation"], situation["CLSSubsidyType"]) == (int(WITH_ONGOING_SUBSIDY), 420)


def test_strict_import_rejects_legacy_codes_as_before(legacy_export: dict) -> None:
    store = new_store()
    report = import_csv(store, legacy_export["folder"], progress=False, strict=True)
    exits = _by_key(store, "Exit")
    rejected = {(p.line, p.column) for p in report.rejections if p.file == "Exit.csv"}
    for exit_id, (enrollment_id, _, line) in legacy_export["exits"].items():
        assert exit_id not in exits
        assert (line, "Destination") in rejected
        assert _active_until(store, enrollment_id) == {OPEN}
    enrollment_id, line = legacy_export["enrollment"]
    assert enrollment_id not in _by_key(store, "Enrollment")


def test_cli_strict_flag(legacy_export: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*extra: str) -> str:
        store = tmp_path / ("strict" if extra else "lenient")
        assert main(["import-csv", str(legacy_export["folder"]), "--store", str(store), *extra]) == 0
        return capsys.readouterr().err

    lenient, strict = run(), run("--strict")
    line = next(iter(legacy_export["exits"].values()))[2]
    assert f"warning: Exit.csv line {line} column Destination: subsidy type given as" in lenient
    assert f"rejected: Exit.csv line {line} column Destination: not a code" in strict
