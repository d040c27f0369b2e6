"""HMIS records as FHIR R4 resources (plain dicts): pure functions of records already read
through the caller's dataset. What does not map is said in docs/fhir.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hmis_ld.fhir.terms import (
    EXTENSION,
    GENDER,
    HISPANIC,
    HOUSING_STATUS,
    LOINC,
    NULL_FLAVOR,
    OMB,
    OMB_RACE,
    RACE_UNKNOWN,
    SSN_SYSTEM,
    US_CORE,
    coding,
    concept,
    fhir_id,
    identifier_system,
    merged_patient_id,
)
from hmis_ld.model.values import Value

Record = Mapping[str, Value]
Resource = dict[str, object]


@dataclass(frozen=True)
class EnrollmentContext:
    """What resources below an enrollment point at: its client record's ClientID, its project
    and organization, its exit date."""

    client_id: str
    project_id: str
    organization_id: str | None
    exit_date: dt.date | None = None


@dataclass(frozen=True)
class PatientLinks:
    """The caller's other client records of the same person, and persons merged into it."""

    same_person: Sequence[str] = ()
    replaces: Sequence[str] = ()
    extra: dict[str, object] = field(default_factory=dict)


def _instant(value: Value | None) -> str | None:
    """HMIS times carry no zone; the server writes UTC (hmis_ld.clock), so they are sent as UTC."""
    return f"{value.isoformat()}Z" if isinstance(value, dt.datetime) else None


def _meta(record: Record) -> dict[str, object]:
    updated = _instant(record.get("DateUpdated"))
    return {"meta": {"lastUpdated": updated}} if updated else {}


def _date(value: Value | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def _ref(kind: str, key: str) -> dict[str, str]:
    return {"reference": f"{kind}/{fhir_id(key)}"}


def _identifier(source: str, name: str, value: object) -> dict[str, str]:
    return {"system": identifier_system(source, name), "value": str(value)}


def _coded_extension(name: str, code_list: str, value: Value | None) -> list[dict[str, object]]:
    found = coding(code_list, value) if value is not None else None
    return [{"url": EXTENSION + name, "valueCoding": found}] if found else []


def _race(record: Record) -> list[dict[str, object]]:
    """US Core race: the OMB categories HMIS answered yes to, or RaceNone's unknown / declined."""
    codes = [OMB_RACE[f] for f in OMB_RACE if record.get(f) == 1]
    system = OMB
    if not codes and str(record.get("RaceNone")) in RACE_UNKNOWN:
        codes, system = [RACE_UNKNOWN[str(record["RaceNone"])]], NULL_FLAVOR
    if not codes:
        return []
    parts: list[dict[str, object]] = [{"url": "ombCategory", "valueCoding": {"system": system, "code": c, "display": d}}
                                      for c, d in codes]
    parts.append({"url": "text", "valueString": ", ".join(d for _, d in codes)})
    return [{"url": US_CORE + "us-core-race", "extension": parts}]


def _ethnicity(record: Record) -> list[dict[str, object]]:
    """HMIS asks Hispanic/Latina/e/o as one race option: a yes maps; a no is not 'not Hispanic'."""
    if record.get("HispanicLatinao") != 1:
        return []
    code, display = HISPANIC
    return [{"url": US_CORE + "us-core-ethnicity", "extension": [
        {"url": "ombCategory", "valueCoding": {"system": OMB, "code": code, "display": display}},
        {"url": "text", "valueString": display}]}]


def patient(record: Record, client_id: str, source: str, links: PatientLinks) -> Resource:
    """One client record. Names, DOB and SSN are there only when the record carries them: a
    caller without pii:read reads records without them."""
    identifiers = [{"use": "usual", **_identifier(source, "ClientID", client_id)},
                   {"use": "secondary", **_identifier(source, "PersonalID", record["PersonalID"])}]
    ssn = record.get("SSN")
    if isinstance(ssn, str) and ssn.isdigit() and len(ssn) == 9:
        identifiers.append({"use": "official", "system": SSN_SYSTEM, "value": ssn,
                            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                                 "code": "SS"}]}})
    body: Resource = {"resourceType": "Patient", "id": client_id, **_meta(record), "identifier": identifiers,
                      "active": "DateDeleted" not in record}
    extensions = [*_race(record), *_ethnicity(record),
                  *_coded_extension("dob-data-quality", "3.03.2", record.get("DOBDataQuality")),
                  *_coded_extension("veteran-status", "1.8", record.get("VeteranStatus"))]
    if extensions:
        body["extension"] = extensions
    given = [str(record[f]) for f in ("FirstName", "MiddleName") if record.get(f)]
    name: dict[str, object] = {"use": "official"}
    if record.get("LastName"):
        name["family"] = str(record["LastName"])
    if given:
        name["given"] = given
    if record.get("NameSuffix"):
        name["suffix"] = [str(record["NameSuffix"])]
    if len(name) > 1:
        body["name"] = [name]
    gender = GENDER.get(str(record.get("Sex")))
    if gender:
        body["gender"] = gender
    if _date(record.get("DOB")):
        body["birthDate"] = _date(record.get("DOB"))
    link = [{"other": {"reference": f"Patient/{other}"}, "type": "seealso"} for other in links.same_person]
    link += [{"other": _merged_reference(source, merged), "type": "replaces"} for merged in links.replaces]
    if link:
        body["link"] = link
    return body


def _merged_reference(source: str, personal_id: str) -> dict[str, object]:
    found: dict[str, object] = {"identifier": _identifier(source, "PersonalID", personal_id),
                                "display": "a person merged into this one"}
    patient_id = merged_patient_id(personal_id)
    return {"reference": f"Patient/{patient_id}", **found} if patient_id else found


def merged_patient(personal_id: str, replaced_by: Sequence[str], merged_at: dt.datetime | None,
                   source: str) -> Resource:
    """A person merged into another: no record of its own any more, an inactive Patient whose
    `replaced-by` links name the client records (Patients) of the surviving person."""
    return {"resourceType": "Patient", "id": merged_patient_id(personal_id),
            **({"meta": {"lastUpdated": _instant(merged_at)}} if merged_at is not None else {}),
            "identifier": [{"use": "old", **_identifier(source, "PersonalID", personal_id)}], "active": False,
            "link": [{"other": {"reference": f"Patient/{other}"}, "type": "replaced-by"} for other in replaced_by]}


def organization(record: Record, source: str) -> Resource:
    key = str(record["OrganizationID"])
    body: Resource = {"resourceType": "Organization", "id": fhir_id(key), **_meta(record),
                      "identifier": [_identifier(source, "OrganizationID", key)],
                      "active": "DateDeleted" not in record, "name": str(record["OrganizationName"])}
    if record.get("OrganizationCommonName"):
        body["alias"] = [str(record["OrganizationCommonName"])]
    return body


def healthcare_service(record: Record, source: str, today: dt.date) -> Resource:
    """A project; its type is a code of our CodeSystem for HMIS project types (2.02.6)."""
    key = str(record["ProjectID"])
    end = record.get("OperatingEndDate")
    body: Resource = {"resourceType": "HealthcareService", "id": fhir_id(key), **_meta(record),
                      "identifier": [_identifier(source, "ProjectID", key)],
                      "active": "DateDeleted" not in record and not (isinstance(end, dt.date) and end < today),
                      "providedBy": _ref("Organization", str(record["OrganizationID"])),
                      "name": str(record["ProjectName"])}
    kind = concept("2.02.6", record.get("ProjectType")) if record.get("ProjectType") is not None else None
    if kind:
        body["type"] = [kind]
    return body


def episode_of_care(record: Record, source: str, context: EnrollmentContext) -> Resource:
    key = str(record["EnrollmentID"])
    period: dict[str, str] = {"start": str(_date(record["EntryDate"]))}
    if context.exit_date is not None:
        period["end"] = context.exit_date.isoformat()
    body: Resource = {"resourceType": "EpisodeOfCare", "id": fhir_id(key), **_meta(record),
                      "identifier": [_identifier(source, "EnrollmentID", key)],
                      "status": "finished" if context.exit_date is not None else "active",
                      "patient": {"reference": f"Patient/{context.client_id}"}, "period": period}
    if context.organization_id is not None:
        body["managingOrganization"] = _ref("Organization", context.organization_id)
    return body


def encounter(record: Record, source: str, context: EnrollmentContext) -> Resource:
    """A service (Services.csv): a contact on one day within an enrollment."""
    key = str(record["ServicesID"])
    day = str(_date(record["DateProvided"]))
    kind = concept("1.4", record.get("RecordType"))
    body: Resource = {"resourceType": "Encounter", "id": fhir_id(key), **_meta(record),
                      "identifier": [_identifier(source, "ServicesID", key)], "status": "finished",
                      "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "FLD",
                                "display": "field"},
                      "subject": {"reference": f"Patient/{context.client_id}"},
                      "episodeOfCare": [_ref("EpisodeOfCare", str(record["EnrollmentID"]))],
                      "period": {"start": day, "end": day},
                      "serviceProvider": _ref("Organization", context.organization_id) if context.organization_id else None}
    if kind:
        kind["text"] = f"{kind['text']}: type {record.get('TypeProvided')}"
        body["type"] = [kind]
    return {k: v for k, v in body.items() if v is not None}


def condition(record: Record, source: str, context: EnrollmentContext) -> Resource:
    """A disability the client reported (DisabilityResponse other than no)."""
    key = str(record["DisabilitiesID"])
    body: Resource = {
        "resourceType": "Condition", "id": fhir_id(key), **_meta(record),
        "identifier": [_identifier(source, "DisabilitiesID", key)],
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                           "code": "unconfirmed"}], "text": "reported by the client"},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                  "code": "problem-list-item"}]}],
        "code": concept("1.3", record.get("DisabilityType")) or {"text": "disability"},
        "subject": {"reference": f"Patient/{context.client_id}"},
        "recordedDate": _date(record.get("InformationDate")),
    }
    return {k: v for k, v in body.items() if v is not None}


def housing_status(kind: str, key: str, code: Value | None, day: dt.date, updated: Record,
                   context: EnrollmentContext) -> Resource:
    """LOINC 71802-3 (housing status), after the Gravity Project's SDOH Clinical Care
    observations: the living situation at entry (`kind` "entry", keyed by EnrollmentID) or the
    destination at exit ("exit", keyed by ExitID), valued with the HMIS code (3.12.1)."""
    body: Resource = {
        "resourceType": "Observation", "id": f"{kind}-{fhir_id(key)}"[:64], **_meta(updated), "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                         "code": "social-history"}]},
            {"coding": [{"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-category", "code": "sdoh",
                         "display": "SDOH"}]}],
        "code": {"coding": [{"system": LOINC, "code": HOUSING_STATUS, "display": "Housing status"}]},
        "subject": {"reference": f"Patient/{context.client_id}"},
        "effectiveDateTime": day.isoformat(),
    }
    value = concept("3.12.1", code) if code is not None else None
    if value:
        body["valueCodeableConcept"] = value
    else:
        body["dataAbsentReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                                                "code": "unknown"}]}
    return body


# Source of Payment Typology (PHVS) codes where an HMIS insurance field is one of its categories
PAYMENT_TYPOLOGY = {"Medicare": ("1", "MEDICARE"), "Medicaid": ("2", "MEDICAID"),
                    "VHAServices": ("32", "Department of Veterans Affairs")}


def coverage(resource_id: str, kind: str, label: str, start: dt.date, end: dt.date | None,
             updated: dt.datetime | None, context: EnrollmentContext) -> Resource:
    """One period of one kind of health insurance (HMIS 4.04); `end` is exclusive, FHIR's inclusive.
    Its lastUpdated is the latest DateUpdated of the IncomeBenefits records that decide it."""
    kind_concept: dict[str, object] = {"text": label}
    if kind in PAYMENT_TYPOLOGY:
        code, display = PAYMENT_TYPOLOGY[kind]
        kind_concept["coding"] = [{"system": "urn:oid:2.16.840.1.113883.3.221.5", "code": code, "display": display}]
    period = {"start": start.isoformat()}
    if end is not None:
        period["end"] = (end - dt.timedelta(days=1)).isoformat()
    meta = {"meta": {"lastUpdated": _instant(updated)}} if updated is not None else {}
    return {"resourceType": "Coverage", "id": resource_id, **meta,
            "status": "active", "type": kind_concept, "beneficiary": {"reference": f"Patient/{context.client_id}"},
            "payor": [{"display": label}], "period": period}


def code_system(list_id: str, name: str, url: str, codes: Mapping[str, str], resource_id: str) -> Resource:
    return {"resourceType": "CodeSystem", "id": resource_id, "url": url, "name": name.replace(".", "_"),
            "title": f"HMIS code list {list_id}", "status": "active", "content": "complete",
            "caseSensitive": True, "count": len(codes),
            "concept": [{"code": c, "display": d} for c, d in sorted(codes.items(), key=lambda i: (len(i[0]), i[0]))]}


def operation_outcome(severity: str, code: str, text: str) -> Resource:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": code, "diagnostics": text}]}
