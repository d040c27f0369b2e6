"""Date and money arithmetic the generators share."""

from __future__ import annotations

import random
from datetime import date, timedelta


def days_after(day: date, n: int) -> date:
    return day + timedelta(days=n)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def money(rng: random.Random, lo: int, hi: int) -> int:
    """Monthly amount in cents; whole dollars, as people report their income."""
    return rng.randint(lo, hi) * 100


def dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
