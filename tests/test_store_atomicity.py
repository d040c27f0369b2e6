"""A record write is one transaction: killing the process mid-write never leaves half a record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from hmis_ld.csv.exporter import read_table
from hmis_ld.model import MODEL
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore

WRITER = textwrap.dedent(
    """
    import sys
    from hmis_ld.model import MODEL, iris
    from hmis_ld.model.identity import client_id_key
    from hmis_ld.model.ownership import replace_records
    from hmis_ld.model.records import Placement, record_quads
    from hmis_ld.store import EmbeddedStore

    store = EmbeddedStore(sys.argv[1])
    table = MODEL.tables["Client"]
    placement = Placement("local", iris.project_graph("local", "P1"), client_id_key(store))
    subjects = [placement.subject(table, f"C{i}") for i in range(300)]
    version = 0
    while True:
        version += 1
        tag = f"v{version}"
        quads = [q for i in range(300) for q in record_quads(table, {
            "PersonalID": f"C{i}", "FirstName": tag, "MiddleName": tag, "LastName": tag,
            "NameSuffix": tag, "AdditionalRaceEthnicity": tag, "NameDataQuality": 1,
            "SSNDataQuality": 99, "DOBDataQuality": 99}, placement)]
        replace_records(store, subjects if version > 1 else [], MODEL.ownership, quads)
        if version == 3:
            print("ready", flush=True)
    """
)


def test_killed_writer_leaves_whole_records(tmp_path: Path) -> None:
    path = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for delay in (0.05, 0.2, 0.5):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, env=env)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        store = EmbeddedStore(path)
        clients = read_table(store, MODEL.tables["Client"], EVERY_GRAPH)
        store.close()
        assert len(clients) == 300
        versions = {c[f] for c in clients for f in ("FirstName", "MiddleName", "LastName", "NameSuffix",
                                                    "AdditionalRaceEthnicity")}
        assert len(versions) == 1, versions
