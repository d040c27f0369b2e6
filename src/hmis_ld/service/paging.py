"""Pages without totals (HUD's privacy rule) and without sorting big results: the order
is the store's own, stable while the data does not change; pages are offsets into it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int = 0

    def clause(self) -> str:
        """One extra row tells whether a next page exists."""
        return f"\nLIMIT {int(self.limit) + 1} OFFSET {int(self.offset)}"


@dataclass
class PageOf:
    items: list
    next_offset: int | None


def paged(rows: list, page: Page) -> PageOf:
    more = len(rows) > page.limit
    return PageOf(rows[:page.limit], page.offset + page.limit if more else None)
