"""The URIs, ids and code mappings of the FHIR view, stated once.

Identifier systems are scoped by the source like record IRIs (`urn:hmis-ld:{source}:`), so
the same PersonalID from two HMIS is two identifiers; our CodeSystems and extensions live
under `urn:hmis-ld:fhir:`. Each HMIS code list of the model is published as a CodeSystem.
"""

from __future__ import annotations

import base64
import functools
import re

from hmis_ld.model import MODEL, iris
from hmis_ld.model.schema import CodeList

FHIR_BASE = iris.BASE + "fhir:"
EXTENSION = FHIR_BASE + "StructureDefinition:"
SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
LOINC = "http://loinc.org"
OMB = "urn:oid:2.16.840.1.113883.6.238"
NULL_FLAVOR = "http://terminology.hl7.org/CodeSystem/v3-NullFlavor"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
HOUSING_STATUS = "71802-3"
_PLAIN_ID = re.compile(r"[A-Za-z0-9\-]{1,64}")
_ENCODED = "x."
MERGED = "merged-"


@functools.cache  # a handful of (source, field) pairs, asked once per resource
def identifier_system(source: str, field: str) -> str:
    """`urn:hmis-ld:{source}:PersonalID`, `...:ClientID`, `...:EnrollmentID`..."""
    return f"{iris.BASE}{iris.quote_part(source)}:{field}"


def code_system_id(code_list: str) -> str:
    return "hmis-" + code_list


def code_system_url(code_list: str) -> str:
    return f"{FHIR_BASE}CodeSystem:{code_system_id(code_list)}"


def code_list_of(code_system: str) -> CodeList | None:
    return MODEL.code_lists.get(code_system.removeprefix("hmis-")) if code_system.startswith("hmis-") else None


def coding(code_list: str, code: object) -> dict[str, str] | None:
    """A Coding of an HMIS code, with HUD's label; None for a code outside the list."""
    label = MODEL.code_lists[code_list].codes.get(str(code))
    return None if label is None else {"system": code_system_url(code_list), "code": str(code), "display": label}


def concept(code_list: str, code: object) -> dict[str, object] | None:
    found = coding(code_list, code)
    return None if found is None else {"coding": [found], "text": found["display"]}


def fhir_id(key: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64}) for an HMIS key: itself when it fits, else its base32."""
    if _PLAIN_ID.fullmatch(key):
        return key
    return _ENCODED + base64.b32encode(key.encode()).decode().rstrip("=").lower()


def key_of(resource_id: str) -> str | None:
    """The HMIS key a FHIR id names; None for an id no key gives."""
    if _PLAIN_ID.fullmatch(resource_id):
        return resource_id
    if not resource_id.startswith(_ENCODED):
        return None
    text = resource_id.removeprefix(_ENCODED).upper()
    try:
        key = base64.b32decode(text + "=" * (-len(text) % 8)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return key if fhir_id(key) == resource_id else None


def merged_patient_id(personal_id: str) -> str | None:
    """The id of the inactive Patient that stands for a person merged into another; None when
    it would pass FHIR's 64 characters (not for PersonalIDs of HMIS's 32)."""
    found = MERGED + fhir_id(personal_id)
    return found if len(found) <= 64 else None


def merged_personal_id(resource_id: str) -> str | None:
    """The PersonalID a merged person's Patient id names; None for any other id (ClientIDs are hex)."""
    if not resource_id.startswith(MERGED):
        return None
    key = key_of(resource_id.removeprefix(MERGED))
    return key if key is not None and merged_patient_id(key) == resource_id else None


# Sex (4.21) -> administrative gender; 99 (not collected) says nothing
GENDER = {"0": "female", "1": "male", "8": "unknown", "9": "unknown"}
# HMIS race fields that are OMB race categories; MidEastNAfrican has none in the 1997 standard
OMB_RACE = {"AmIndAKNative": ("1002-5", "American Indian or Alaska Native"), "Asian": ("2028-9", "Asian"),
            "BlackAfAmerican": ("2054-5", "Black or African American"),
            "NativeHIPacific": ("2076-8", "Native Hawaiian or Other Pacific Islander"), "White": ("2106-3", "White")}
HISPANIC = ("2135-2", "Hispanic or Latino")
# RaceNone (1.6): doesn't know / prefers not to answer as US Core's null flavors; 99 says nothing
RACE_UNKNOWN = {"8": ("UNK", "Unknown"), "9": ("ASKU", "Asked but no answer")}
