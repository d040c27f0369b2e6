"""Live imports: an administrator uploads an HMIS CSV export while the API serves, follows the
job's progress and reads its report; readers keep being answered and see each record whole
or not at all; a bad upload is refused and changes nothing; a job outlives no process; and
`hmis-ld import-csv --store-url` imports while API processes serve the same remote store."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from backends import REMOTE, free_port, new_store, start_server
from conftest import signed_in

from hmis_ld.api import create_app
from hmis_ld.authz.accounts import Accounts
from hmis_ld.csv.importer import import_csv
from hmis_ld.model import MODEL, iris
from hmis_ld.model.schema import RDF_TYPE
from hmis_ld.model.vocabulary import extension_terms
from hmis_ld.service.imports import IMPORTED_BY, SHELL, STATUS
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore, Store
from hmis_ld.store.remote import RemoteStore

ADMIN = ("admin", "all:read", "pii:read")
PROBLEM = "application/problem+json"
FIELDS = {f.iri for table in MODEL.tables.values() for f in table.fields}


def _zipped(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _export(folder: Path, only: tuple[str, ...] | None = None) -> bytes:
    """The folder's CSV files as a zip, in a folder of their own as HUD's exports come."""
    return _zipped({f"export/{p.name}": p.read_bytes() for p in sorted(folder.iterdir())
                    if only is None or p.name in only})


@pytest.fixture(scope="module")
def demo_zip(demo_csv: Path) -> bytes:
    return _export(demo_csv)


def _admin(config: dict | None = None):
    """A test client of an administrator, on an app over a store of its own."""
    app = create_app({"STORE": new_store(), "TESTING": True, **(config or {})})
    return signed_in(app, "admin", ADMIN)


def _finished(client, location: str, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        job = client.get(location).get_json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def _store(client) -> Store:
    return client.application.extensions["hmis_ld"].store


def _content(store: Store) -> list[bytes]:
    """Every quad but the import jobs' own."""
    return [line for line in store.dump_nquads().splitlines() if f"<{iris.IMPORTS}>".encode() not in line]


def _keys(folder: Path, file: str, column: str, count: int = 8) -> list[str]:
    with (folder / file).open(newline="", encoding="utf-8-sig") as f:
        return [row[column] for row in csv.DictReader(f)][:count]


def test_an_upload_is_imported_in_the_background_with_progress_and_the_clis_report(demo_csv: Path,
                                                                                   demo_zip: bytes) -> None:
    admin = _admin()
    sent = admin.post("/api/v1/imports", data=demo_zip, content_type="application/zip")
    assert sent.status_code == 202, sent.get_json()
    location = sent.headers["Location"]
    assert location.endswith("/api/v1/imports/" + sent.get_json()["id"])
    assert sent.get_json()["status"] in ("checking", "importing")
    second = admin.post("/api/v1/imports", data=demo_zip, content_type="application/zip")
    assert second.status_code == 409 and second.mimetype == PROBLEM  # one import at a time

    job = _finished(admin, location)
    assert job["status"] == "done", job
    progress = job["progress"]
    assert progress["files_done"] == progress["files_total"] == 24
    assert progress["rows_done"] == progress["rows_total"] == sum(
        sum(1 for _ in csv.reader(p.open(encoding="utf-8-sig"))) - 1 for p in demo_csv.iterdir())
    reference = new_store()
    Accounts(reference).add("someone")  # a store with data, as a serving one: transactional batches
    assert job["report"]["summary"] == import_csv(reference, demo_csv, progress=False).summary()
    assert job["report"]["rows"] == progress["rows_total"] and job["report"]["problems_total"] == 0
    pid = _keys(demo_csv, "Client.csv", "PersonalID", 1)[0]
    assert admin.get(f"/api/v1/clients/{pid}").status_code == 200
    listed = admin.get("/api/v1/imports").get_json()["imports"]
    assert [j["id"] for j in listed] == [job["id"]] and "report" not in listed[0]
    kept = {r["p"].value for r in _store(admin).select(f"SELECT DISTINCT ?p WHERE {{ GRAPH <{iris.IMPORTS}> {{ ?s ?p ?o }} }}",
                                                        graphs=[iris.IMPORTS])}
    assert kept and kept <= extension_terms() | {RDF_TYPE}  # the job's terms are declared ones


def test_a_form_upload_and_its_job_seen_by_its_own_account_only(demo_csv: Path) -> None:
    admin = _admin()
    small = _export(demo_csv, ("Export.csv", "Organization.csv"))
    sent = admin.post("/api/v1/imports", data={"file": (io.BytesIO(small), "export.zip")},
                      content_type="multipart/form-data")
    assert sent.status_code == 202
    job = _finished(admin, sent.headers["Location"])
    assert job["status"] == "done" and job["report"]["files"]["Organization.csv"]["loaded"] == 3
    other = signed_in(admin.application, "other-admin", ADMIN)
    missing = "0" * len(job["id"])

    def answer(client, job_id: str) -> tuple[int, str, dict[str, str]]:
        r = client.get(f"/api/v1/imports/{job_id}")
        headers = {k: v for k, v in r.headers.items() if k not in ("Date", "X-Request-ID")}
        return r.status_code, r.get_data(as_text=True), headers

    assert answer(other, job["id"]) == answer(other, missing) == answer(admin, missing)
    assert answer(other, job["id"])[0] == 404
    assert other.get("/api/v1/imports").get_json() == {"imports": []}
    reader = signed_in(admin.application, "reader", ("all:read", "pii:read"))
    assert reader.get(f"/api/v1/imports/{job['id']}").status_code == 403
    assert reader.get("/api/v1/imports").status_code == 403
    assert reader.post("/api/v1/imports", data=b"PK", content_type="application/zip").status_code == 403
    paths = admin.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/imports"]) and "get" in paths["/api/v1/imports/{job_id}"]
    assert {"application/zip", "multipart/form-data"} == set(paths["/api/v1/imports"]["post"]["requestBody"]["content"])


def _encrypted(data: bytes) -> bytes:
    """A zip whose member says it is encrypted: Python writes none, so the flag is set by hand
    in the member's local header and in the central directory."""
    archive = bytearray(_zipped({"Client.csv": data}, zipfile.ZIP_STORED))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        archive[archive.index(signature) + offset] |= 0x1
    return bytes(archive)


CLIENT = b"PersonalID,FirstName\n1,Ada\n"
BAD_UPLOADS = {
    "not a zip": (CLIENT, "application/zip", 400),
    "empty": (b"", "application/zip", 400),
    "no HMIS file in it": (_zipped({"readme.txt": b"hello"}), "application/zip", 422),
    "a name climbing out": (_zipped({"../Client.csv": CLIENT}), "application/zip", 400),
    "an absolute name": (_zipped({"/tmp/Client.csv": CLIENT}), "application/zip", 400),
    "a backslash name": (_zipped({"..\\Client.csv": CLIENT}), "application/zip", 400),
    "a file twice": (_zipped({"a/Client.csv": CLIENT, "b/client.csv": CLIENT}), "application/zip", 400),
    "a zip bomb": (_zipped({"Client.csv": CLIENT + b"0" * 3_000_000}), "application/zip", 413),
    "too large": (os.urandom(300_000), "application/zip", 413),
    "encrypted": (_encrypted(CLIENT), "application/zip", 400),
    "not a zip type": (CLIENT, "text/csv", 415),
    "a form without the file": ({"other": (io.BytesIO(b"x"), "x.zip")}, "multipart/form-data", 400),
}


@pytest.fixture(scope="module")
def bounded():
    """An administrator of a server that takes uploads of 200 kB unpacking to 1 MB at most."""
    return _admin({"IMPORT_MAX_BYTES": 200_000, "IMPORT_MAX_UNPACKED_BYTES": 1_000_000})


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_a_bad_upload_is_refused_with_a_problem_and_changes_nothing(bounded, case: str) -> None:
    body, content_type, status = BAD_UPLOADS[case]
    before = _store(bounded).dump_nquads()
    answer = bounded.post("/api/v1/imports", data=body, content_type=content_type)
    assert answer.status_code == status, answer.get_json()
    assert answer.mimetype == PROBLEM and answer.get_json()["detail"]
    assert "Location" not in answer.headers
    assert _store(bounded).dump_nquads() == before
    assert bounded.get("/api/v1/imports").get_json() == {"imports": []}


def test_an_unreadable_file_fails_its_job_before_anything_is_imported(demo_csv: Path) -> None:
    """What only reading finds: the central directory is sound, so the upload is accepted."""
    admin = _admin()
    files = {p.name: p.read_bytes() for p in sorted(demo_csv.iterdir())}
    damaged = bytearray(_zipped(files, zipfile.ZIP_STORED))
    at = damaged.index(b"PersonalID,FirstName")  # inside Client.csv, stored as is: its checksum no longer holds
    damaged[at + 40] ^= 0x20
    too_long = _zipped({**files, "Exit.csv": files["Exit.csv"] + b"x" * 200_000 + b"\r\n"})  # one field over csv's limit
    before = _content(_store(admin))
    for body, reason in ((bytes(damaged), "damaged"), (too_long, "cannot be read as CSV")):
        sent = admin.post("/api/v1/imports", data=body, content_type="application/zip")
        assert sent.status_code == 202
        job = _finished(admin, sent.headers["Location"])
        assert job["status"] == "failed" and reason in job["error"], job
        assert _content(_store(admin)) == before


def _field_triples(store: Store) -> dict[str, set[tuple[str, str]]]:
    """Each record's field triples, from one query (one snapshot of the store)."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in store.select("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", graphs=EVERY_GRAPH):
        if row["p"].value in FIELDS:
            found[row["s"].value].add((row["p"].value, str(row["o"])))
    return found


def test_readers_see_each_record_whole_or_not_at_all_during_an_import(demo_csv: Path, demo_zip: bytes) -> None:
    admin = _admin()
    store = _store(admin)
    paths = [f"/api/v1/clients/{k}" for k in _keys(demo_csv, "Client.csv", "PersonalID")]
    paths += [f"/api/v1/enrollments/{k}" for k in _keys(demo_csv, "Enrollment.csv", "EnrollmentID")]
    paths += [f"/api/v1/services/{k}" for k in _keys(demo_csv, "Services.csv", "ServicesID")]
    location = admin.post("/api/v1/imports", data=demo_zip, content_type="application/zip").headers["Location"]
    answers: dict[str, list[tuple[int, object]]] = defaultdict(list)
    snapshots, progress = [], []
    while (job := admin.get(location).get_json())["status"] in ("checking", "importing"):
        progress.append(job.get("progress"))
        for path in paths:
            r = admin.get(path)
            answers[path].append((r.status_code, r.get_json()))
        snapshots.append(_field_triples(store))
    final = {path: admin.get(path).get_json() for path in paths}
    whole = _field_triples(store)
    for path, seen in answers.items():
        for status, body in seen:
            assert status == 404 or (status == 200 and body == final[path]), path
    for snapshot in snapshots:
        assert all(triples == whole[s] for s, triples in snapshot.items())
    assert any(0 < len(snapshot) < len(whole) for snapshot in snapshots), "no read fell inside the import"
    assert any(p and 0 < p["files_done"] < p["files_total"] for p in progress), progress  # it shows how far it got


CHILD = """
import os, shutil, signal, sys, time
from hmis_ld.authz import Access
from hmis_ld.service.imports import ImportJobs
from hmis_ld.store import EmbeddedStore
from hmis_ld.store.remote import RemoteStore

where, export, lease = sys.argv[1], sys.argv[2], float(sys.argv[3])
store = RemoteStore(where) if where.startswith("http") else EmbeddedStore(where)
jobs = ImportJobs(store, "local", 10**9, lease=lease, beat=0.2)
upload = jobs.upload_path()
shutil.copy(export, upload)
access = Access(user_id="admin", account="admin")
job = jobs.start(upload, access)
print(job, flush=True)
while jobs.get(job, access)["status"] != "importing":
    time.sleep(0.01)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _killed_during_an_import(tmp_path: Path, demo_zip: bytes, where: str, lease: float) -> str:
    """The job of a process that started importing an upload into the store at `where`, with
    `lease`, and was killed while importing."""
    export = tmp_path / "export.zip"
    export.write_bytes(demo_zip)
    child = subprocess.run([sys.executable, "-c", CHILD, where, str(export), str(lease)], check=False,
                           capture_output=True, text=True, timeout=60,
                           env={**os.environ, "TMPDIR": str(tmp_path)})  # where its upload stays
    assert child.returncode == -signal.SIGKILL, child.stderr
    return child.stdout.strip()


def test_a_job_whose_process_died_reads_as_failed_and_frees_the_next_import(
        tmp_path: Path, demo_zip: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    remote = new_store() if REMOTE else None
    where = remote.url if isinstance(remote, RemoteStore) else str(tmp_path / "store")
    job = _killed_during_an_import(tmp_path, demo_zip, where, lease=1.0)
    assert list(tmp_path.glob("hmis-ld-import-*/export.zip")), "the killed process could not remove its upload"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this process's uploads go where the child's stayed
    store = remote or EmbeddedStore(where)
    admin = signed_in(create_app({"STORE": store, "TESTING": True}), "admin", ADMIN)
    assert not list(tmp_path.glob("hmis-ld-import-*")), "a server starting removes the uploads of dead processes"
    seen = _finished(admin, f"/api/v1/imports/{job}", seconds=10)
    assert seen["status"] == "failed" and "stopped" in seen["error"], seen
    assert seen["progress"]["rows_done"] < seen["progress"]["rows_total"]
    again = admin.post("/api/v1/imports", data=demo_zip, content_type="application/zip")
    assert again.status_code == 202
    assert _finished(admin, again.headers["Location"])["status"] == "done"
    assert len(admin.get("/api/v1/clients?limit=500").get_json()["clients"]) == 80


def test_import_csv_beside_a_running_import_is_refused_and_writes_nothing(tmp_path: Path, demo_zip: bytes,
                                                                          demo_csv: Path) -> None:
    """The job's lease (60 s) has not run out: for every process the import still runs. (An
    embedded store admits one process: nothing can run beside an import into it.)"""
    url = start_server()
    _killed_during_an_import(tmp_path, demo_zip, url, lease=60.0)
    before = RemoteStore(url).dump_nquads()
    cli = subprocess.run([str(Path(sys.executable).with_name("hmis-ld")), "import-csv", str(demo_csv),
                          "--store-url", url], capture_output=True, text=True, timeout=120, check=False)
    assert cli.returncode != 0
    assert "another import is running" in cli.stderr and "nothing was written" in cli.stderr
    assert RemoteStore(url).dump_nquads() == before


def _shell_job_running(store: Store) -> bool:
    rows = store.select(f"SELECT ?status WHERE {{ GRAPH <{iris.IMPORTS}> {{ ?job <{IMPORTED_BY}> ?account ; "
                        f"<{STATUS}> ?status }} }}", graphs=[iris.IMPORTS], substitutions={"account": ox.Literal(SHELL)})
    return any('"importing"' in row["status"].value for row in rows)


class ApiProcess:
    """`hmis-ld serve --dev` over a remote store: another process, as a gunicorn worker is."""

    def __init__(self, url: str):
        port = free_port()
        self.process = subprocess.Popen([str(Path(sys.executable).with_name("hmis-ld")), "serve", "--dev", "--port",
                                         str(port)], env={**os.environ, "HMIS_LD_STORE_URL": url},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.url + "/", timeout=2)
                return
            except requests.ConnectionError:
                assert self.process.poll() is None and time.monotonic() < deadline, "the API process did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def test_import_csv_into_a_remote_store_while_api_processes_serve_it(demo_csv: Path) -> None:
    """One API process serves the store beside this test's own app: what the one does, the other sees."""
    url = start_server()
    here = signed_in(create_app({"STORE": RemoteStore(url), "TESTING": True}), "admin", ADMIN)
    token = here.environ_base["HTTP_AUTHORIZATION"]
    there = ApiProcess(url)
    try:
        cli = subprocess.Popen([str(Path(sys.executable).with_name("hmis-ld")), "import-csv", str(demo_csv),
                                "--store-url", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while not _shell_job_running(RemoteStore(url)):  # the CLI's import is a job that every process counts
            assert cli.poll() is None, cli.communicate()
            time.sleep(0.01)
        refused = requests.post(there.url + "/imports", data=_export(demo_csv, ("Organization.csv",)), timeout=30,
                                headers={"Authorization": token, "Content-Type": "application/zip"})
        assert refused.status_code == 409 and refused.headers["Content-Type"] == PROBLEM, refused.text
        counts = []
        while cli.poll() is None:
            answer = requests.get(there.url + "/enrollments?limit=500", headers={"Authorization": token}, timeout=30)
            assert answer.status_code == 200, answer.text
            counts.append(len(answer.json()))
            counts.append(len(here.get("/api/v1/enrollments?limit=500").get_json()))
            time.sleep(0.1)  # readers, not a load: the import shares two cores with them
        out, err = cli.communicate()
        assert cli.returncode == 0, err
        assert "Enrollment.csv" in out and "quads written" in out
        total = len(_keys(demo_csv, "Enrollment.csv", "EnrollmentID", 10**6))
        assert counts == sorted(counts) and counts[-1] <= total  # enrollments only ever appear
        assert len(here.get("/api/v1/enrollments?limit=500").get_json()) == total

        # an upload to the other process is followed here: the job lives in the store
        sent = requests.post(there.url + "/imports", data=_export(demo_csv, ("Organization.csv", "Project.csv")),
                             timeout=30, headers={"Authorization": token, "Content-Type": "application/zip"})
        assert sent.status_code == 202, sent.text
        job = _finished(here, f"/api/v1/imports/{sent.json()['id']}")
        assert job["status"] == "done", job
        assert {name: s["unchanged"] for name, s in job["report"]["files"].items()} == {
            "Organization.csv": 3, "Project.csv": 14}  # the CLI imported them
    finally:
        there.stop()
