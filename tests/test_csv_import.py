"""HMIS CSV FY2026 import: the test kit and the importer cases behave as HUD's rules say."""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from itertools import pairwise
from pathlib import Path

import pytest
from backends import new_store
from conftest import keyed_like, stale_documents, stale_on_parents
from hud_files import read_rows, rows_with_bad_codes, spec_columns

from hmis_ld.csv import importer
from hmis_ld.csv.exporter import read_table
from hmis_ld.csv.importer import import_csv
from hmis_ld.model import MODEL, iris
from hmis_ld.model.content_hash import CONTENT_HASH
from hmis_ld.store import EVERY_GRAPH, EmbeddedStore

HUD_FILES = [
    "Export", "Organization", "User", "Project", "Funder", "ProjectCoC", "Inventory", "Affiliation",
    "HMISParticipation", "CEParticipation", "Client", "Enrollment", "Exit", "IncomeBenefits", "HealthAndDV",
    "EmploymentEducation", "Disabilities", "Services", "CurrentLivingSituation", "Assessment",
    "AssessmentQuestions", "AssessmentResults", "Event", "YouthEducationStatus",
]


def count_records(store: EmbeddedStore, table: str) -> int:
    cls = MODEL.tables[table].cls
    key = MODEL.tables[table].key_field.iri
    rows = store.select(f"SELECT (COUNT(DISTINCT ?k) AS ?n) WHERE {{ ?s a <{cls}> ; <{key}> ?k }}", graphs=EVERY_GRAPH)
    return int(next(rows)["n"].value)


def test_model_covers_every_hud_csv_file(shared: Path) -> None:
    spec = spec_columns(shared)
    assert sorted(spec) == sorted(HUD_FILES)
    for file, columns in spec.items():
        assert [f.name for f in MODEL.tables[file].fields] == [c["Name"] for c in columns]


def test_testkit_imports_every_row(testkit: Path, testkit_store: EmbeddedStore) -> None:
    """Every row has its key and its parents: a code outside its list costs the field, not the row."""
    for file in HUD_FILES:
        rows = read_rows(testkit / f"{file}.csv")
        assert count_records(testkit_store, file) == len({r[MODEL.tables[file].key] for r in rows}), file
    assert count_records(testkit_store, "Client") == 514
    assert count_records(testkit_store, "Enrollment") == 574
    assert count_records(testkit_store, "Services") == 6385
    assert stale_documents(testkit_store) == []
    assert stale_on_parents(testkit_store) == set()


def test_testkit_report_names_each_field_problem(testkit: Path, shared: Path) -> None:
    report = import_csv(new_store(), testkit, progress=False)
    funders = read_rows(testkit / "Funder.csv")
    bad_funders = rows_with_bad_codes(shared, testkit, "Funder")
    assert bad_funders and not report.rejections
    assert report.files["Funder.csv"].loaded == len(funders)
    assert {(p.file, p.line, p.column, p.value) for p in report.warnings if "not a code" in p.reason} == {
        ("Funder.csv", i + 2, "Funder", funders[i]["Funder"]) for i in bad_funders
    }
    assert report.files["Client.csv"].loaded == 514
    assert set(report.ignored_files) == {"CustomEnrollmentFY26Deprecations.csv", "CustomGender.csv"}


def test_strict_import_rejects_each_row_with_a_bad_value(testkit: Path, shared: Path) -> None:
    store = new_store()
    report = import_csv(store, testkit, progress=False, strict=True)
    bad_funders = rows_with_bad_codes(shared, testkit, "Funder")
    assert report.files["Funder.csv"].rejected == len(bad_funders) > 0
    assert {(p.file, p.line, p.column) for p in report.rejections} == {
        ("Funder.csv", i + 2, "Funder") for i in bad_funders
    }
    assert count_records(store, "Funder") == len(read_rows(testkit / "Funder.csv")) - len(bad_funders)


def test_reimporting_the_same_export_changes_nothing(testkit: Path, tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    import_csv(store, testkit, progress=False)
    before = store.dump_nquads()
    report = import_csv(store, testkit, progress=False)
    assert store.dump_nquads() == before
    assert report.quads_written == 0
    assert all(s.loaded == s.updated == 0 for s in report.files.values())
    assert report.files["Services.csv"].unchanged == 6385


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_reimporting_an_unchanged_export_reports_every_record_unchanged(demo_csv: Path) -> None:
    store = new_store()
    first = import_csv(store, demo_csv, progress=False)
    before = store.dump_nquads()
    again = import_csv(store, demo_csv, progress=False)
    assert again.quads_written == 0
    assert store.dump_nquads() == before
    assert {name: s.unchanged for name, s in again.files.items()} == {name: s.loaded for name, s in first.files.items()}
    assert all(s.loaded == s.updated == s.skipped == 0 for s in again.files.values())


def test_two_sources_with_the_same_keys_keep_each_others_records(demo_csv: Path) -> None:
    """Keys are each source HMIS's own, so two sources share them (model.iris)."""
    store = new_store()
    def enrollments() -> int:
        rows = store.select(f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{MODEL.tables['Enrollment'].cls}> }}",
                            graphs=EVERY_GRAPH)
        return int(next(rows)["n"].value)

    first = import_csv(store, demo_csv, source="north", progress=False)
    alone = enrollments()
    second = import_csv(store, demo_csv, source="south", progress=False)
    assert {name: s.loaded for name, s in second.files.items()} == {name: s.loaded for name, s in first.files.items()}
    assert all(s.updated == s.unchanged == 0 for s in second.files.values())
    assert enrollments() == 2 * alone
    before = store.dump_nquads()
    assert import_csv(store, demo_csv, source="north", progress=False).quads_written == 0
    assert store.dump_nquads() == before


def test_a_changed_field_in_one_row_rewrites_that_record_only(demo_csv: Path, tmp_path: Path) -> None:
    store = new_store()
    import_csv(store, demo_csv, progress=False)
    before = set(store.dump_nquads().decode().splitlines())
    export = tmp_path / "export"
    shutil.copytree(demo_csv, export)
    services = read_rows(export / "Services.csv")
    row = services[5]
    services[5] = {**row, "DateProvided": "2026-01-02" if row["DateProvided"] != "2026-01-02" else "2026-01-03"}
    _write_rows(export / "Services.csv", services)
    report = import_csv(store, export, progress=False)
    assert (report.files["Services.csv"].updated, report.files["Services.csv"].unchanged) == (1, len(services) - 1)
    assert all(s.loaded == s.updated == 0 for name, s in report.files.items() if name != "Services.csv")
    after = set(store.dump_nquads().decode().splitlines())
    record = f"<{iris.record_iri(iris.DEFAULT_SOURCE, 'Services', row['ServicesID'])}>"
    assert before != after
    assert all(line.startswith(record) for line in before ^ after)
    assert report.quads_written == len([line for line in after if record in line])  # its own quads, its parent's link
    assert stale_documents(store) == []


def test_records_stored_without_a_hash_are_compared_once_and_given_one(demo_csv: Path) -> None:
    """A store written before content hashes, or records the API wrote since (which drops their hash)."""
    store = new_store()
    import_csv(store, demo_csv, progress=False)
    hashed = store.dump_nquads()
    store.update(f"DELETE WHERE {{ GRAPH ?g {{ ?s <{CONTENT_HASH}> ?h }} }}")
    report = import_csv(store, demo_csv, progress=False)
    assert all(s.loaded == s.updated == 0 for s in report.files.values())
    assert report.quads_written == hashed.count(CONTENT_HASH.encode())
    assert store.dump_nquads() == hashed
    assert import_csv(store, demo_csv, progress=False).quads_written == 0


def test_progress_names_files_done_of_files_total_and_rows_read(demo_csv: Path) -> None:
    calls: list[tuple[int, int, int]] = []
    report = import_csv(new_store(), demo_csv, progress=False, on_progress=lambda *done: calls.append(done))
    files = len(list(demo_csv.glob("*.csv")))
    assert calls[-1] == (files, files, report.rows)
    assert {files_done for files_done, _, _ in calls} >= set(range(1, files + 1))
    assert all(a[0] <= b[0] and a[2] <= b[2] for a, b in pairwise(calls))


def test_zip_import_equals_folder_import(testkit: Path, tmp_path: Path, testkit_store: EmbeddedStore) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in testkit.iterdir():
            z.write(f, f"export/{f.name}")
    store = keyed_like(testkit_store)
    import_csv(store, archive, progress=False)
    assert store.dump_nquads() == testkit_store.dump_nquads()


def test_where_the_bulk_path_splits_its_batches_changes_nothing(testkit: Path, testkit_store: EmbeddedStore,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Into an empty store one batch loads while the next is built (store.bulk)."""
    monkeypatch.setattr(importer, "BULK_BATCH", 5_000)
    store = keyed_like(testkit_store)
    import_csv(store, testkit, progress=False)
    assert store.dump_nquads() == testkit_store.dump_nquads()


def test_where_the_import_splits_a_file_into_chunks_changes_nothing(testkit: Path, testkit_store: EmbeddedStore,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A file is read, checked and written a chunk of rows at a time, so a large export needs
    the memory of a chunk; the store and the report are those of one pass over the file."""
    whole = import_csv(keyed_like(testkit_store), testkit, progress=False)
    reimported = keyed_like(testkit_store)
    import_csv(reimported, testkit, progress=False)
    again_whole = import_csv(reimported, testkit, progress=False)
    monkeypatch.setattr(importer, "CHUNK", 97)
    store = keyed_like(testkit_store)
    chunked = import_csv(store, testkit, progress=False)
    assert store.dump_nquads() == testkit_store.dump_nquads()
    again = import_csv(store, testkit, progress=False)
    assert store.dump_nquads() == testkit_store.dump_nquads()
    for one, other in ((chunked, whole), (again, again_whole)):
        assert one.files == other.files
        assert sorted(one.problems, key=repr) == sorted(other.problems, key=repr)


def test_duplicate_keys_in_different_chunks_are_found(cases: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = cases / "duplicate_primary_keys"
    whole = new_store()
    expected = import_csv(whole, folder, progress=False)
    monkeypatch.setattr(importer, "CHUNK", 1)
    store = keyed_like(whole)
    report = import_csv(store, folder, progress=False)
    assert sorted(report.problems, key=repr) == sorted(expected.problems, key=repr)
    assert store.dump_nquads() == whole.dump_nquads()


def test_a_bulk_load_that_fails_stops_the_import_with_its_error(testkit: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    store = new_store()
    load = store.bulk_load
    loads: list[int] = []

    def fails_second(quads: list) -> None:
        loads.append(len(quads))
        if len(loads) == 2:
            raise OSError("No space left on device")
        load(quads)

    monkeypatch.setattr(importer, "BULK_BATCH", 5_000)
    monkeypatch.setattr(store, "bulk_load", fails_second)
    with pytest.raises(OSError, match="No space left"):
        import_csv(store, testkit, progress=False)
    assert len(loads) == 2  # no batch is loaded after one that failed


def _last_name(store: EmbeddedStore, personal_id: str) -> str:
    clients = [c for c in read_table(store, MODEL.tables["Client"], EVERY_GRAPH) if c["PersonalID"] == personal_id]
    assert len(clients) == 1
    return str(clients[0]["LastName"])


@pytest.mark.parametrize(
    ("second", "expected"),
    [("date_updated_newer", "Newer"), ("date_updated_older", None), ("date_updated_same_day", "from-file")],
)
def test_date_updated_decides_which_version_wins(cases: Path, second: str, expected: str | None) -> None:
    initial = read_rows(cases / "date_updated_initial" / "Client.csv")[0]
    incoming = read_rows(cases / second / "Client.csv")[0]
    store = new_store()
    import_csv(store, cases / "date_updated_initial", progress=False)
    report = import_csv(store, cases / second, progress=False)
    if expected is None:
        assert report.files["Client.csv"].skipped == 1
        assert _last_name(store, initial["PersonalID"]) == initial["LastName"]
    else:
        assert report.files["Client.csv"].updated == 1
        assert _last_name(store, initial["PersonalID"]) == incoming["LastName"]
        if expected != "from-file":
            assert incoming["LastName"] == expected
    assert stale_documents(store) == []


def test_duplicate_keys_are_reported_and_the_rest_loads(cases: Path) -> None:
    folder = cases / "duplicate_primary_keys"
    store = new_store()
    report = import_csv(store, folder, progress=False)
    for file in ("Client", "Enrollment", "Funder", "Assessment"):
        rows = read_rows(folder / f"{file}.csv")
        keys = [r[MODEL.tables[file].key] for r in rows]
        duplicates = len(keys) - len(set(keys))
        assert duplicates > 0, file
        dup_problems = [p for p in report.rejections if p.file == f"{file}.csv" and "duplicate key" in p.reason]
        assert len(dup_problems) == duplicates
        assert all(p.column == MODEL.tables[file].key for p in dup_problems)
    clients = read_rows(folder / "Client.csv")
    first_three = next(r for r in clients if r["LastName"] == "Three")
    assert _last_name(store, first_three["PersonalID"]) == "Three"
    assert count_records(store, "Client") == len({r["PersonalID"] for r in clients})


def test_bom_files_read_like_plain_files(cases: Path, tmp_path: Path) -> None:
    folder = cases / "bom_test"
    with_marks = [f.stem for f in folder.iterdir() if f.read_bytes().startswith(b"\xef\xbb\xbf")]
    assert "Funder" in with_marks and "Assessment" in with_marks
    plain = tmp_path / "plain"
    plain.mkdir()
    for f in folder.iterdir():
        plain.joinpath(f.name).write_bytes(f.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    with_bom = new_store()
    report = import_csv(with_bom, folder, progress=False)
    without = keyed_like(with_bom)
    import_csv(without, plain, progress=False)
    assert with_bom.dump_nquads() == without.dump_nquads()
    for file in with_marks:
        rejected = report.files[f"{file}.csv"].rejected
        assert count_records(with_bom, file) + rejected == len(read_rows(folder / f"{file}.csv")), file
    assert count_records(with_bom, "Funder") == 1
    assert not any("header" in p.reason for p in report.problems)


def _placeable(folder: Path) -> dict[str, dict[str, int]]:
    """File -> key -> line of each row that can be placed: a key not seen before in its file, and
    every column naming a parent either blank (when optional) or a key placed in the parent's file."""
    placed: dict[str, dict[str, int]] = {}
    for name, table in MODEL.tables.items():
        placed[name] = {}
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        for line, row in enumerate(read_rows(path), start=2):
            key = (row.get(table.key) or "").strip()
            if not key or key in placed[name]:
                continue
            parents_ok = True
            for link in table.links:
                value = (row.get(link.field) or "").strip()
                if value:
                    parents_ok &= value in placed[link.target]
                else:
                    parents_ok &= not table.by_name[link.field].required
            if parents_ok:
                placed[name][key] = line
    return placed


def test_bad_data_keeps_every_row_with_a_key_and_a_parent(cases: Path) -> None:
    folder = cases / "bad_data"
    store = new_store()
    report = import_csv(store, folder, progress=False)
    placeable = _placeable(folder)
    for name in placeable:
        if (folder / f"{name}.csv").exists():
            assert count_records(store, name) == len(placeable[name]), name
            rejected = {p.line for p in report.rejections if p.file == f"{name}.csv"}
            assert not rejected & set(placeable[name].values()), name
            assert all(p.reason.startswith(("references a missing", "duplicate key")) or p.column
                       for p in report.rejections if p.file == f"{name}.csv")
    # the field problems of the kept rows: file, line, column, and the value unless it is personal data
    client_rows = read_rows(folder / "Client.csv")
    field_problems = [p for p in report.warnings if "required value is missing" not in p.reason]
    assert field_problems
    for p in field_problems:
        header = next(csv.reader((folder / p.file).open(encoding="utf-8-sig")))
        assert p.column in header and p.line >= 2
        raw = read_rows(folder / p.file)[p.line - 2][p.column]
        assert p.value == (None if MODEL.tables[p.file[:-4]].by_name[p.column].pii else raw.strip())
    four_digit_years = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/-]\d{1,2}[/-]\d{4})([ T].*)?")
    for column in ("DOB", "DateUpdated"):
        unreadable = {line for line, r in enumerate(client_rows, start=2)
                      if r[column].strip() and not four_digit_years.fullmatch(r[column].strip())}
        assert unreadable, column
        assert {p.line for p in field_problems if p.file == "Client.csv" and p.column == column} == unreadable
    stored = {str(c["PersonalID"]): c for c in read_table(store, MODEL.tables["Client"], EVERY_GRAPH)}
    # a two-digit year cannot be read without guessing the century: the client is kept without it
    for r in client_rows:
        if r["DOB"].endswith("-67"):
            assert "DOB" not in stored[r["PersonalID"]]
    # names and dates of birth are personal data: a problem report never repeats them
    assert not any(r[c] in p.reason for r in client_rows for c in ("LastName", "DOB") for p in report.problems
                   if len(r[c]) > 3)
    # a row rejected for a missing parent still names its other problems
    cls = {(p.line, p.column) for p in report.rejections if p.file == "CurrentLivingSituation.csv"}
    assert {column for _, column in cls} >= {"EnrollmentID", "SubsequentResidence"}
    assert stale_documents(store) == []


def test_bad_data_strict_rejects_each_row_with_a_bad_value(cases: Path) -> None:
    folder = cases / "bad_data"
    store = new_store()
    report = import_csv(store, folder, progress=False, strict=True)
    client_rows = read_rows(folder / "Client.csv")
    rejected_lines = {p.line for p in report.rejections if p.file == "Client.csv"}
    assert rejected_lines, "bad data must be reported"
    assert all(p.column for p in report.rejections if p.file == "Client.csv")
    assert count_records(store, "Client") == len(client_rows) - len(rejected_lines)
    by_id = {r["PersonalID"]: r for r in client_rows}
    stored = {c["PersonalID"] for c in read_table(store, MODEL.tables["Client"], EVERY_GRAPH)}
    assert not any(r["DOB"].endswith("-67") and pid in stored for pid, r in by_id.items())
    assert not any(r["LastName"] in p.reason for r in client_rows for p in report.problems if r["LastName"])


def test_validation_files_report_codes_outside_lists(cases: Path, shared: Path) -> None:
    folder = cases / "validation_files"
    lenient = import_csv(new_store(), folder, progress=False)
    strict = import_csv(new_store(), folder, progress=False, strict=True)
    for file in ("Client", "Enrollment", "Exit", "Services"):
        bad = {i + 2 for i in rows_with_bad_codes(shared, folder, file)}
        lines = {p.line for p in lenient.problems if p.file == f"{file}.csv" and "not a code" in p.reason}
        assert lines == bad, file
        rejected = {p.line for p in lenient.rejections if p.file == f"{file}.csv"}
        orphans = {p.line for p in lenient.rejections if p.file == f"{file}.csv" and "missing" in p.reason}
        assert not (rejected - orphans) & bad, file  # a bad code alone never rejects the row
        lines = {p.line for p in strict.rejections if p.file == f"{file}.csv" and "not a code" in p.reason}
        assert lines == bad, file


def test_deleted_rows_are_kept_with_date_deleted(cases: Path) -> None:
    folder = cases / "enrollment_with_deletes_test_files"
    store = new_store()
    import_csv(store, folder, progress=False)
    for file in ("Client", "Enrollment", "Services"):
        deleted = {r[MODEL.tables[file].key] for r in read_rows(folder / f"{file}.csv") if r["DateDeleted"]}
        stored = {str(r[MODEL.tables[file].key]) for r in read_table(store, MODEL.tables[file], EVERY_GRAPH) if "DateDeleted" in r}
        assert deleted and stored == deleted, file
    assert stale_on_parents(store) == set()


def test_a_reimport_that_deletes_changes_and_moves_exits_keeps_when_enrollments_are_active(
        demo_csv: Path, tmp_path: Path) -> None:
    """Scenario 9 looks enrollments up by when they may be active, which their Exit decides: a
    re-import must rewrite it for the enrollment an Exit leaves as well as the one it joins."""
    store = new_store()
    import_csv(store, demo_csv, progress=False)
    exits = read_rows(demo_csv / "Exit.csv")
    exited = {r["EnrollmentID"] for r in exits}
    open_enrollment = next(r["EnrollmentID"] for r in read_rows(demo_csv / "Enrollment.csv")
                           if r["EnrollmentID"] not in exited)
    newer = "2026-11-30 12:00:00"
    deleted, changed, moved = exits[0], exits[1], exits[2]
    rows = [{**deleted, "DateDeleted": newer, "DateUpdated": newer},
            {**changed, "ExitDate": "2099-01-01", "DateUpdated": newer},
            {**moved, "EnrollmentID": open_enrollment, "DateUpdated": newer}]
    second = tmp_path / "second"
    second.mkdir()
    shutil.copy(demo_csv / "Export.csv", second)
    with open(second / "Exit.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(exits[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = import_csv(store, second, progress=False)
    assert report.files["Exit.csv"].updated == 3
    assert stale_on_parents(store) == set()


def test_missing_parent_is_rejected_but_siblings_load(testkit: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(testkit, folder)
    dropped = read_rows(testkit / "Services.csv")[0]["EnrollmentID"]
    rows = (folder / "Enrollment.csv").read_text(encoding="utf-8-sig").splitlines()
    kept = [line for line in rows if not line.startswith(dropped + ",")]
    assert len(kept) == len(rows) - 1
    (folder / "Enrollment.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    store = new_store()
    report = import_csv(store, folder, progress=False)
    orphans = [r for r in read_rows(testkit / "Services.csv") if r["EnrollmentID"] == dropped]
    problems = [p for p in report.rejections if p.file == "Services.csv"]
    assert len(problems) == len(orphans) > 0
    assert all(p.column == "EnrollmentID" and "missing Enrollment" in p.reason for p in problems)
    assert count_records(store, "Services") == 6385 - len(orphans)
