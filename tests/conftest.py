"""Shared fixtures. Tests that read HUD's files or the CSV fixtures need the project's
`shared/` folder: set HMIS_LD_SHARED to it (.ci/run does); otherwise they skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hmis_ld.csv.importer import import_csv
from hmis_ld.store import EmbeddedStore


def _shared() -> Path | None:
    value = os.environ.get("HMIS_LD_SHARED")
    return Path(value) if value and Path(value).is_dir() else None


@pytest.fixture(scope="session")
def shared() -> Path:
    path = _shared()
    if path is None:
        pytest.skip("HUD reference files and CSV fixtures not available: set HMIS_LD_SHARED to the shared/ folder")
    return path


@pytest.fixture(scope="session")
def testkit(shared: Path) -> Path:
    return shared / "fixtures" / "hmis-csv-fy2026-testkit"


@pytest.fixture(scope="session")
def cases(shared: Path) -> Path:
    return shared / "fixtures" / "importer-cases"


@pytest.fixture(scope="session")
def testkit_store(testkit: Path) -> EmbeddedStore:
    """One in-memory store with the test kit, shared by read-only tests."""
    store = EmbeddedStore()
    import_csv(store, testkit, progress=False)
    return store
