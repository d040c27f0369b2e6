"""A store written before records carried ext:fields documents, or before exits restated their
date on their enrollment and funders their code on their project, is refused until upgraded,
and the upgrade writes exactly what a fresh import would have."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from hmis_ld.api import OutdatedStore, create_app
from hmis_ld.model.records import FIELDS
from hmis_ld.model.schema import EXT
from hmis_ld.store import EmbeddedStore

EXIT_DATE, FUNDER = EXT + "exitDate", EXT + "funder"


@pytest.mark.parametrize("missing", [[FIELDS, EXIT_DATE, FUNDER], [EXIT_DATE], [FUNDER]],
                         ids=["documents", "exit dates", "funder codes"])
def test_an_old_store_is_refused_then_upgraded_to_what_an_import_writes(demo_dump: bytes, tmp_path: Path,
                                                                        missing: list[str]) -> None:
    path = tmp_path / "store"
    store = EmbeddedStore(path)
    store.bulk_load(ox.parse(demo_dump, format=ox.RdfFormat.N_QUADS))
    store.update(" ; ".join(f"DELETE WHERE {{ GRAPH ?g {{ ?s <{p}> ?o }} }}" for p in missing))
    assert store.dump_nquads() != demo_dump
    with pytest.raises(OutdatedStore):
        create_app({"STORE": store})
    store.close()
    del store
    upgraded = subprocess.run([sys.executable, "-m", "hmis_ld.cli", "upgrade", "--store", str(path)],
                              capture_output=True, text=True, check=False, timeout=300)
    assert upgraded.returncode == 0, upgraded.stderr
    again = EmbeddedStore(path)
    assert again.dump_nquads() == demo_dump
    create_app({"STORE": again, "TESTING": True})
    again.close()
