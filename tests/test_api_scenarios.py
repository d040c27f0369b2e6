"""HUD 0.5 baseline scenarios over HTTP against the test kit; expected results are
computed from the CSV files directly."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
from hud_files import read_rows

pytestmark = pytest.mark.usefixtures("testkit")


class Kit:
    """The test kit read straight from its CSV files."""

    def __init__(self, folder: Path):
        self.clients = {r["PersonalID"]: r for r in read_rows(folder / "Client.csv")}
        self.enrollments = read_rows(folder / "Enrollment.csv")
        self.exits = {r["EnrollmentID"]: r for r in read_rows(folder / "Exit.csv") if not r["DateDeleted"]}
        self.projects = {r["ProjectID"]: r for r in read_rows(folder / "Project.csv")}
        self.funders = [r for r in read_rows(folder / "Funder.csv") if not r["DateDeleted"]]
        self.services = read_rows(folder / "Services.csv")

    def exit_date(self, enrollment_id: str) -> str | None:
        x = self.exits.get(enrollment_id)
        return x["ExitDate"] if x else None


@pytest.fixture(scope="module")
def kit(testkit: Path) -> Kit:
    return Kit(testkit)


def all_pages(http, url: str, key: str, method: str = "get", body: object = None) -> list:
    items: list = []
    while url:
        response = http.open(url, method=method.upper(), json=body)
        assert response.status_code == 200, response.get_json()
        data = response.get_json()
        items += data[key] if isinstance(data, dict) else data[0][key]
        link = response.headers.get("Link")
        url = link[1:link.index(">")] if link else ""
    return items


# Scenario 1

def test_search_by_full_ssn_last_four_name_prefix_and_dob(http, kit: Kit) -> None:
    client = next(c for c in kit.clients.values() if c["SSN"] and c["SSNDataQuality"] == "1" and c["DOB"])
    by_ssn = http.post("/api/v1/client/search", json={"SSN": client["SSN"]}).get_json()
    assert [c["PersonalID"] for c in by_ssn[0]["matchedClients"]] == [
        p for p, c in kit.clients.items() if c["SSN"] == client["SSN"]]
    last4 = all_pages(http, "/api/v1/client/search", "matchedClients", "post",
                      {"SSN": client["SSN"][-4:], "LastName": client["LastName"][:2].lower()})
    expected = {p for p, c in kit.clients.items()
                if c["SSN"].endswith(client["SSN"][-4:]) and c["LastName"].lower().startswith(client["LastName"][:2].lower())}
    assert {c["PersonalID"] for c in last4} == expected
    prefix = client["FirstName"][:3].upper()
    by_name_dob = all_pages(http, "/api/v1/client/search", "matchedClients", "post",
                            {"FirstName": prefix, "DOB": client["DOB"]})
    assert {c["PersonalID"] for c in by_name_dob} == {
        p for p, c in kit.clients.items() if c["DOB"] == client["DOB"] and c["FirstName"].upper().startswith(prefix)}


def test_search_by_long_last_name_prefix_pages_without_duplicates(http, kit: Kit) -> None:
    name = max((c["LastName"] for c in kit.clients.values()), key=len)
    found = all_pages(http, "/api/v1/client/search?limit=1", "matchedClients", "post", {"LastName": name[:5]})
    ids = [c["PersonalID"] for c in found]
    assert len(ids) == len(set(ids))
    assert set(ids) == {p for p, c in kit.clients.items() if c["LastName"].lower().startswith(name[:5].lower())}


def test_search_without_match_is_404_and_bad_criteria_are_400(http) -> None:
    missing = http.post("/api/v1/client/search", json={"SSN": "000000001"})
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert http.post("/api/v1/client/search", json={}).status_code == 400
    bad = http.post("/api/v1/client/search", json={"SSN": "12-3", "DOB": "yesterday"})
    assert bad.status_code == 400
    assert {e["field"] for e in bad.get_json()["errors"]} == {"SSN", "DOB"}
    assert all("value" not in e for e in bad.get_json()["errors"])  # personal data is never echoed


# Scenarios 3 and 4

@pytest.mark.parametrize("query", ["", "?EntryDate=2022-01-01", "?entrydate=2021-06-01&ExitDate=2022-09-30"])
def test_project_clients(http, kit: Kit, query: str) -> None:
    project = "1428"
    entry_from = query.split("=")[1].split("&")[0] if "ntry" in query.lower() else ""
    exit_to = query.rsplit("=", 1)[1] if "ExitDate" in query else ""
    expected = sorted(
        (e["PersonalID"], e["EntryDate"], kit.exit_date(e["EnrollmentID"]) or "")
        for e in kit.enrollments
        if e["ProjectID"] == project and not e["DateDeleted"] and e["EntryDate"] >= entry_from
        and (not exit_to or (kit.exit_date(e["EnrollmentID"]) or "9999") <= exit_to)
    )
    got = all_pages(http, f"/api/v1/project/{project}/clients{query}", "clients")
    assert sorted((c["PersonalID"], c["entryDate"], c.get("exitDate", "")) for c in got) == expected
    assert expected


def test_unknown_project_is_404(http) -> None:
    response = http.get("/api/v1/project/no-such-project/clients")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


# Scenario 5

def test_client_enrollments(http, kit: Kit) -> None:
    counts = defaultdict(int)
    for e in kit.enrollments:
        counts[e["PersonalID"]] += 1
    pid = max(counts, key=counts.get)
    got = all_pages(http, f"/api/v1/client/{pid}/enrollments", "enrollments")
    expected = {(e["EnrollmentID"], e["ProjectID"], kit.exit_date(e["EnrollmentID"]))
                for e in kit.enrollments if e["PersonalID"] == pid and not e["DateDeleted"]}
    assert {(g["EnrollmentID"], g["ProjectID"], g.get("ExitDate")) for g in got} == expected
    assert all(g["ProjectName"] == kit.projects[g["ProjectID"]]["ProjectName"] for g in got)
    one = next(iter(expected))[1]
    only = all_pages(http, f"/api/v1/client/{pid}/enrollments?ProjectID={one}", "enrollments")
    assert {g["ProjectID"] for g in only} == {one}


# Scenarios 6 and 7

@pytest.mark.parametrize("query", ["Funder=3", "ProjectType=13", "funder=3&projecttype=13", "CocCode=XX-501"])
def test_projects_by_funder_and_type(http, kit: Kit, testkit: Path, query: str) -> None:
    args = {k.lower(): v for k, v in (p.split("=") for p in query.split("&"))}
    cocs = defaultdict(set)
    for r in read_rows(testkit / "ProjectCoC.csv"):
        cocs[r["ProjectID"]].add(r["CoCCode"])
    expected = {
        pid for pid, p in kit.projects.items()
        if ("funder" not in args or any(f["ProjectID"] == pid and f["Funder"] == args["funder"] for f in kit.funders))
        and ("projecttype" not in args or p["ProjectType"] == args["projecttype"])
        and ("coccode" not in args or args["coccode"] in cocs[pid])
    }
    got = all_pages(http, f"/api/v1/projects?{query}", "projects")
    assert {p["ProjectID"] for p in got} == expected
    assert expected


def test_projects_rejects_a_code_outside_hud_lists(http) -> None:
    response = http.get("/api/v1/projects?Funder=999")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "Funder"


# Scenarios 8 and 9

def _rrh_enrollments(kit: Kit) -> list[dict[str, str]]:
    rrh = {pid for pid, p in kit.projects.items() if p["ProjectType"] == "13"}
    return [e for e in kit.enrollments if e["ProjectID"] in rrh and not e["DateDeleted"]]


def test_clients_by_funder(http, kit: Kit) -> None:
    funded = {f["ProjectID"] for f in kit.funders if f["Funder"] == "3"}
    expected = defaultdict(set)
    for e in kit.enrollments:
        if e["ProjectID"] in funded and not e["DateDeleted"]:
            expected[e["PersonalID"]].add(e["EnrollmentID"])
    got = all_pages(http, "/api/v1/clients?Funder=3&limit=40", "clients")
    assert {c["PersonalID"]: {e["EnrollmentID"] for e in c["Enrollments"]} for c in got} == expected


def test_clients_active_in_rapid_rehousing_on_a_date(http, kit: Kit) -> None:
    day = "2022-03-01"
    expected = defaultdict(set)
    for e in _rrh_enrollments(kit):
        if e["EntryDate"] <= day and (kit.exit_date(e["EnrollmentID"]) or "9999") >= day:
            expected[e["PersonalID"]].add(e["EnrollmentID"])
    got = all_pages(http, f"/api/v1/clients?ProjectType=13&active=true&asOf={day}", "clients")
    assert expected
    assert {c["PersonalID"]: {e["EnrollmentID"] for e in c["Enrollments"]} for c in got} == expected


# Scenario 10

def test_client_change_feed(http, kit: Kit, testkit: Path) -> None:
    enrollment = next(e for e in kit.enrollments if e["EnrollmentID"] in kit.exits)
    pid = enrollment["PersonalID"]
    day = dt.datetime.fromisoformat(kit.exits[enrollment["EnrollmentID"]]["DateUpdated"])
    since, until = (day - dt.timedelta(days=30)).isoformat(), day.isoformat()
    body = http.get(f"/api/v1/client/{pid}/changes?since={since}&until={until}").get_json()
    expected = set()
    for file in ("Client", "Enrollment", "Exit", "Services", "IncomeBenefits", "Disabilities", "HealthAndDV",
                 "EmploymentEducation", "CurrentLivingSituation", "Assessment", "Event", "YouthEducationStatus"):
        for r in read_rows(testkit / f"{file}.csv"):
            key = next(iter(r))
            if r["PersonalID"] == pid and since <= r["DateUpdated"].replace(" ", "T") <= until:
                expected.add((file, r[key]))
    assert body["changed"] is True
    assert {(c["RecordType"], c["RecordID"]) for c in body["changes"]} == expected
    assert ("Exit", kit.exits[enrollment["EnrollmentID"]]["ExitID"]) in expected
    quiet = http.get(f"/api/v1/client/{pid}/changes?since=1990-01-01T00:00:00&until=1990-02-01T00:00:00")
    assert quiet.get_json()["changed"] is False


# Scenario 11

def test_all_services_of_a_person_in_a_window(http, kit: Kit) -> None:
    counts = defaultdict(int)
    for s in kit.services:
        counts[s["PersonalID"]] += 1
    pid = max(counts, key=counts.get)
    everything = all_pages(http, f"/api/v1/client/{pid}/services?limit=7", "services")
    assert sorted(s["ServicesID"] for s in everything) == sorted(
        s["ServicesID"] for s in kit.services if s["PersonalID"] == pid and not s["DateDeleted"])
    dates = sorted(s["DateProvided"] for s in everything)
    lo, hi = dates[len(dates) // 4], dates[3 * len(dates) // 4]
    window = all_pages(http, f"/api/v1/client/{pid}/services?from={lo}&to={hi}", "services")
    assert sorted(s["ServicesID"] for s in window) == sorted(
        s["ServicesID"] for s in kit.services if s["PersonalID"] == pid and lo <= s["DateProvided"] <= hi)


# CSV export as JSON

def test_csvexport_keyed_by_file_and_filtered_by_client(http, kit: Kit, testkit: Path) -> None:
    pid = kit.enrollments[0]["PersonalID"]
    body = http.get(f"/api/v1/csvexport?PersonalID={pid}").get_json()
    assert "Enrollment.csv" in body and "Client.csv" in body and "Export.csv" not in body
    assert {e["EnrollmentID"] for e in body["Enrollment.csv"]} == {
        e["EnrollmentID"] for e in kit.enrollments if e["PersonalID"] == pid}
    assert len(body["Services.csv"]) == sum(1 for s in kit.services if s["PersonalID"] == pid)
    assert len(body["Project.csv"]) == len(kit.projects)


def test_csvexport_by_entry_and_exit_dates(http, kit: Kit) -> None:
    entry_from, exit_to = "2020-01-01", "2022-06-30"
    body = http.get(f"/api/v1/csvexport?EntryDate={entry_from}&ExitDate={exit_to}").get_json()
    expected = {e["EnrollmentID"] for e in kit.enrollments if not e["DateDeleted"] and e["EntryDate"] >= entry_from
                and (kit.exit_date(e["EnrollmentID"]) or "9999") <= exit_to}
    assert expected and {e["EnrollmentID"] for e in body["Enrollment.csv"]} == expected
    assert {x["EnrollmentID"] for x in body["Exit.csv"]} == expected
    assert {s["ServicesID"] for s in body["Services.csv"]} == {
        s["ServicesID"] for s in kit.services if s["EnrollmentID"] in expected and not s["DateDeleted"]}


@pytest.mark.parametrize("since, until", [
    ("2022-07-01T21:00:00", "2022-08-15T21:00:00"),  # looked up day by day; many records at 21:00
    ("2022-07-01T21:00:01", "2022-08-15T20:59:59"),
    ("2022-09-01T00:00:00", None),  # up to now
    ("2000-01-01T00:00:00", "2022-08-15T21:00:00"),  # longer than two years: whole files are read
], ids=["window", "window within its days", "since", "long window"])
def test_csvexport_of_the_records_changed_in_a_window(http, testkit: Path, since: str, until: str | None) -> None:
    query = f"changedSince={since}" + (f"&changedUntil={until}" if until else "")
    body = http.get(f"/api/v1/csvexport?{query}").get_json()
    held = http.get("/api/v1/csvexport").get_json()  # the import rejects a few of the kit's records
    low, high = since.replace("T", " "), (until or "9999").replace("T", " ")
    for name, rows in body.items():
        kit = read_rows(testkit / name)
        key = next(iter(kit[0])) if kit else ""  # each file's first column is its key
        stored = {str(r[key]) for r in held[name]}
        expected = {r[key] for r in kit if r[key] in stored and low <= r["DateUpdated"] <= high}
        assert {r[key] for r in rows} == expected, name
    assert any(body.values())


def test_paging_uses_opaque_cursors_and_reports_no_totals(http) -> None:
    first = http.get("/api/v1/clients?ProjectType=13&limit=5")
    body = first.get_json()
    assert set(body) == {"clients"} and len(body["clients"]) == 5
    link = first.headers["Link"]
    assert 'rel="next"' in link and "cursor=" in link
    tampered = http.get("/api/v1/clients?ProjectType=12&limit=5&cursor=" + link.split("cursor=")[1].split(">")[0])
    assert tampered.status_code == 400


def test_coc_code_filter_ignores_letter_case(http) -> None:
    upper = all_pages(http, "/api/v1/projects?CocCode=XX-501", "projects")
    assert upper and all_pages(http, "/api/v1/projects?coccode=xx-501", "projects") == upper
