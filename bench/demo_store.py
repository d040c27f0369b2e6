"""The demo stores the scale benches share: DATA/demo-store-N, built once with `hmis-ld demo`
(seed 2026), and throwaway RocksDB checkpoints of them that a run may write to."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

SEED = 2026
BIN = Path(sys.executable).parent
DATA = Path(__file__).resolve().parent / ".data"


def pristine(data: Path, n: int) -> Path:
    """DATA/demo-store-N, built with `hmis-ld demo --clients N` when missing (a build that
    failed half-way leaves nothing behind)."""
    folder = data / f"demo-store-{n}"
    if not folder.exists():
        print(f"building {folder} (hmis-ld demo --clients {n}) ...", flush=True)
        started = time.perf_counter()
        partial = folder.with_name(folder.name + ".building")
        shutil.rmtree(partial, ignore_errors=True)
        subprocess.run([str(BIN / "hmis-ld"), "demo", "--clients", str(n), "--seed", str(SEED), "--store",
                        str(partial)], check=True, stdout=subprocess.DEVNULL)
        partial.rename(folder)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def checkpoint(source: Path, target: Path) -> Path:
    """A RocksDB checkpoint of `source` (hard links, so cheap): what a run writes never reaches it."""
    import pyoxigraph as ox

    shutil.rmtree(target, ignore_errors=True)
    store = ox.Store(str(source))
    store.backup(str(target))
    del store
    return target


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
