"""Which store the tests run on: the embedded one, or with HMIS_LD_TEST_BACKEND=remote a
real `oxigraph serve` per store (in memory, on a free loopback port; one starts in about
10 ms, so every store a test makes is empty and its own, and tests that compare two stores
still can). Servers are stopped when the test process exits."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import time
import weakref
from pathlib import Path

import requests

from hmis_ld.store import EmbeddedStore, Store
from hmis_ld.store.remote import RemoteStore

BACKEND = os.environ.get("HMIS_LD_TEST_BACKEND", "embedded")
REMOTE = BACKEND == "remote"
QUERY_TIMEOUT_S = 60  # the engine bounds a query's time itself

_servers: list[subprocess.Popen] = []


def oxigraph() -> str:
    """The `oxigraph` server of the virtualenv running the tests (PyPI package `oxigraph`)."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the remote backend needs the `oxigraph` server: pip install -e '.[test]'")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(location: Path | None = None) -> str:
    """A fresh `oxigraph serve` (in memory unless `location`); its base URL once it answers."""
    port = free_port()
    command = [oxigraph(), "serve", "--bind", f"127.0.0.1:{port}", "--timeout-s", str(QUERY_TIMEOUT_S)]
    if location is not None:
        command += ["--location", str(location)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _servers.append(process)  # the last one is the caller's until it takes it
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            requests.post(url + "/query", data={"query": "ASK {}"}, timeout=1)
            return url
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"oxigraph serve did not start on port {port}") from None
            time.sleep(0.005)


def new_store() -> Store:
    """An empty store of the backend under test; a remote store's server stops with it."""
    if not REMOTE:
        return EmbeddedStore()
    store = RemoteStore(start_server())
    weakref.finalize(store, _servers.pop().terminate)
    return store


@atexit.register
def _stop() -> None:
    for process in _servers:
        process.terminate()
    for process in _servers:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
