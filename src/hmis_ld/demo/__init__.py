"""Synthetic HMIS CSV FY2026 exports for demos, tests and benchmarks.

`write_demo_csv` writes the 24 files of an export that the importer accepts: columns, code
lists and lengths come from `MODEL`, and the conditional rules of HUD's CSV specification that
the model does not carry are kept in `weights`. The data looks like a small CoC's: a few
organizations and projects of every type, households with children, repeated episodes,
duplicate client records for dedup.

Generation is deterministic (one `random.Random(seed)`, fixed reference dates) and streams: every
file keeps an open csv writer and rows are written household by household.
"""

from __future__ import annotations

import random
from contextlib import ExitStack
from pathlib import Path

from hmis_ld.demo.directory import Directory
from hmis_ld.demo.households import Households
from hmis_ld.demo.output import CsvFile, Output
from hmis_ld.model import MODEL

__all__ = ["write_demo_csv"]


def write_demo_csv(outdir: str | Path, n_clients: int, *, seed: int = 2026) -> dict[str, int]:
    """Write the 24 HMIS CSV FY2026 files into outdir; returns rows written per file name (e.g. "Client").

    Same `n_clients` and `seed` give byte-identical files, so demos, tests and benchmarks can rely on
    the data; rows are streamed, so memory stays flat for 100k clients.
    """
    directory = Path(outdir)
    directory.mkdir(parents=True, exist_ok=True)
    export_id = f"DEMO-{seed}"[:32]
    rng = random.Random(seed)
    with ExitStack() as stack:
        files = {name: CsvFile(table, directory, export_id, stack) for name, table in MODEL.tables.items()}
        out = Output(files, rng, export_id)
        Households(out).write(n_clients, Directory(out).write(n_clients))
    return {name: file.rows for name, file in files.items()}
