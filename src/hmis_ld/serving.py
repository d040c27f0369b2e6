"""`hmis-ld serve`: the app under gunicorn, worker processes with threads.

The embedded store admits one process, so there is one worker; threads serve requests at
once within it (Oxigraph lets go of the GIL while it evaluates a query). A remote store
(`--store-url`) is shared, so there several workers use several cores. Each worker builds
the app, and so opens the store, once, after the command has loaded any demo data: a RocksDB
handle does not survive a fork, so the master process never keeps one open. On SIGTERM
gunicorn stops accepting, lets in-flight requests (and their writes) finish for up to
`graceful_timeout` seconds, and the worker then closes the store, which flushes it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from hmis_ld.store.held import StoreHeld

if TYPE_CHECKING:  # the command line imports Settings without loading the app's modules
    from flask import Flask
    from gunicorn.workers.base import Worker

# gunicorn reads the request line and each header line itself, before the app sees them. A
# header line may be longer than the app's limit on one value (api.limits.MAX_HEADER_FIELD),
# so that the app answers such a value with its own 431 in problem details; gunicorn refuses
# lines longer than twice that. 8190 is the longest request line gunicorn reads.
MAX_REQUEST_LINE = 8190
MAX_HEADER_FIELDS = 100


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 8
    timeout: int = 30  # seconds without a heartbeat from the worker's loop before it is restarted
    graceful_timeout: int = 30  # seconds in-flight requests get after SIGTERM
    keep_alive: int = 5  # seconds an idle connection stays open; above the proxy's own idle timeout
    workers: int = 1  # processes; more than one only over a remote store (the embedded one is locked by one)


class Server(BaseApplication):
    """gunicorn run from Python: `make_app` builds the Flask app in the worker."""

    def __init__(self, make_app: Callable[[], Flask], settings: Settings):
        self.make_app, self.settings = make_app, settings
        self.flask: Flask | None = None
        super().__init__()

    def load_config(self) -> None:
        from hmis_ld.api.limits import MAX_HEADER_FIELD

        s = self.settings
        for name, value in {
            "bind": [f"[{s.host}]:{s.port}" if ":" in s.host else f"{s.host}:{s.port}"],
            "workers": s.workers, "worker_class": "gthread", "threads": s.threads,
            "timeout": s.timeout, "graceful_timeout": s.graceful_timeout, "keepalive": s.keep_alive,
            "limit_request_line": MAX_REQUEST_LINE, "limit_request_field_size": 2 * MAX_HEADER_FIELD,
            "limit_request_fields": MAX_HEADER_FIELDS,
            "accesslog": None,  # api.requestlog writes one line per request, without paths or queries
            "errorlog": "-", "preload_app": False, "worker_exit": _close_store,
        }.items():
            self.cfg.set(name, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn 24+: one socket per user, shared by servers
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Flask:
        try:
            self.flask = self.make_app()
        except StoreHeld as exc:  # taken between the command's check and the worker's start
            print(f"error: {exc}", file=sys.stderr, flush=True)
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
        return self.flask


def _close_store(server: Arbiter, worker: Worker) -> None:
    """In the worker, after its last request: flush and close the store, then end the process.
    Its work is done and on disk; the interpreter's own teardown would run RocksDB's
    destructors beside threads still alive, which crashed the worker (SIGSEGV) about one stop
    in two and could leave it hanging."""
    from hmis_ld.api.context import EXTENSION

    app = getattr(server.app, "flask", None)
    if app is not None:
        app.extensions[EXTENSION].store.close()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def serve(make_app: Callable[[], Flask], settings: Settings) -> int:
    """Runs until SIGTERM or SIGINT; gunicorn exits the process (0 after a graceful stop)."""
    Server(make_app, settings).run()
    return 0
