"""Client deduplication: a matching engine that needs no store.

Records are dicts with HUD Client field names and typed values; missing keys are unknown.
`blocking_keys` gives the exact-match keys a store indexes to find candidates; `match` grades
candidates `certain`, `probable` or `possible` (FHIR $match) with evidence that names agreement
levels, never values; `describe_method` publishes the method in force.
"""

from hmis_ld.dedup.blocking import blocking_keys
from hmis_ld.dedup.config import DEFAULT_CONFIG, Level, MatchConfig
from hmis_ld.dedup.features import Features, prepare
from hmis_ld.dedup.method import describe_method
from hmis_ld.dedup.score import GRADES, Match, assess, match
from hmis_ld.dedup.ssn import ssn_quality

__all__ = [
    "DEFAULT_CONFIG", "GRADES", "Features", "Level", "Match", "MatchConfig", "assess", "blocking_keys",
    "describe_method", "match", "prepare", "ssn_quality",
]
