"""The Medicaid test export (medicaid_data.py) amended for the FHIR tests: names, birth dates,
an SSN and update times that differ between persons, more kinds of insurance, disabilities, and
a client with many services. The rows are written here, so the tests know every answer."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from medicaid_data import STAMP, write_export

from hmis_ld.model import MODEL

# PersonalID -> (FirstName, LastName, DOB, DateUpdated)
NAMES = {
    "C1": ("Ana", "López", "1980-05-06", "2026-01-15 08:00:00"),
    "C2": ("Anabel", "Lopez", "1990-01-01", "2026-02-15 08:00:00"),
    "C3": ("Ben", "Lopez", "1975-07-07", "2026-04-01 09:00:00"),
    "C4": ("Ana", "Smith", "1990-01-01", "2026-04-01 09:00:00"),
    "C5": ("Carl", "Jones", "2001-03-03", "2026-04-01 09:00:00"),
    "C6": ("Carla", "Jones", "1969-12-31", "2026-04-01 09:00:00"),
}
SSN = {"C1": "123456789"}
# EnrollmentID -> DateUpdated, where it is not the export's
ENROLLMENT_UPDATED = {"E7": "2026-02-16 09:00:00"}
# C3's enrollment E3 in P1: SCHIP for February, VA care and other insurance from February on
INSURANCE = [
    {"IncomeBenefitsID": "IB20", "EnrollmentID": "E3", "PersonalID": "C3", "InformationDate": "2026-02-01",
     "DataCollectionStage": 2, "InsuranceFromAnySource": 1, "Medicaid": 0, "SCHIP": 1, "VHAServices": 1,
     "OtherInsurance": 1, "DateUpdated": "2026-02-01 10:00:00"},
    {"IncomeBenefitsID": "IB21", "EnrollmentID": "E3", "PersonalID": "C3", "InformationDate": "2026-03-01",
     "DataCollectionStage": 2, "InsuranceFromAnySource": 1, "Medicaid": 0, "SCHIP": 0, "VHAServices": 1,
     "OtherInsurance": 1, "DateUpdated": "2026-03-01 10:00:00"},
]
# disabilities: DisabilitiesID -> (EnrollmentID, PersonalID, DisabilityType, DisabilityResponse)
DISABILITIES = {"D1": ("E3", "C3", 5, 1), "D2": ("E4", "C3", 9, 1), "D3": ("E4", "C3", 6, 0)}
# C1's enrollment E1 (entry 2026-01-10) gets MANY services, one a day, each updated on its day
MANY = 125
FIRST_DAY = dt.date(2026, 1, 10)


def many_services() -> list[dict[str, object]]:
    return [{"ServicesID": f"M{n}", "EnrollmentID": "E1", "PersonalID": "C1",
             "DateProvided": (FIRST_DAY + dt.timedelta(days=n)).isoformat(), "RecordType": 144, "TypeProvided": 1,
             "DateUpdated": f"{FIRST_DAY + dt.timedelta(days=n)} 12:00:00"} for n in range(MANY)]


def _amend(folder: Path, table: str, key: str, changes: dict[str, dict[str, object]],
           added: list[dict[str, object]] | None = None) -> None:
    """Change some columns of the rows named by `key` and add rows, with the export's stamps
    unless they say otherwise."""
    path = folder / f"{table}.csv"
    rows: list[dict[str, object]] = []
    if path.exists():
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    rows = [{**row, **changes.get(str(row[key]), {})} for row in rows]
    stamps = {"DateCreated": STAMP, "DateUpdated": STAMP, "UserID": "U1", "ExportID": "X1"}
    rows += [{**stamps, **row} for row in added or []]
    header = [f.name for f in MODEL.tables[table].fields]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def write_fhir_export(folder: Path) -> Path:
    write_export(folder)
    _amend(folder, "Client", "PersonalID", {p: {"FirstName": first, "LastName": last, "DOB": dob, "DateUpdated": at}
                                            for p, (first, last, dob, at) in NAMES.items()})
    _amend(folder, "Client", "PersonalID", {p: {"SSN": ssn, "SSNDataQuality": 1} for p, ssn in SSN.items()})
    _amend(folder, "Enrollment", "EnrollmentID", {e: {"DateUpdated": at} for e, at in ENROLLMENT_UPDATED.items()})
    _amend(folder, "IncomeBenefits", "IncomeBenefitsID", {}, INSURANCE)
    _amend(folder, "Services", "ServicesID", {}, many_services())
    _amend(folder, "Disabilities", "DisabilitiesID", {}, [
        {"DisabilitiesID": k, "EnrollmentID": e, "PersonalID": p, "InformationDate": "2026-02-01",
         "DisabilityType": kind, "DisabilityResponse": answer, "IndefiniteAndImpairs": 1, "DataCollectionStage": 2,
         "DateUpdated": "2026-02-01 09:00:00"} for k, (e, p, kind, answer) in DISABILITIES.items()])
    return folder
