"""Medicaid billing (HUD baseline scenario 13): the services delivered to clients who had
Medicaid on the day of service, with what a billing office needs to claim them.

A service is billable when its person had Medicaid that day (service.coverage) in any
enrollment the caller reads, not only the service's own. Services come from the template
`medicaid_services` on the caller's dataset, narrowed to a project, an organization's
projects or one person's graphs when asked; coverage is read through the whole dataset, so
a reader of one project sees neither the services nor the coverage of another.

The billing code of each service type (RecordType + TypeProvided) comes from a table, never
from code: `billing_codes.csv` beside this module, or the CSV or JSON file a deployment names
(HMIS_LD_BILLING_CODES). A service whose type has no code is listed all the same, unmapped.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from hmis_ld.authz import Access
from hmis_ld.model import HMIS, MODEL, iris
from hmis_ld.model.values import Value, date_literal
from hmis_ld.resources import resource_path
from hmis_ld.service.coverage import CoveragePeriod, coverage_periods
from hmis_ld.service.identity import resolve_with_records
from hmis_ld.service.problems import FieldProblem, Invalid
from hmis_ld.service.records import read_records
from hmis_ld.service.templates import query
from hmis_ld.store import EVERY_GRAPH, Store

MAX_DAYS = 366
MEDICAID = "Medicaid"
DEFAULT_CODES = Path(__file__).resolve().parent / "billing_codes.csv"
_CODE_COLUMNS = ("RecordType", "TypeProvided", "System", "Code", "Display")


@cache
def _type_lists() -> dict[str, str]:
    """RecordType -> the code list of its TypeProvided, from the model's conditional rules."""
    rules = json.loads(resource_path("ontology", "model.json").read_text(encoding="utf-8"))["conditional_rules"]
    return {rule["when"][0]["code"]: rule["list"] for rule in rules
            if rule["table"] == "Services" and rule["field"] == "TypeProvided" and rule["list"]}


@dataclass(frozen=True)
class BillingCode:
    system: str
    code: str
    display: str


def load_codes(path: str | Path | None = None) -> dict[tuple[int, int], BillingCode]:
    """The billing code of each (RecordType, TypeProvided), from a CSV file with the columns
    RecordType, TypeProvided, System, Code, Display, or a JSON list of objects with those keys."""
    source = Path(path) if path else DEFAULT_CODES
    text = source.read_text(encoding="utf-8")
    rows = json.loads(text) if source.suffix.lower() == ".json" else list(csv.DictReader(text.splitlines()))
    codes = {}
    for n, row in enumerate(rows, start=1):
        missing = [c for c in _CODE_COLUMNS if not str(row.get(c, "")).strip()]
        if missing:
            raise ValueError(f"{source}: entry {n} lacks {', '.join(missing)}")
        codes[(int(row["RecordType"]), int(row["TypeProvided"]))] = BillingCode(
            str(row["System"]).strip(), str(row["Code"]).strip(), str(row["Display"]).strip())
    return codes


@dataclass(frozen=True)
class BillingQuery:
    start: dt.date
    end: dt.date  # inclusive
    project: str | None = None
    organization: str | None = None
    client: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.end < self.start:
            problems.append(FieldProblem("to", self.end.isoformat(), "must not be before from"))
        elif (self.end - self.start).days + 1 > MAX_DAYS:
            problems.append(FieldProblem("to", self.end.isoformat(), f"the window is at most {MAX_DAYS} days"))
        if self.project is not None and self.organization is not None:
            problems.append(FieldProblem("organization", self.organization, "give a project or an organization"))
        if problems:
            raise Invalid(problems, status=400)

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class BillableService:
    """One service to claim: the service, its person, its project and the coverage of that day."""

    services_id: str
    date: dt.date
    personal_id: str
    client_id: str | None
    enrollment_id: str
    project_id: str
    project_name: str | None
    organization_id: str | None
    organization_name: str | None
    record_type: int
    record_type_label: str | None
    type_provided: int
    type_provided_list: str | None
    type_provided_label: str | None
    code: BillingCode | None
    coverage: CoveragePeriod
    client: Mapping[str, Value]  # the person's names and DOB, when the caller reads PII


def billable_services(store: Store, access: Access, asked: BillingQuery, codes: Mapping[tuple[int, int], BillingCode]
                      ) -> list[BillableService]:
    """The asked window's services to people who had Medicaid that day, by date and ServicesID."""
    person = resolve_with_records(store, [asked.client])[0][asked.client] if asked.client is not None else None
    within = _scope(store, access, asked)
    if within is not None and not within:
        return []
    given = {"pid": ox.Literal(person)} if person is not None else {}
    sparql = query("medicaid_services", given, values=(("day",), [(date_literal(d),) for d in asked.days()]))
    rows = list(store.select(sparql, substitutions=given, graphs=access.dataset(store, within)))
    periods: dict[str, list[CoveragePeriod]] = defaultdict(list)
    for period in coverage_periods(store, access, personal_ids=sorted({r["pid"].value for r in rows}),
                                   kinds=[MEDICAID]):
        periods[period.personal_id].append(period)
    billable = []
    for r in rows:
        day = dt.date.fromisoformat(r["day"].value)
        covering = [p for p in periods[r["pid"].value] if p.covers(day)]
        if covering:
            # the service's own enrollment's coverage first
            covering.sort(key=lambda p: p.enrollment_id != r["eid"].value)
            billable.append((r, day, covering[0]))
    projects = read_records(store, MODEL.tables["Project"],
                            sorted({iris.project_id(iris.project_of_graph(r["g"].value)) for r, _, _ in billable}),
                            access)
    organizations = read_records(store, MODEL.tables["Organization"], sorted(
        {str(v.record["OrganizationID"]) for v in projects.values() if "OrganizationID" in v.record}), access)
    people = read_records(store, MODEL.tables["Client"], sorted({r["pid"].value for r, _, _ in billable}),
                          access) if access.pii else {}
    record_types = MODEL.code_lists[MODEL.tables["Services"].by_name["RecordType"].code_list or ""].codes
    out = []
    for r, day, period in billable:
        project_id = iris.project_id(iris.project_of_graph(r["g"].value))
        project = projects.get(project_id)
        organization_id = str(project.record["OrganizationID"]) if project and "OrganizationID" in project.record \
            else None
        organization = organizations.get(organization_id or "")
        record_type, type_provided = int(r["recordType"].value), int(r["typeProvided"].value)
        type_list = _type_lists().get(str(record_type))
        shown = people.get(r["pid"].value)
        out.append(BillableService(
            services_id=r["key"].value, date=day, personal_id=r["pid"].value,
            client_id=r["clientId"].value if "clientId" in r else None, enrollment_id=r["eid"].value,
            project_id=project_id, project_name=_text(project, "ProjectName"),
            organization_id=organization_id, organization_name=_text(organization, "OrganizationName"),
            record_type=record_type, record_type_label=record_types.get(str(record_type)),
            type_provided=type_provided, type_provided_list=type_list,
            type_provided_label=MODEL.code_lists[type_list].codes.get(str(type_provided)) if type_list else None,
            code=codes.get((record_type, type_provided)), coverage=period,
            client={k: v for k, v in (shown.record if shown else {}).items()
                    if k in MODEL.tables["Client"].pii_fields and k != "SSN"},
        ))
    return sorted(out, key=lambda s: (s.date, s.services_id))


def _text(view: object, field: str) -> str | None:
    record = getattr(view, "record", None) or {}
    return str(record[field]) if field in record else None


def _scope(store: Store, access: Access, asked: BillingQuery) -> list[str] | None:
    """The graphs the asked project, organization or person's services sit in (None: all the
    caller reads). One the caller may not see has none, exactly as one that does not exist."""
    graphs: list[str] | None = None
    if asked.project is not None:
        found = read_records(store, MODEL.tables["Project"], [asked.project], access)
        graphs = [iris.graph_of_project(v.primary) for v in found.values()]
    elif asked.organization is not None:
        rows = store.select(f"SELECT ?p ?org WHERE {{ ?p a <{MODEL.tables['Project'].cls}> ; <{HMIS}OrganizationID> ?org }}",
                            substitutions={"org": ox.Literal(asked.organization)},
                            graphs=access.dataset(store, [iris.DIRECTORY]))
        graphs = [iris.graph_of_project(r["p"].value) for r in rows]
    if asked.client is not None:
        _, records = resolve_with_records(store, [asked.client])
        mine = {iris.client_record_graph(s) for s in records}
        graphs = sorted(mine if graphs is None else mine & set(graphs))
    if graphs is None:
        return None
    dataset = access.dataset(store, graphs)
    # the union reads every record graph: nothing to narrow
    return graphs if dataset is EVERY_GRAPH else [g for g in graphs if g in set(dataset)]
