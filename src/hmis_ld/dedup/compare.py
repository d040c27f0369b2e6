"""Field-by-field agreement levels of two records: the evidence a match is graded on.

Levels are words (`exact`, `nickname`, `swap`, `different`, `unknown`, ...), never values, so
the evidence can be shown to users and logged.
"""

from __future__ import annotations

from functools import lru_cache

from hmis_ld.dedup.config import MatchConfig
from hmis_ld.dedup.dob import compare_dob
from hmis_ld.dedup.features import Features
from hmis_ld.dedup.names import Name
from hmis_ld.dedup.nicknames import same_given_name
from hmis_ld.dedup.ssn import compare_ssn
from hmis_ld.dedup.strings import jaro_winkler, nysiis, one_edit_apart

Evidence = dict[str, str]
MIN_EDIT_LENGTH = 4  # shorter names one letter apart are usually different names (Jon, Jan)


def compare(a: Features, b: Features, config: MatchConfig) -> Evidence:
    evidence = _names(a, b, config)
    evidence["middle_name"] = _middle(a.middle, b.middle)
    evidence["suffix"] = _same(a.suffix, b.suffix)
    evidence["dob"] = compare_dob(a.dob, b.dob)
    evidence["ssn"] = compare_ssn(a.ssn, b.ssn, a.ssn_full, b.ssn_full)
    evidence["sex"] = _same(a.sex, b.sex)
    evidence["race"] = _races(a.races, b.races)
    evidence["veteran"] = _same(a.veteran, b.veteran)
    return evidence


def _names(a: Features, b: Features, config: MatchConfig) -> Evidence:
    """First and last name levels, read across when first and last were entered the other way round."""
    threshold = config.similar_names
    direct = {
        "first_name": _first(a, b, threshold),
        "last_name": _name(a.last, b.last, threshold),
        "name_order": "direct",
    }
    if a.name_partial or b.name_partial:
        return {k: "unknown" if v == "different" else v for k, v in direct.items()}
    if "different" not in direct.values():
        return direct
    swapped = {
        "first_name": _name(a.first, b.last, threshold),
        "last_name": _name(a.last, b.first, threshold),
        "name_order": "swapped",
    }
    if "different" in swapped.values() or "unknown" in swapped.values():
        return direct
    return swapped if config.total_weight(swapped) > config.total_weight(direct) else direct


def _first(a: Features, b: Features, threshold: float) -> str:
    level = _name(a.first, b.first, threshold)
    if a.first is None or b.first is None or level in ("exact", "part"):
        return level
    if same_given_name(a.first.key, b.first.key):
        return "nickname"
    if _is(a.first, b.middle) or _is(b.first, a.middle):
        return "middle"
    return level


@lru_cache(maxsize=1 << 16)
def _name(a: Name | None, b: Name | None, threshold: float) -> str:
    if a is None or b is None:
        return "unknown"
    if a.key == b.key:
        return "exact"
    if _part(a, b):
        return "part"
    if len(a.key) == 1 or len(b.key) == 1:
        return "initial" if a.key[0] == b.key[0] else "different"
    if jaro_winkler(a.key, b.key) >= threshold or (min(len(a.key), len(b.key)) >= MIN_EDIT_LENGTH
                                                    and one_edit_apart(a.key, b.key)):
        return "similar"
    if nysiis(a.key) == nysiis(b.key):
        return "phonetic"
    return "different"


def _part(a: Name, b: Name) -> bool:
    """One name is a word of the other (Garcia, Garcia-Lopez), or they share one."""
    return a.key in b.parts or b.key in a.parts or bool(a.parts & b.parts)


def _is(a: Name | None, b: Name | None) -> bool:
    return a is not None and b is not None and a.key == b.key


def _middle(a: Name | None, b: Name | None) -> str:
    if a is None or b is None:
        return "unknown"
    if a.key == b.key:
        return "exact"
    if (len(a.key) == 1 or len(b.key) == 1) and a.key[0] == b.key[0]:
        return "initial"
    return "different"


def _same(a: object, b: object) -> str:
    if a is None or b is None:
        return "unknown"
    return "same" if a == b else "different"


def _races(a: frozenset[str] | None, b: frozenset[str] | None) -> str:
    if a is None or b is None:
        return "unknown"
    if a == b:
        return "same"
    return "overlap" if a & b else "different"
