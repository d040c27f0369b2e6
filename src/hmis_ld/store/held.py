"""Which process holds an embedded store folder.

RocksDB lets one process at a time open a folder: it takes a lock on the folder's `LOCK`
file, and a second process fails with an IO error. `StoreHeld` says so in one line, with
the process that holds it when it can be found cheaply (Linux: /proc/locks, else the open
files under /proc/*/fd); elsewhere, or without permission to look, it says "another process".
"""

from __future__ import annotations

import os
from pathlib import Path


class StoreHeld(OSError):
    """The store folder is open in another process (or already in this one)."""

    def __init__(self, folder: Path, pid: int | None = None, name: str | None = None):
        self.folder, self.pid, self.name = folder, pid, name
        if pid == os.getpid():
            super().__init__(f"the store {folder} is already open in this process: close it before opening it again")
            return
        who = f"process {pid}" + (f" ({name})" if name else "") if pid is not None else "another process"
        super().__init__(f"the store {folder} is held by {who}: an embedded store is opened by one process at a "
                         "time, so stop that process (a server, an import) first and try again")


def is_lock_error(error: OSError) -> bool:
    return "/LOCK:" in str(error)


def held(folder: Path) -> StoreHeld:
    """The StoreHeld error for a folder whose LOCK another opener holds."""
    folder = folder.resolve()
    pid = holder(folder / "LOCK")
    return StoreHeld(folder, pid, _name(pid) if pid is not None else None)


def holder(lock: Path) -> int | None:
    """The process holding `lock`, best effort: None when it cannot be found."""
    try:
        stat = lock.stat()
    except OSError:
        return None
    return _from_locks(stat) or _from_open_files(str(lock))


def _from_locks(stat: os.stat_result) -> int | None:
    """/proc/locks lines: `1: POSIX ADVISORY WRITE 1234 08:01:2146876 0 EOF`."""
    wanted = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        if wanted in parts:
            at = parts.index(wanted)
            if at > 0 and parts[at - 1].isdigit():
                return int(parts[at - 1])
    return None


def _from_open_files(lock: str) -> int | None:
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == lock:
                    return int(pid)
            except OSError:
                continue
    return None


def _name(pid: int) -> str | None:
    """The holder's program name (not its arguments, which may hold anything)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() or None
    except OSError:
        return None
