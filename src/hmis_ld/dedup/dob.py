"""Dates of birth: which ones to believe, and the typing errors that keep two dates one person's.

Placeholder dates (1900-01-01 and the like) are shared by many unrelated clients, so they
count as unknown, as do DOBDataQuality 8, 9 and 99. An approximate DOB (quality 2) is
usually January 1st of an estimated year: only its year is compared, loosely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hmis_ld.dedup.strings import keying_error

UNKNOWN_QUALITY = frozenset({8, 9, 99})  # 3.03.2
APPROXIMATE_QUALITY = 2
EARLIEST = date(1901, 1, 2)  # anything earlier, 1901-01-01 included, is filler
APPROXIMATE_YEARS = 2  # how far an estimated year may be from the real one


@dataclass(frozen=True, slots=True)
class Dob:
    value: date
    approximate: bool
    digits: str  # YYYYMMDD, where keying errors are looked for


def usable_dob(dob: date | None, dob_data_quality: int | None = None) -> Dob | None:
    if isinstance(dob, datetime):
        dob = dob.date()
    if dob is None or dob_data_quality in UNKNOWN_QUALITY or dob < EARLIEST:
        return None
    return Dob(dob, dob_data_quality == APPROXIMATE_QUALITY, dob.strftime("%Y%m%d"))


def compare_dob(a: Dob | None, b: Dob | None) -> str:
    """`exact`, `swap` (day and month), `typo` (one digit, two adjacent digits, or year off by one),
    `approximate` (an estimated DOB within two years), `different` or `unknown`."""
    if a is None or b is None:
        return "unknown"
    x, y = a.value, b.value
    if a.approximate or b.approximate:
        return "approximate" if abs(x.year - y.year) <= APPROXIMATE_YEARS else "different"
    if x == y:
        return "exact"
    if x.month == y.day and x.day == y.month and x.year == y.year:
        return "swap"
    if keying_error(a.digits, b.digits):
        return "typo"
    if (x.month, x.day) == (y.month, y.day) and abs(x.year - y.year) == 1:
        return "typo"
    return "different"

