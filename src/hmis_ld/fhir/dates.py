"""FHIR date search values (`ge2020-01-01`): a prefix and a day, tested against a day or a period."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PREFIXES = ("eq", "ge", "le", "gt", "lt")
_VALUE = re.compile(r"(eq|ge|le|gt|lt)?(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?")


@dataclass(frozen=True)
class DateTest:
    prefix: str
    day: dt.date

    @classmethod
    def parse(cls, text: str) -> DateTest:
        """ValueError for anything but a prefix (optional) and a date, or a date-time whose day is taken."""
        match = _VALUE.fullmatch(text)
        if match is None:
            raise ValueError(f"expected [{'|'.join(PREFIXES)}]YYYY-MM-DD")
        return cls(match.group(1) or "eq", dt.date.fromisoformat(match.group(2)))

    def on(self, day: dt.date) -> bool:
        return {"eq": day == self.day, "ge": day >= self.day, "le": day <= self.day,
                "gt": day > self.day, "lt": day < self.day}[self.prefix]

    def overlaps(self, start: dt.date, end: dt.date | None) -> bool:
        """A period (end None while open) against the day, as FHIR compares ranges."""
        last = end or dt.date.max
        return {"eq": start <= self.day <= last, "ge": last >= self.day, "le": start <= self.day,
                "gt": last > self.day, "lt": start < self.day}[self.prefix]
