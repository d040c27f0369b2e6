"""Weighted choices, each drawn with one `rng.random()` call, so a seed gives the same data
and 100k clients generate quickly; codes are checked against HUD's lists when the module loads."""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Mapping
from itertools import accumulate
from typing import Generic, TypeVar

from hmis_ld.model import MODEL

T = TypeVar("T")


class Weighted(Generic[T]):
    """A weighted choice drawn with one `rng.random()` call (faster than `rng.choices`)."""

    __slots__ = ("_cum", "_total", "values")

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.values = tuple(weights)
        self._cum = list(accumulate(weights.values()))
        self._total = self._cum[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect(self._cum, rng.random() * self._total)]


def coded(list_id: str, weights: Mapping[int, float]) -> Weighted[int]:
    """Weighted codes of one HUD list; fails at import if the model does not have one of them."""
    codes = MODEL.code_lists[list_id].codes
    missing = [code for code in weights if str(code) not in codes]
    if missing:
        raise ValueError(f"codes {missing} are not in HUD list {list_id}")
    return Weighted(weights)


def uniform(list_id: str) -> Weighted[int]:
    return coded(list_id, dict.fromkeys((int(code) for code in MODEL.code_lists[list_id].codes), 1))
