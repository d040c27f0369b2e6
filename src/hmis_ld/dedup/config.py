"""Weights and thresholds of the matcher, in one dataclass so a CoC can tune and publish them.

Weights follow Fellegi-Sunter: for each field and agreement level, `m` is the chance of that
level between two records of the same person and `u` between two different people; the level
adds log2(m/u) bits of evidence. Levels not listed (`unknown`, a missing value on either side)
add nothing. The defaults were set from the error rates HMIS data is known for and checked
with bench/dedup (see its README).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Level:
    m: float  # P(level | same person)
    u: float  # P(level | different people)

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


def _levels(**levels: tuple[float, float]) -> dict[str, Level]:
    return {name: Level(m, u) for name, (m, u) in levels.items()}


def default_levels() -> dict[str, dict[str, Level]]:
    return {
        "ssn": _levels(exact=(0.9, 1e-5), typo=(0.02, 2e-5), transposed=(0.01, 1e-5),
                       partial=(0.08, 1e-4), different=(0.02, 0.99)),
        "dob": _levels(exact=(0.9, 5e-5), swap=(0.02, 5e-5), typo=(0.04, 2e-3),
                       approximate=(0.04, 0.004), different=(0.02, 0.95)),
        "first_name": _levels(exact=(0.85, 0.01), nickname=(0.05, 0.002), part=(0.01, 0.001),
                              middle=(0.01, 0.002), similar=(0.04, 0.004), phonetic=(0.01, 0.005),
                              initial=(0.005, 0.03), different=(0.02, 0.95)),
        "last_name": _levels(exact=(0.85, 0.005), part=(0.02, 0.0005), similar=(0.04, 0.002),
                             phonetic=(0.01, 0.003), different=(0.08, 0.99)),
        "name_order": _levels(swapped=(0.02, 0.04)),
        "middle_name": _levels(exact=(0.85, 0.02), initial=(0.1, 0.07), different=(0.05, 0.9)),
        "suffix": _levels(same=(0.9, 0.3), different=(0.02, 0.5)),
        "sex": _levels(same=(0.97, 0.5), different=(0.02, 0.5)),
        "race": _levels(same=(0.8, 0.35), overlap=(0.1, 0.1), different=(0.1, 0.55)),
        "veteran": _levels(same=(0.96, 0.85), different=(0.04, 0.15)),
    }


@dataclass(frozen=True)
class MatchConfig:
    levels: Mapping[str, Mapping[str, Level]] = field(default_factory=default_levels)
    prior_log2_odds: float = -16.0
    """log2 of the odds that two records picked at random are one person: about -log2(client
    records), so -16 suits an HMIS of ~65k records. The score is the posterior probability."""
    certain: float = 0.9999  # least score of each grade; certain also needs no veto (score.py)
    probable: float = 0.5
    possible: float = 0.05
    similar_names: float = 0.9
    """Jaro-Winkler similarity at or above which two names count as `similar` (a typo)."""
    two_of_three: bool = True
    """Deterministic tier: exact full SSN, full name and DOB on two of three, no conflict on the third."""

    @cached_property
    def weights(self) -> dict[str, dict[str, float]]:
        """field -> level -> weight in bits."""
        return {f: {name: spec.weight for name, spec in levels.items()} for f, levels in self.levels.items()}

    def total_weight(self, evidence: Mapping[str, str]) -> float:
        """Sum of the weights of the levels found; fields and levels not configured weigh 0."""
        weights = self.weights
        return sum(weights.get(f, {}).get(level, 0.0) for f, level in evidence.items())


DEFAULT_CONFIG = MatchConfig()
