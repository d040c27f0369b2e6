"""Grading a pair of records: a deterministic tier, then Fellegi-Sunter weights.

Grades are FHIR $match's: `certain`, `probable`, `possible`. `certain` is what an intake
may act on without a person looking, so it also requires that none of the three identifying
fields conflicts: two valid SSNs that differ, first names that differ (twins share a DOB and
a surname), DOBs that differ beyond a typo, or Jr against Sr.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hmis_ld.dedup.compare import Evidence, compare
from hmis_ld.dedup.config import DEFAULT_CONFIG, MatchConfig
from hmis_ld.dedup.features import Features, prepare

GRADES = ("certain", "probable", "possible")
CONFLICTS = {  # veto name -> (field, levels that conflict)
    "ssn-conflict": ("ssn", frozenset({"different", "typo", "transposed"})),
    "first-name-conflict": ("first_name", frozenset({"different"})),
    "dob-conflict": ("dob", frozenset({"different"})),
    "suffix-conflict": ("suffix", frozenset({"different"})),
}
TWO_OF_THREE = "two-of-three-exact"
TWINS = "twins"  # same DOB and surname, different first names, no SSN agreement: at most possible
_SURNAME_AGREES = frozenset({"exact", "part", "similar", "phonetic"})


@dataclass(frozen=True)
class Match:
    personal_id: str | None
    grade: str
    score: float  # posterior probability of one person, 0..1, as FHIR's match-grade score
    weight: float  # total evidence in bits (log2 likelihood ratio)
    evidence: Mapping[str, str]  # field -> agreement level; never values
    rules: tuple[str, ...]  # deterministic rule and vetoes that applied


def match(incoming: Mapping[str, object] | Features,
          candidates: Iterable[Mapping[str, object] | Features],
          config: MatchConfig = DEFAULT_CONFIG) -> list[Match]:
    """Candidates that may be the incoming client's person, best first; non-matches are left out."""
    a = prepare(incoming)
    found = [m for m in (assess(a, prepare(c), config) for c in candidates) if m is not None]
    return sorted(found, key=lambda m: (GRADES.index(m.grade), -m.score))


def assess(a: Features, b: Features, config: MatchConfig = DEFAULT_CONFIG) -> Match | None:
    evidence = compare(a, b, config)
    weight = config.total_weight(evidence)
    score = 1 / (1 + 2 ** -(weight + config.prior_log2_odds))
    vetoes = tuple(name for name, (f, levels) in CONFLICTS.items() if evidence[f] in levels)
    rules = ((TWO_OF_THREE,) if config.two_of_three and _two_of_three(evidence) else ()) + vetoes
    rules += (TWINS,) if _twins(evidence) else ()
    grade = _grade(score, rules, config)
    return Match(b.personal_id, grade, score, weight, evidence, rules) if grade else None


def _two_of_three(evidence: Evidence) -> bool:
    name = evidence["first_name"] == evidence["last_name"] == "exact" and evidence["name_order"] == "direct"
    return name + (evidence["ssn"] == "exact") + (evidence["dob"] == "exact") >= 2


def _twins(evidence: Evidence) -> bool:
    """Twins share all but a first name; only their SSNs tell them apart, so without those a
    human must look."""
    return (evidence["dob"] == "exact" and evidence["last_name"] in _SURNAME_AGREES
            and evidence["first_name"] == "different" and evidence["ssn"] not in ("exact", "partial"))


def _grade(score: float, rules: tuple[str, ...], config: MatchConfig) -> str | None:
    vetoed = any(rule in CONFLICTS for rule in rules)
    if not vetoed and (TWO_OF_THREE in rules or score >= config.certain):
        return "certain"
    if score >= config.probable and TWINS not in rules:
        return "probable"
    if score >= config.possible:
        return "possible"
    return None
