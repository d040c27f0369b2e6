"""The synthetic export must import cleanly and look like a real CoC's data (hmis_ld.demo)."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from hmis_ld.demo import write_demo_csv
from hmis_ld.model import MODEL

N_CLIENTS = 200
NOT_AT_ENTRY = {"312", "313", "327", "422", "423", "426", "30", "17", "24", "37"}
NOT_AT_EXIT = {"336", "335", "37"}
TYPE_PROVIDED_LIST = {"141": "P1.2", "142": "R14.2", "143": "W1.2", "144": "V2.2", "151": "W2.2",
                      "152": "V3.4", "161": "P2.2", "200": "4.14", "210": "V8.2", "300": "C2.2"}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    outdir = tmp_path_factory.mktemp("demo")
    return outdir, write_demo_csv(outdir, N_CLIENTS)


@pytest.fixture(scope="module")
def tables(export: tuple[Path, dict[str, int]]) -> dict[str, list[dict[str, str]]]:
    outdir, _ = export
    result = {}
    for name in MODEL.tables:
        with (outdir / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            result[name] = list(csv.DictReader(f))
    return result


def test_same_seed_gives_byte_identical_files(export, tmp_path):
    outdir, _ = export
    write_demo_csv(tmp_path, N_CLIENTS)
    for name in MODEL.tables:
        assert (tmp_path / f"{name}.csv").read_bytes() == (outdir / f"{name}.csv").read_bytes(), name


def test_another_seed_gives_other_clients(export, tmp_path):
    outdir, _ = export
    write_demo_csv(tmp_path, N_CLIENTS, seed=7)
    assert (tmp_path / "Client.csv").read_bytes() != (outdir / "Client.csv").read_bytes()


def test_every_file_has_the_model_header_and_the_reported_rows(export):
    outdir, counts = export
    assert set(counts) == set(MODEL.tables)
    for name, table in MODEL.tables.items():
        raw = (outdir / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        with (outdir / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            lines = list(csv.reader(f))
        assert lines[0] == [field.name for field in table.fields]
        assert len(lines) - 1 == counts[name]
    assert counts["Client"] == N_CLIENTS


def test_values_fit_the_model(tables):
    for name, table in MODEL.tables.items():
        for line, row in enumerate(tables[name], start=2):
            for field in table.fields:
                value = row[field.name]
                where = f"{name}.csv line {line} {field.name}={value!r}"
                assert value or not field.required, where
                if value and field.code_list:
                    assert value in MODEL.code_lists[field.code_list].codes, where
                if field.max_length:
                    assert len(value) <= field.max_length, where


def test_audit_columns_are_consistent(tables):
    export_id = tables["Export"][0]["ExportID"]
    users = {row["UserID"] for row in tables["User"]}
    assert len(tables["Export"]) == 1 and len(users) == 10
    for name, rows in tables.items():
        for row in rows:
            assert row["ExportID"] == export_id, name
            if "UserID" in row and name != "User":
                assert row["UserID"] in users, name
            if "DateCreated" in row:
                assert row["DateCreated"] <= row["DateUpdated"], name
                assert row["DateDeleted"] == "", name


def test_links_point_to_existing_records(tables):
    keys = {name: {row[table.key] for row in tables[name]} for name, table in MODEL.tables.items()}
    for name, table in MODEL.tables.items():
        for link in table.links:
            for row in tables[name]:
                assert row[link.field] in keys[link.target], f"{name}.{link.field}={row[link.field]}"


def test_exit_and_services_fall_within_the_enrollment(tables):
    entries = {row["EnrollmentID"]: row["EntryDate"] for row in tables["Enrollment"]}
    exits = {row["EnrollmentID"]: row["ExitDate"] for row in tables["Exit"]}
    assert 0.6 < len(exits) / len(entries) < 0.8
    for enrollment, exit_date in exits.items():
        assert exit_date >= entries[enrollment]
    for row in tables["Services"]:
        last_day = exits.get(row["EnrollmentID"], "2026-10-31")
        assert entries[row["EnrollmentID"]] <= row["DateProvided"] <= last_day


def test_enrollment_coc_is_one_of_the_projects(tables):
    cocs = defaultdict(set)
    for row in tables["ProjectCoC"]:
        cocs[row["ProjectID"]].add(row["CoCCode"])
    for row in tables["Enrollment"]:
        assert row["EnrollmentCoC"] in cocs[row["ProjectID"]]


def test_every_project_type_and_rapid_rehousing_funding(tables):
    projects = tables["Project"]
    assert {row["ProjectType"] for row in projects} == set(MODEL.code_lists["2.02.6"].codes)
    rrh = {row["ProjectID"] for row in projects if row["ProjectType"] == "13"}
    assert all(row["RRHSubType"] for row in projects if row["ProjectID"] in rrh)
    coc_rrh_funded = {row["ProjectID"] for row in tables["Funder"] if row["Funder"] == "3"}
    assert rrh and rrh <= coc_rrh_funded
    assert all(row["OtherFunder"] for row in tables["Funder"] if row["Funder"] == "46")


def test_households_and_clients_look_real(tables):
    members = defaultdict(list)
    for row in tables["Enrollment"]:
        members[row["HouseholdID"]].append(row["RelationshipToHoH"])
    assert all(roles.count("1") == 1 for roles in members.values())
    assert any(len(roles) > 1 for roles in members.values())
    for row in tables["Client"]:
        races = [row[name] for name in ("AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinao",
                                        "MidEastNAfrican", "NativeHIPacific", "White")]
        assert (row["RaceNone"] != "") == (races.count("1") == 0)
        assert (row["YearEnteredService"] != "") == (row["VeteranStatus"] == "1")
        if row["SSNDataQuality"] == "1":
            ssn = row["SSN"]
            assert ssn.isdigit() and ssn[:3] not in ("000", "666") and ssn[0] != "9"
            assert ssn[3:5] != "00" and ssn[5:] != "0000"


def test_hud_conditional_rules(tables):
    assert not {row["LivingSituation"] for row in tables["Enrollment"]} & NOT_AT_ENTRY
    assert not {row["Destination"] for row in tables["Exit"]} & NOT_AT_EXIT
    for row in tables["Disabilities"]:
        substance_use = row["DisabilityType"] == "10"  # list 4.10.2, the others list 1.8
        allowed = {"0", "1", "2", "3", "8", "9", "99"} if substance_use else {"0", "1", "8", "9", "99"}
        assert row["DisabilityResponse"] in allowed


def test_disabling_condition_agrees_with_the_disabilities(tables):
    disabling = {row["EnrollmentID"]: row["DisablingCondition"] for row in tables["Enrollment"]}
    indefinite = {row["EnrollmentID"] for row in tables["Disabilities"] if row["IndefiniteAndImpairs"] == "1"}
    assert indefinite
    for row in tables["Disabilities"]:
        assert (row["EnrollmentID"] in indefinite) == (disabling[row["EnrollmentID"]] == "1")


def test_type_provided_is_in_the_list_of_its_record_type(tables, shared: Path):
    lists = defaultdict(set)
    with (shared / "hud" / "FY2026_CSV_Lists.csv").open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            lists[row["List"].strip()].add(row["Value"].strip())
    for row in tables["Services"]:
        assert row["TypeProvided"] in lists[TYPE_PROVIDED_LIST[row["RecordType"]]], row
