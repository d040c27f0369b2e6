"""How many SPARQL queries each caller has running, capped (HMIS_LD_SPARQL_MAX_CONCURRENT).

A query holds a forked process and a core until it ends, so one caller cannot take them all.
The count is this server process's: with several workers (gunicorn) each keeps its own.
"""

from __future__ import annotations

import threading
from collections import Counter

from hmis_ld.service.problems import Problem

RETRY_AFTER = 2  # seconds: the time limit stops a running query well before many of these


class TooManyQueries(Problem):
    status = 429
    title = "Too many queries"

    def __init__(self, limit: int):
        super().__init__(f"you already have {limit} SPARQL {'query' if limit == 1 else 'queries'} running, the "
                         "most one caller may run at once (HMIS_LD_SPARQL_MAX_CONCURRENT): retry when one ends")


class QuerySlots:
    def __init__(self, per_caller: int):
        self.per_caller = per_caller
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    def take(self, caller: str) -> None:
        """Count a query of `caller`, or raise TooManyQueries; `give_back` when it ends."""
        with self._lock:
            if self._running[caller] >= self.per_caller:
                raise TooManyQueries(self.per_caller)
            self._running[caller] += 1

    def give_back(self, caller: str) -> None:
        with self._lock:
            self._running[caller] -= 1
            if self._running[caller] <= 0:
                del self._running[caller]
