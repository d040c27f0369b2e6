"""The matching method in force, as data: what HUD asks vendors to publish to their communities."""

from __future__ import annotations

from hmis_ld.dedup.blocking import KEYS
from hmis_ld.dedup.config import DEFAULT_CONFIG, MatchConfig
from hmis_ld.dedup.dob import APPROXIMATE_YEARS, EARLIEST
from hmis_ld.dedup.nicknames import PAIRS
from hmis_ld.dedup.score import CONFLICTS, TWINS, TWO_OF_THREE
from hmis_ld.dedup.ssn import MIN_KNOWN_DIGITS, PLACEHOLDERS

SOURCES = {
    "ssn": ["SSN", "SSNDataQuality"],
    "dob": ["DOB", "DOBDataQuality"],
    "first_name": ["FirstName", "MiddleName", "NameDataQuality"],
    "last_name": ["LastName", "NameDataQuality"],
    "name_order": ["FirstName", "LastName"],
    "middle_name": ["MiddleName"],
    "suffix": ["NameSuffix", "LastName"],
    "sex": ["Sex"],
    "race": ["AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinao", "MidEastNAfrican",
             "NativeHIPacific", "White"],
    "veteran": ["VeteranStatus"],
}
LEVELS = {
    "exact": "equal after normalization",
    "typo": "one digit differs (DOB: also two adjacent digits swapped, or the year off by one)",
    "transposed": "two adjacent digits swapped",
    "partial": "every digit known on both sides agrees, at least four of them",
    "swap": "day and month swapped",
    "approximate": "an approximate DOB (quality 2) within the years allowed",
    "nickname": "nickname or translation of the same given name",
    "part": "one is a word of the other (hyphenated or double names) or they share one",
    "middle": "one's first name is the other's middle name",
    "similar": "Jaro-Winkler similarity at or above the threshold",
    "phonetic": "same NYSIIS code",
    "initial": "one is an initial of the other",
    "swapped": "first and last name match the other way round",
    "same": "equal",
    "overlap": "some race answers in common",
    "different": "both known and none of the above",
}


def describe_method(config: MatchConfig = DEFAULT_CONFIG) -> dict[str, object]:
    """JSON-able description of fields, rules, weights, thresholds and blocking keys."""
    return {
        "normalization": {
            "names": "case, accents, punctuation and spaces ignored; Jr/Sr/II/III/IV kept apart as suffix",
            "nickname_pairs": PAIRS,
            "ssn": "dashes and spaces ignored; x for unknown digits; a bare four digits are the last four",
            "ssn_non_identifying": [
                "SSNDataQuality 8, 9 or 99", "blank or all x",
                f"fewer than {MIN_KNOWN_DIGITS} known digits",
                "area 000, 666 or 900-999, group 00 or serial 0000", "all digits the same",
                f"{len(PLACEHOLDERS)} well-known placeholders and sequences (e.g. 123456789)",
            ],
            "dob_unknown": ["DOBDataQuality 8, 9 or 99", f"dates before {EARLIEST.isoformat()}"],
            "dob_approximate": f"DOBDataQuality 2: only the year is compared, within {APPROXIMATE_YEARS} "
                               "years",
            "names_partial": "NameDataQuality 2 (partial, street or code name): agreement counts, "
                             "disagreement does not",
        },
        "fields": [
            {
                "field": name,
                "sources": SOURCES[name],
                "levels": [
                    {"level": level, "meaning": LEVELS[level], "m": spec.m, "u": spec.u,
                     "weight": round(spec.weight, 3)}
                    for level, spec in levels.items()
                ],
            }
            for name, levels in config.levels.items()
        ],
        "unknown": "a level not listed (a value missing or non-identifying on either side) weighs 0",
        "score": "posterior probability of one person: 1 / (1 + 2^-(sum of weights + prior_log2_odds))",
        "prior_log2_odds": config.prior_log2_odds,
        "similar_names_jaro_winkler": config.similar_names,
        "deterministic_rules": [
            {"rule": TWO_OF_THREE, "enabled": config.two_of_three,
             "when": "exact on two or more of: full valid SSN, full name (first and last), DOB",
             "grade": "certain"},
        ],
        "caps": [
            {"rule": TWINS, "when": "DOB exact, last names agree, first names differ, and SSNs neither exact "
                                    "nor partially agreeing", "grade": "possible at most"},
        ],
        "vetoes": [
            {"veto": name, "field": field, "levels": sorted(levels), "effect": "never certain"}
            for name, (field, levels) in CONFLICTS.items()
        ],
        "grades": {
            "certain": f"no veto, and the deterministic rule or score >= {config.certain}",
            "probable": f"score >= {config.probable}, and no cap",
            "possible": f"score >= {config.possible}",
        },
        "thresholds": {"certain": config.certain, "probable": config.probable, "possible": config.possible},
        "blocking_keys": [{"key": key, "meaning": meaning} for key, meaning in KEYS.items()],
    }
