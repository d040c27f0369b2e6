"""Health checks for load balancers and orchestrators, without a token and without data.

`GET /healthz`: the process answers. `GET /readyz`: the store answers a query and its layout is
current (`model.upgrade.outdated`). Load balancers poll it every few seconds, so the layout
check, which runs several queries, is cached: it is made at start-up (create_app refuses an
outdated store) and again in the background when the cached answer is older than
READY_LAYOUT_SECONDS, never while a poll waits. A poll costs one single-quad lookup. Neither
answer holds a count or anything else read from the store.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, Response

from hmis_ld.api.problems import problem_response
from hmis_ld.api.render import json_response
from hmis_ld.model import iris
from hmis_ld.model.upgrade import outdated
from hmis_ld.store import Store

DEFAULT_LAYOUT_SECONDS = 300.0
_PROBE = "ASK { ?s ?p ?o }"


class Readiness:
    def __init__(self, store: Store, max_age: float, current: bool = True):
        self.store, self.max_age = store, max_age
        self._current, self._checked = current, time.monotonic()
        self._checking = threading.Lock()

    def _check_layout(self) -> None:
        try:
            self._current = not outdated(self.store)
        except Exception:  # noqa: BLE001  # a store that fails the check is not ready, whatever the error
            self._current = False
        finally:
            self._checked = time.monotonic()
            self._checking.release()

    def problem(self) -> str | None:
        """Why the server is not ready, or None when it is."""
        if time.monotonic() - self._checked > self.max_age and self._checking.acquire(blocking=False):
            threading.Thread(target=self._check_layout, name="readyz-layout", daemon=True).start()
        try:
            self.store.ask(_PROBE, graphs=[iris.ACCOUNTS])  # answers or raises; the answer is not used
        except Exception:  # noqa: BLE001  # any failure of the store means "not ready"
            return "the store does not answer"
        if not self._current:
            return "the store's layout is older than this version reads: run `hmis-ld upgrade`"
        return None


def register(app: Flask, store: Store) -> None:
    readiness = Readiness(store, float(app.config.get("READY_LAYOUT_SECONDS", DEFAULT_LAYOUT_SECONDS)))

    @app.get("/healthz")
    def healthz() -> Response:
        return json_response({"status": "up"}, headers={"Cache-Control": "no-store"})

    @app.get("/readyz")
    def readyz() -> Response:
        reason = readiness.problem()
        if reason is not None:
            response = problem_response(503, "Service Unavailable", reason)
            response.headers["Cache-Control"] = "no-store"
            return response
        return json_response({"status": "ready"}, headers={"Cache-Control": "no-store"})
