"""Behaviour of the deduplication engine (hmis_ld.dedup): identifiers, name and DOB variants,
hard negatives, blocking, evidence and the published method."""

from __future__ import annotations

import json
from datetime import date

import pytest

from hmis_ld.dedup import GRADES, MatchConfig, blocking_keys, describe_method, match, ssn_quality
from hmis_ld.dedup.strings import jaro_winkler, nysiis

BASE = {
    "PersonalID": "A", "FirstName": "Robert", "MiddleName": "James", "LastName": "Johnson",
    "NameDataQuality": 1, "SSN": "212-45-6781", "SSNDataQuality": 1, "DOB": date(1984, 3, 11),
    "DOBDataQuality": 1, "Sex": 1, "BlackAfAmerican": 1, "VeteranStatus": 0,
}
NO_SSN = {"SSN": None, "SSNDataQuality": 99}


def variant(**changes: object) -> dict[str, object]:
    return {**BASE, "PersonalID": "B", **changes}


def one(incoming: dict[str, object], candidate: dict[str, object], config: MatchConfig | None = None):
    found = match(incoming, [candidate], config or MatchConfig())
    return found[0] if found else None


def grade(incoming: dict[str, object], candidate: dict[str, object]) -> str | None:
    found = one(incoming, candidate)
    return found.grade if found else None


# --- SSN ---

@pytest.mark.parametrize("ssn", [
    None, "", "x", "X", "xxxxxxxxx", "XXX-XX-XXXX", "000-00-0000", "999-99-9999", "111111111",
    "123-45-6789", "987654321", "078-05-1120",  # sequences and the Woolworth wallet card
    "000-12-3456", "666-12-3456", "912-34-5678", "212-00-6781", "212-45-0000",  # never issued
    "123", "xxxxxxx81",  # too few digits to identify anyone
])
def test_placeholder_and_invalid_ssns_identify_no_one(ssn):
    assert ssn_quality(ssn, 1) == "none"


@pytest.mark.parametrize("ssn, quality, expected", [
    ("212-45-6781", 1, "full"), ("212456781", None, "full"), (" 212 45 6781 ", 1, "full"),
    ("xxxxx6781", 2, "partial"), ("XXX-XX-6781", 2, "partial"), ("212xx6781", 2, "partial"),
    ("6781", 2, "partial"), ("212456781", 2, "partial"),  # all digits but reported as approximate
    ("212456781", 8, "none"), ("212456781", 9, "none"), ("212456781", 99, "none"),
])
def test_ssn_quality(ssn, quality, expected):
    assert ssn_quality(ssn, quality) == expected


def test_a_shared_placeholder_ssn_is_no_evidence():
    a = {**BASE, "SSN": "000000000"}
    b = variant(FirstName="Maria", LastName="Lopez", DOB=date(1990, 7, 2), Sex=0, SSN="000000000")
    assert one(a, b) is None
    assert one(a, b, MatchConfig(possible=0.0)).evidence["ssn"] == "unknown"
    assert not blocking_keys(a) & blocking_keys(b)


def test_partial_ssn_agreement_counts():
    found = one(BASE, variant(SSN="xxxxx6781", SSNDataQuality=2, DOB=date(1984, 11, 3)))
    assert found.evidence["ssn"] == "partial"
    assert found.grade in ("certain", "probable")


# --- names ---

@pytest.mark.parametrize("formal, nickname", [
    ("Robert", "Bob"), ("William", "Bill"), ("Elizabeth", "Liz"), ("José", "Pepe"),
    ("Margaret", "Peggy"), ("Francisco", "Paco"), ("Guadalupe", "Lupe"), ("Christopher", "Chris"),
])
def test_nicknames_match(formal, nickname):
    found = one({**BASE, **NO_SSN, "FirstName": formal}, variant(FirstName=nickname, **NO_SSN))
    assert found.evidence["first_name"] == "nickname"
    assert found.grade in ("certain", "probable")


def test_names_ignore_case_accents_punctuation_spacing_and_suffix():
    a = {**BASE, **NO_SSN, "FirstName": "José", "LastName": "O'Brien-García", "NameSuffix": "Jr."}
    b = variant(FirstName=" JOSE ", LastName="obrien garcia jr", **NO_SSN)
    found = one(a, b)
    assert (found.evidence["first_name"], found.evidence["last_name"], found.evidence["suffix"]) == \
        ("exact", "exact", "same")
    assert found.grade == "certain"


def test_first_and_last_name_transposed():
    found = one({**BASE, **NO_SSN}, variant(FirstName="Johnson", LastName="Robert", **NO_SSN))
    assert found.evidence["name_order"] == "swapped"
    assert found.grade in ("certain", "probable")


def test_typos_in_names_are_similar():
    found = one({**BASE, **NO_SSN}, variant(FirstName="Robret", LastName="Jonson", **NO_SSN))
    assert found.evidence["first_name"] == "similar"
    assert found.evidence["last_name"] in ("similar", "phonetic")
    assert found.grade in ("certain", "probable")


def test_married_name_with_first_dob_and_ssn_is_certain():
    a = {**BASE, "FirstName": "Maria", "LastName": "Lopez", "Sex": 0}
    for last in ("Reyes", "Lopez-Reyes"):
        found = one(a, variant(FirstName="Maria", LastName=last, Sex=0))
        assert found.grade == "certain"
        assert found.evidence["last_name"] in ("different", "part")


def test_jaro_winkler_and_nysiis():
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.9611, abs=1e-4)
    assert jaro_winkler("dixon", "dicksonx") == pytest.approx(0.8133, abs=1e-4)
    assert nysiis("johnson") == nysiis("jonson")
    assert nysiis("mcdonald") == nysiis("macdonald")


# --- DOB ---

def test_day_month_swap_is_at_least_possible():
    found = one({**BASE, **NO_SSN}, variant(DOB=date(1984, 11, 3), **NO_SSN))
    assert found.evidence["dob"] == "swap"
    assert found.grade in GRADES


@pytest.mark.parametrize("dob, level", [
    (date(1984, 3, 17), "typo"), (date(1985, 3, 11), "typo"), (date(1994, 3, 11), "typo"),
    (date(1948, 3, 11), "typo"), (date(1984, 1, 1), "different"),
])
def test_dob_keying_errors(dob, level):
    found = one({**BASE, **NO_SSN}, variant(DOB=dob, **NO_SSN), MatchConfig(possible=0.0))
    assert found.evidence["dob"] == level


@pytest.mark.parametrize("dob, quality", [
    (date(1900, 1, 1), 1), (date(1901, 1, 1), 1), (date(1984, 3, 11), 8), (date(1984, 3, 11), 9),
    (date(1984, 3, 11), 99),
])
def test_placeholder_and_unknown_dobs_are_unknown(dob, quality):
    a = {**BASE, **NO_SSN, "DOB": dob, "DOBDataQuality": quality}
    found = one(a, variant(DOB=dob, DOBDataQuality=quality, **NO_SSN), MatchConfig(possible=0.0))
    assert found.evidence["dob"] == "unknown"
    assert "two-of-three-exact" not in found.rules


# --- hard negatives and the deterministic tier ---

def test_name_and_dob_without_ssn_is_certain():
    assert one({**BASE, **NO_SSN}, variant(**NO_SSN)).rules == ("two-of-three-exact",)
    assert grade({**BASE, **NO_SSN}, variant(**NO_SSN)) == "certain"


def test_twins_are_not_certain():
    twin = variant(FirstName="Michael", MiddleName=None, **NO_SSN)
    assert grade({**BASE, **NO_SSN}, twin) in ("possible", None)
    assert "twins" in one({**BASE, **NO_SSN}, twin, MatchConfig(possible=0.0)).rules
    assert grade(BASE, variant(FirstName="Michael", SSN="212-45-6871")) != "certain"


@pytest.mark.parametrize("other", ["212-45-6782", "212-45-7681", "301-22-4567"])
def test_different_valid_ssns_veto_certain(other):
    found = one(BASE, variant(SSN=other))
    assert "ssn-conflict" in found.rules
    assert found.grade != "certain"


def test_father_and_son_are_not_certain():
    father = {**BASE, **NO_SSN, "NameSuffix": "Sr.", "DOB": date(1960, 5, 2)}
    assert grade(father, variant(NameSuffix="Jr.", **NO_SSN)) in ("possible", None)
    assert grade(father, variant(DOB=date(1960, 5, 2), NameSuffix="Jr", **NO_SSN)) != "certain"


def test_someone_else_using_the_ssn_is_not_probable():
    relative = variant(FirstName="Andre", MiddleName=None, DOB=date(2003, 8, 21))
    assert grade(BASE, relative) in ("possible", None)


def test_unrelated_people_do_not_match():
    other = {"PersonalID": "C", "FirstName": "Linda", "LastName": "Nguyen", "DOB": date(1951, 12, 30),
             "SSN": "530-17-2264", "Sex": 0, "Asian": 1}
    assert match(BASE, [other]) == []


def test_matches_are_ordered_best_first():
    candidates = [variant(PersonalID="weak", DOB=date(1984, 11, 3), **NO_SSN), variant(PersonalID="same")]
    assert [m.personal_id for m in match(BASE, candidates)] == ["same", "weak"]


# --- blocking ---

@pytest.mark.parametrize("duplicate", [
    variant(FirstName="Bob"),
    variant(FirstName="Bob", **NO_SSN),
    variant(LastName="Williams", **NO_SSN),
    variant(DOB=date(1984, 11, 3), **NO_SSN),
    variant(DOB=date(1948, 3, 11), **NO_SSN),
    variant(DOB=None, DOBDataQuality=99, **NO_SSN),
    variant(FirstName="Johnson", LastName="Robert", **NO_SSN),
    variant(FirstName="Robret", DOB=date(1985, 3, 11)),
    variant(LastName="Jonsen", SSN="xxxxx6781", SSNDataQuality=2),
    variant(FirstName="Bobby", LastName="Jones", DOB=date(1984, 3, 1)),
])
def test_typical_duplicates_share_a_blocking_key(duplicate):
    assert blocking_keys(BASE) & blocking_keys(duplicate)


def test_blocking_keys_are_few_and_skip_unusable_values():
    keys = blocking_keys(BASE)
    assert 4 <= len(keys) <= 10
    empty = blocking_keys({"NameDataQuality": 99, "SSN": "xxxxxxxxx", "DOB": date(1900, 1, 1)})
    assert empty == set()


# --- transparency ---

def test_evidence_and_rules_hold_no_values():
    found = one(BASE, variant(FirstName="Bob", DOB=date(1984, 11, 3), SSN="xxxxx6781", SSNDataQuality=2))
    shown = json.dumps({"evidence": found.evidence, "rules": found.rules}).lower()
    for value in ("robert", "bob", "james", "johnson", "6781", "212", "1984", "03-11", "11-03"):
        assert value not in shown
    assert set(found.evidence) == {"first_name", "last_name", "name_order", "middle_name", "suffix", "dob",
                                   "ssn", "sex", "race", "veteran"}
    assert 0.0 <= found.score <= 1.0


def test_describe_method_lists_fields_weights_and_thresholds():
    config = MatchConfig(probable=0.6, possible=0.1)
    method = json.loads(json.dumps(describe_method(config)))
    fields = {f["field"]: f for f in method["fields"]}
    assert {"ssn", "dob", "first_name", "last_name", "sex"} <= set(fields)
    assert "SSN" in fields["ssn"]["sources"]
    exact = next(level for level in fields["ssn"]["levels"] if level["level"] == "exact")
    assert exact["weight"] > 10 and {"m", "u", "meaning"} <= set(exact)
    assert method["thresholds"] == {"certain": config.certain, "probable": 0.6, "possible": 0.1}
    assert {rule["rule"] for rule in method["deterministic_rules"]} == {"two-of-three-exact"}
    assert {rule["rule"] for rule in method["caps"]} == {"twins"}
    assert {"ssn-conflict", "first-name-conflict"} <= {veto["veto"] for veto in method["vetoes"]}
    assert method["blocking_keys"]
