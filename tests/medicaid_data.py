"""A small HMIS CSV export for the Medicaid billing and coverage tests, written as plain rows so
the tests can compute what the answer must hold without the code under test."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from hmis_ld.model import MODEL

D = dt.date.fromisoformat
STAMP = "2026-04-01 09:00:00"
# organization -> its projects
ORGANIZATIONS = {"O1": ("P1", "P2"), "O2": ("P3",)}
PERSONS = ("C1", "C2", "C3", "C4", "C5", "C6")
# EnrollmentID -> (PersonalID, ProjectID, EntryDate, ExitDate or None)
ENROLLMENTS = {
    "E1": ("C1", "P1", "2026-01-10", None),
    "E2": ("C2", "P1", "2026-02-01", "2026-03-25"),
    "E3": ("C3", "P1", "2026-01-01", None),
    "E4": ("C3", "P3", "2026-02-01", None),
    "E5": ("C4", "P2", "2026-01-05", None),
    "E6": ("C5", "P2", "2026-01-01", None),
    "E7": ("C6", "P2", "2026-01-01", "2026-02-15"),
    "E8": ("C6", "P2", "2026-03-10", None),
}
# IncomeBenefitsID -> (EnrollmentID, InformationDate, DataCollectionStage, {field: 1|0}, deleted)
INCOME = {
    "IB1": ("E1", "2026-01-10", 1, {"Medicaid": 1}, False),
    "IB2": ("E1", "2026-03-15", 2, {"Medicaid": 0}, False),
    "IB3": ("E2", "2026-02-01", 1, {"Medicaid": 0}, False),
    "IB4": ("E2", "2026-03-10", 2, {"Medicaid": 1}, False),
    "IB5": ("E3", "2026-01-01", 1, {"Medicaid": 0}, False),
    "IB6": ("E4", "2026-02-01", 1, {"Medicaid": 1, "Medicare": 1}, False),
    "IB7": ("E5", "2026-01-05", 1, {"Medicaid": 1}, True),
    "IB8": ("E5", "2026-03-20", 2, {"Medicaid": 1}, False),
    "IB9": ("E6", "2026-01-01", 1, {"Medicaid": 0, "Medicare": 1}, False),
    "IB10": ("E7", "2026-01-01", 1, {"Medicaid": 1}, False),
    "IB11": ("E8", "2026-03-10", 1, {"Medicaid": 1}, False),
    "IB12": ("E1", "2026-02-01", 2, {"Medicaid": 1}, False),
}
# ServicesID -> (EnrollmentID, DateProvided, RecordType, TypeProvided, deleted)
SERVICES = {
    "S1": ("E1", "2026-02-20", 141, 4, False),
    "S2": ("E1", "2026-03-05", 141, 4, False),
    "S3": ("E1", "2026-03-15", 141, 4, False),
    "S4": ("E1", "2026-03-20", 144, 1, False),
    "S5": ("E2", "2026-03-05", 141, 1, False),
    "S6": ("E2", "2026-03-10", 141, 1, False),
    "S7": ("E2", "2026-03-25", 144, 2, False),
    "S8": ("E2", "2026-03-28", 141, 1, False),
    "S9": ("E3", "2026-03-12", 141, 3, False),
    "S10": ("E4", "2026-03-13", 143, 1, False),
    "S11": ("E5", "2026-03-10", 141, 4, False),
    "S12": ("E5", "2026-03-22", 141, 4, False),
    "S13": ("E6", "2026-03-10", 141, 4, False),
    "S14": ("E7", "2026-03-05", 141, 4, False),
    "S15": ("E8", "2026-03-11", 200, 200, False),
    "S16": ("E1", "2026-03-06", 141, 4, True),
    "S17": ("E4", "2026-04-02", 143, 1, False),
}


def _write(folder: Path, table: str, rows: list[dict[str, object]]) -> None:
    header = [f.name for f in MODEL.tables[table].fields]
    with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v for k, v in row.items() if v is not None})


def _meta(deleted: bool = False) -> dict[str, object]:
    return {"DateCreated": STAMP, "DateUpdated": STAMP, "UserID": "U1", "ExportID": "X1",
            "DateDeleted": STAMP if deleted else None}


def write_export(folder: Path) -> Path:
    """The export as HMIS CSV files in `folder`."""
    _write(folder, "Export", [{
        "ExportID": "X1", "SourceType": 3, "ExportDate": STAMP, "ExportStartDate": "2026-01-01",
        "ExportEndDate": "2026-04-01", "SoftwareName": "test", "ExportPeriodType": 3, "ExportDirective": 2,
        "HashStatus": 1, "ImplementationID": "I1"}])
    _write(folder, "Organization", [
        {"OrganizationID": o, "OrganizationName": f"Org {o}", "VictimServiceProvider": 0, **_meta()}
        for o in ORGANIZATIONS])
    _write(folder, "Project", [
        {"ProjectID": p, "OrganizationID": o, "ProjectName": f"Project {p}", "OperatingStartDate": "2020-01-01",
         "ContinuumProject": 1, "ProjectType": 6, **_meta()}
        for o, projects in ORGANIZATIONS.items() for p in projects])
    _write(folder, "Client", [
        {"PersonalID": p, "FirstName": f"First{p}", "LastName": f"Last{p}", "DOB": "1980-05-06",
         "NameDataQuality": 1, "SSNDataQuality": 99, "DOBDataQuality": 1, "AmIndAKNative": 0, "Asian": 0,
         "BlackAfAmerican": 0, "HispanicLatinao": 0, "MidEastNAfrican": 0, "NativeHIPacific": 0, "White": 1,
         "VeteranStatus": 0, **_meta()}
        for p in PERSONS])
    _write(folder, "Enrollment", [
        {"EnrollmentID": e, "PersonalID": p, "ProjectID": pr, "EntryDate": entry, "HouseholdID": f"H{e}",
         "RelationshipToHoH": 1, "EnrollmentCoC": "XX-500", "DisablingCondition": 0, **_meta()}
        for e, (p, pr, entry, _) in ENROLLMENTS.items()])
    _write(folder, "Exit", [
        {"ExitID": f"X{e}", "EnrollmentID": e, "PersonalID": p, "ExitDate": out, "Destination": 99, **_meta()}
        for e, (p, _, _, out) in ENROLLMENTS.items() if out])
    _write(folder, "IncomeBenefits", [
        {"IncomeBenefitsID": k, "EnrollmentID": e, "PersonalID": ENROLLMENTS[e][0], "InformationDate": day,
         "DataCollectionStage": stage, "InsuranceFromAnySource": int(any(fields.values())), **fields,
         **_meta(deleted)}
        for k, (e, day, stage, fields, deleted) in INCOME.items()])
    _write(folder, "Services", [
        {"ServicesID": k, "EnrollmentID": e, "PersonalID": ENROLLMENTS[e][0], "DateProvided": day,
         "RecordType": rt, "TypeProvided": tp, **_meta(deleted)}
        for k, (e, day, rt, tp, deleted) in SERVICES.items()])
    return folder


def had(kind: str, personal_id: str, day: dt.date, projects: set[str] | None = None) -> bool:
    """Whether the person had `kind` on `day` in some enrollment (of `projects` when given):
    the live record of the nearest prior InformationDate says 1, and the day is not past the exit."""
    for e, (p, project, _, out) in ENROLLMENTS.items():
        if p != personal_id or (projects is not None and project not in projects):
            continue
        if out is not None and day > D(out):
            continue
        prior = [(D(d), stage, fields) for _, (en, d, stage, fields, gone) in INCOME.items()
                 if en == e and not gone and D(d) <= day]
        if prior and max(prior, key=lambda x: (x[0], x[1]))[2].get(kind) == 1:
            return True
    return False
