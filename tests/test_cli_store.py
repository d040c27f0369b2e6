"""The `hmis-ld` command as a user runs it, in real processes: each documented way of naming
the store (`--store`, `$HMIS_LD_STORE`, ./hmis-ld-store), and a second process meeting a
store another one holds."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HMIS_LD = [sys.executable, "-m", "hmis_ld.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMIS_LD_")}
    return {**env, **extra}


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HMIS_LD, *args], check=False, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serving(args: list[str], cwd: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """`hmis-ld serve ARGS` on a free port, once it answers; stopped afterwards."""
    port = _free_port()
    server = subprocess.Popen([*HMIS_LD, "serve", "--port", str(port), *args], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise AssertionError(f"serve exited with {server.returncode}: {server.stderr.read()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        try:
            server.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # the worker too, or it keeps the pipes open
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()


def _add_account(store_args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """A new account `alice` in the store so named; its secret."""
    added = _run(["users", "add", "alice", *store_args], cwd, env)
    assert added.returncode == 0, added.stderr
    return added.stdout.strip().splitlines()[-1]


def _signs_in(base: str, secret: str) -> bool:
    """Whether the server knows alice's secret, i.e. serves the store she was added to."""
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "alice",
                                   "client_secret": secret}).encode()
    try:
        with urllib.request.urlopen(f"{base}/api/v1/oauth/token", data=form, timeout=10) as response:
            return "access_token" in json.load(response)
    except urllib.error.HTTPError as error:
        error.close()
        return False


@pytest.mark.parametrize("naming", ["flag", "environment", "default", "flag over environment"])
def test_serve_and_the_tools_open_the_store_however_it_is_named(tmp_path: Path, naming: str) -> None:
    folder, elsewhere = tmp_path / "named-store", tmp_path / "env-store"
    env, store_args = _env(), []
    if naming == "flag":
        store_args = ["--store", str(folder)]
    elif naming == "environment":
        env = _env(HMIS_LD_STORE=str(folder))
    elif naming == "default":
        folder = tmp_path / "hmis-ld-store"
    else:
        store_args, env = ["--store", str(folder)], _env(HMIS_LD_STORE=str(elsewhere))
    secret = _add_account(store_args, tmp_path, env)
    assert folder.is_dir()
    token = _run(["token", "alice", *store_args], tmp_path, env)
    assert token.returncode == 0 and token.stdout.strip().count(".") == 2, token.stderr
    # --demo on a store that has accounts and data adds nothing, and starts at once
    with _serving([*store_args, "--demo"] if naming == "environment" else store_args, tmp_path, env) as (base, _):
        assert _signs_in(base, secret)
    assert not elsewhere.exists()


def test_a_second_process_is_told_which_process_holds_the_store(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    env = _env()
    _add_account(["--store", str(folder)], tmp_path, env)
    with _serving(["--store", str(folder)], tmp_path, env) as (_, server):
        for args in (["users", "list"], ["import-csv", str(tmp_path)], ["serve", "--port", str(_free_port())]):
            second = _run([*args, "--store", str(folder)], tmp_path, env)
            assert second.returncode == 2, args
            lines = second.stderr.strip().splitlines()
            assert len(lines) == 1, second.stderr
            assert str(folder.resolve()) in lines[0]
            assert "stop that process" in lines[0]
            children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
            if children.is_file():  # gunicorn's worker, a child of the server, holds the store
                assert any(f"process {pid}" in lines[0] for pid in children.read_text().split())
