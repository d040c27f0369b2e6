"""`hmis-ld backup`, `restore` and `dump`: the command-line side of hmis_ld.store.backup.

A running server holds its embedded store folder, so an online backup of it is asked of the
server (`--server URL`, an administrator's token in $HMIS_LD_TOKEN) and unpacked here; a
store folder no process holds, or a SPARQL engine (--store-url), is backed up directly.
"""

from __future__ import annotations

import argparse
import os
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
import urllib3

from hmis_ld.store import STORE_URL_ENV, Store, open_store, store_path
from hmis_ld.store.backup import (
    BackupError,
    backup,
    dump,
    is_store_folder,
    restore_folder,
    restore_store,
    untar,
)
from hmis_ld.store.held import StoreHeld

TOKEN_ENV = "HMIS_LD_TOKEN"
ENDPOINT = "/api/v1/admin/backup"


def add_commands(sub: argparse._SubParsersAction, store_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """The three commands' parsers; COMMANDS runs them."""
    take = sub.add_parser("backup", help="a consistent copy of the store in a new folder, also while it serves")
    take.add_argument("dir", help="a new (or empty) folder")
    take.add_argument("--server", metavar="URL",
                      help=f"ask the server holding the store for an online backup (an admin token in ${TOKEN_ENV})")
    store_arg(take)

    back = sub.add_parser("restore", help="a backup folder or an N-Quads dump into a new or empty store")
    back.add_argument("source", help="a backup folder, or a dump (.nq, .nq.gz)")
    back.add_argument("--force", action="store_true", help="replace the data of a store that is not empty")
    store_arg(back)

    out = sub.add_parser("dump", help="every graph as one N-Quads file (.nq, or .nq.gz), for another engine")
    out.add_argument("file")
    store_arg(out)


def _backup(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.server:
        source = args.server
        _fetch(args.server, Path(args.dir))
    else:
        source = os.environ.get(STORE_URL_ENV) or str(store_path(args.store))
        try:
            store = _existing(args.store)
        except StoreHeld as exc:
            raise BackupError(f"{exc}; or, to back it up while it serves, ask the server: hmis-ld backup "
                              f"{args.dir} --server URL, with an admin's token in ${TOKEN_ENV}") from None
        try:
            backup(store, args.dir)
        finally:
            store.close()
    files = [p for p in Path(args.dir).iterdir() if p.is_file()]
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    print(f"backed up {source} into {args.dir}: {len(files)} files, {megabytes:.1f} MB in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


def _fetch(server: str, target: Path) -> None:
    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise BackupError(f"an online backup needs an admin's bearer token in ${TOKEN_ENV}")
    try:
        response = requests.post(server.rstrip("/") + ENDPOINT, headers={"Authorization": f"Bearer {token}"},
                                 stream=True, timeout=(30, None))
    except requests.RequestException as exc:
        raise BackupError(f"the server {server} could not be reached: {exc.__class__.__name__}") from None
    with response:
        if response.status_code != 200:
            raise BackupError(f"the server answered {response.status_code}: {_detail(response)}")
        try:
            untar(response.raw, target)
        except (requests.RequestException, urllib3.exceptions.HTTPError, tarfile.TarError) as exc:
            raise BackupError(f"the backup's transfer broke off ({exc.__class__.__name__}): try again") from None


def _detail(response: requests.Response) -> str:
    try:
        return str(response.json().get("detail") or response.reason)
    except ValueError:
        return response.reason


def _restore(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    url = os.environ.get(STORE_URL_ENV)
    if url:
        store = open_store(None, url)
        try:
            restore_store(args.source, store, force=args.force)
        finally:
            store.close()
    else:
        restore_folder(args.source, store_path(args.store), force=args.force)
    print(f"restored {args.source} into {url or store_path(args.store)} in {time.perf_counter() - started:.1f} s")
    return 0


def _dump(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    store = _existing(args.store)
    try:
        dump(store, args.file)
    finally:
        store.close()
    print(f"dumped every graph into {args.file}: {Path(args.file).stat().st_size / 1e6:.1f} MB in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


def _existing(path: str | None) -> Store:
    """The store to copy: a SPARQL engine, or a folder that holds a store (never a new one)."""
    folder = store_path(path)
    if not os.environ.get(STORE_URL_ENV) and not is_store_folder(folder):
        raise BackupError(f"no store in {folder}: name it with --store or --store-url")
    return open_store(folder)


# The handlers of the commands add_commands declares, by command name (cli.main runs them).
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"backup": _backup, "restore": _restore, "dump": _dump}
