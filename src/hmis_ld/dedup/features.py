"""A client record reduced to what matching compares, computed once per record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from hmis_ld.dedup.dob import Dob, usable_dob
from hmis_ld.dedup.names import Name, make_name, split_suffix, suffix_code
from hmis_ld.dedup.nicknames import formal_names
from hmis_ld.dedup.ssn import pattern_quality, ssn_pattern

UNKNOWN_NAME_QUALITY = frozenset({8, 9, 99})  # 3.01.5
PARTIAL_NAME_QUALITY = 2  # partial, street name or code name: agreement counts, disagreement doesn't
RACE_FIELDS = ("AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinao", "MidEastNAfrican",
               "NativeHIPacific", "White")
KNOWN_SEX = frozenset({0, 1})  # 4.21 female, male; 8, 9, 99 are unknown
KNOWN_YES_NO = frozenset({0, 1})  # 1.8 no, yes


@dataclass(frozen=True, slots=True)
class Features:
    """Normalized names, SSN pattern (`x` for unknown digits), believable DOB and the known
    demographic answers; None wherever the record says nothing usable."""

    personal_id: str | None
    first: Name | None
    middle: Name | None
    last: Name | None
    suffix: str | None
    name_partial: bool
    ssn: str | None
    ssn_full: bool
    dob: Dob | None
    sex: int | None
    races: frozenset[str] | None
    veteran: int | None

    @property
    def first_formal(self) -> frozenset[str]:
        return formal_names(self.first.key) if self.first else frozenset()


def prepare(record: Mapping[str, object] | Features) -> Features:
    """Features of a record with HUD Client field names; missing keys are unknown values."""
    if isinstance(record, Features):
        return record
    name_quality = record.get("NameDataQuality")
    first = middle = last = None
    suffix = None
    if name_quality not in UNKNOWN_NAME_QUALITY:
        first_words, first_suffix = split_suffix(_text(record, "FirstName"))
        last_words, last_suffix = split_suffix(_text(record, "LastName"))
        first, last = make_name(first_words), make_name(last_words)
        middle = make_name(split_suffix(_text(record, "MiddleName"))[0])
        suffix = suffix_code(_text(record, "NameSuffix")) or last_suffix or first_suffix
    ssn_dq = _int(record, "SSNDataQuality")
    ssn = ssn_pattern(_text(record, "SSN"), ssn_dq)
    dob = record.get("DOB")
    races = frozenset(f for f in RACE_FIELDS if record.get(f) == 1)
    return Features(
        personal_id=_text(record, "PersonalID"),
        first=first, middle=middle, last=last, suffix=suffix,
        name_partial=name_quality == PARTIAL_NAME_QUALITY,
        ssn=ssn,
        ssn_full=pattern_quality(ssn, ssn_dq) == "full",
        dob=usable_dob(dob, _int(record, "DOBDataQuality")) if isinstance(dob, date) else None,
        sex=_known(record, "Sex", KNOWN_SEX),
        races=races or None,
        veteran=_known(record, "VeteranStatus", KNOWN_YES_NO),
    )


def _text(record: Mapping[str, object], field: str) -> str | None:
    value = record.get(field)
    return str(value) if value is not None and str(value).strip() else None


def _int(record: Mapping[str, object], field: str) -> int | None:
    value = record.get(field)
    return value if isinstance(value, int) else None


def _known(record: Mapping[str, object], field: str, codes: frozenset[int]) -> int | None:
    value = record.get(field)
    return value if value in codes else None
