"""SSNs as identifiers: which values identify someone, and how two values agree.

HMIS SSNs are often blank, `x`-padded (HUD allows partial SSNs: `xxxxx6789`), or filler that
staff type to get past a required field. A filler value shared by many clients must never
count as agreement, so anything the SSA never issues, or that is a well-known placeholder,
is treated as no SSN at all.
"""

from __future__ import annotations

import re
from typing import Literal

from hmis_ld.dedup.strings import keying_error

UNKNOWN_QUALITY = frozenset({8, 9, 99})  # 3.02.2: doesn't know, prefers not to answer, not collected
PARTIAL_QUALITY = 2
MIN_KNOWN_DIGITS = 4  # fewer known digits than the last four identify no one
PLACEHOLDERS = frozenset({
    "123456789", "987654321", "012345678", "234567890", "078051120", "219099999",
    "111223333", "123121234", "101010101", "121212121", "123454321",
})

SsnQuality = Literal["full", "partial", "none"]


def ssn_pattern(ssn: str | None, ssn_data_quality: int | None = None) -> str | None:
    """Nine characters, digits or `x` for unknown ones, when the value identifies someone; else None.

    A bare four-digit value is read as the last four. Full values with an approximate
    data quality (2) keep their digits but are treated as partial by `ssn_quality`.
    """
    if ssn is None or ssn_data_quality in UNKNOWN_QUALITY:
        return None
    value = re.sub(r"[\s\-.]", "", ssn).lower()
    if re.fullmatch(r"\d{4}", value):
        value = "xxxxx" + value
    if not re.fullmatch(r"[0-9x]{9}", value):
        return None
    known = sum(c != "x" for c in value)
    if known == 9:
        return value if _issuable(value) else None
    if known < MIN_KNOWN_DIGITS or not _segments_issuable(value):
        return None
    return value


def ssn_quality(ssn: str | None, ssn_data_quality: int | None = None) -> SsnQuality:
    """`full` for nine valid digits reported as full, `partial` for some identifying digits, else `none`."""
    return pattern_quality(ssn_pattern(ssn, ssn_data_quality), ssn_data_quality)


def pattern_quality(pattern: str | None, ssn_data_quality: int | None) -> SsnQuality:
    if pattern is None:
        return "none"
    return "full" if "x" not in pattern and ssn_data_quality != PARTIAL_QUALITY else "partial"


def _segments_issuable(value: str) -> bool:
    """Area 000, 666 and 900-999, group 00 and serial 0000 are never issued."""
    area, group, serial = value[:3], value[3:5], value[5:]
    if "x" not in area and (area in ("000", "666") or area[0] == "9"):
        return False
    return group != "00" and serial != "0000"


def _issuable(value: str) -> bool:
    return _segments_issuable(value) and len(set(value)) > 1 and value not in PLACEHOLDERS


def compare_ssn(a: str | None, b: str | None, a_full: bool, b_full: bool) -> str:
    """Agreement level of two patterns from `ssn_pattern`.

    `exact`, `typo` (one digit) and `transposed` (two adjacent digits) need two full SSNs;
    `partial` means every digit known on both sides agrees, over at least four digits.
    """
    if a is None or b is None:
        return "unknown"
    if a_full and b_full:
        if a == b:
            return "exact"
        return keying_error(a, b) or "different"
    shared = [(x, y) for x, y in zip(a, b) if x != "x" and y != "x"]
    if len(shared) < MIN_KNOWN_DIGITS:
        return "unknown"
    return "partial" if all(x == y for x, y in shared) else "different"
