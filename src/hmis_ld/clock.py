"""The server's one clock: UTC, to the second, without a zone.

HMIS dateTimes carry no zone. Every time the server writes itself (DateCreated, DateUpdated and
DateDeleted of API writes, the audit trail, identity events, dedup reviews) is UTC, so they sort
and compare alike whatever the host's zone; imported records keep the times their source wrote.
"""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """This second in UTC, naive like every HMIS dateTime."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)


def today() -> dt.date:
    """The UTC day: the day `now()` falls on, so a write and the day it is filed under agree."""
    return now().date()
