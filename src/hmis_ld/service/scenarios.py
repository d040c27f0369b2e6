"""HUD's baseline scenarios, each a SPARQL template in `queries/` run on the caller's dataset.

Parameters are bound with substitutions (never pasted into query text); only LIMIT and
OFFSET, which this module computes as integers, are appended. The templates' own language
(guarded lines, projections, VALUES blocks) is `templates`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld.authz import Access
from hmis_ld.model import HMIS, MODEL, Table, activity, iris
from hmis_ld.model.derived import NAME_KEYS, PREFIX_LENGTH, SEARCH_FIELDS, SSN_LAST4, name_key, prefix_iri
from hmis_ld.model.schema import EXT, RDF_TYPE
from hmis_ld.model.values import Value, date_literal, datetime_literal
from hmis_ld.service.concurrency import READS
from hmis_ld.service.identity import resolve_with_records
from hmis_ld.service.paging import Page, PageOf, paged
from hmis_ld.service.records import (
    RecordView,
    client_views,
    read_found,
    read_record,
    read_records,
    records_by_subject,
)
from hmis_ld.service.templates import query
from hmis_ld.store import Row, Store

XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
PROJECT = MODEL.tables["Project"]


def _date(value: dt.date | None) -> ox.Literal | None:
    return None if value is None else date_literal(value)


def _int(value: int | None) -> ox.Literal | None:
    return None if value is None else ox.Literal(str(value), datatype=XSD_INTEGER)


def _str(value: str | None) -> ox.Literal | None:
    return None if value is None else ox.Literal(value)


@dataclass(frozen=True)
class SearchCriteria:
    """Scenario 1's criteria by Client field (`SEARCH_FIELDS`): text, a date for DOB, and for SSN
    nine digits or the last four."""

    given: Mapping[str, str | dt.date]

    def __post_init__(self) -> None:
        unknown = self.given.keys() - set(SEARCH_FIELDS)
        if unknown:
            raise ValueError(f"not search fields: {sorted(unknown)}")

    def text(self, name: str) -> str | None:
        value = self.given.get(name)
        return value if isinstance(value, str) and value else None

    @property
    def dob(self) -> dt.date | None:
        value = self.given.get("DOB")
        return value if isinstance(value, dt.date) else None

    def name_key(self, name: str) -> str | None:
        """A name as searched; None when nothing searchable is left once normalized ("-" is not)."""
        text = self.text(name)
        return (name_key(text) or None) if text else None

    def is_empty(self) -> bool:
        return not any(self.name_key(n) if n in NAME_KEYS else self.given.get(n) for n in SEARCH_FIELDS)


class Scenarios:
    def __init__(self, store: Store):
        self.store = store

    def _select(self, name: str, access: Access, page: Page | None = None, *,
                among: tuple[str, list[tuple[ox.NamedNode | ox.Literal, ...]]] | None = None, distinct: str | None = None,
                within: list[str] | None = None, **bindings: ox.Literal | ox.NamedNode | None) -> list[Row]:
        """`among` ("var1 var2", rows of terms) runs the template for many values of some
        variables at once, as a VALUES block the planner sees (terms from the store or built by
        `iris`, written by pyoxigraph); when one of them is ?g, the template names every graph
        it reads through ?g and runs on those graphs alone (see Access.dataset), as it does on
        `within` for a template that names its graphs itself. `distinct` projects the template
        to the distinct values of one variable."""
        given = {k: v for k, v in bindings.items() if v is not None}
        values = (among[0].split(), among[1]) if among is not None else None
        if values is not None and "g" in values[0]:
            within = list(dict.fromkeys(row[values[0].index("g")].value for row in values[1]))
        sparql = query(name, given, distinct=None if distinct is None else (distinct, *bindings), values=values)
        sparql += page.clause() if page else ""
        return list(self.store.select(sparql, substitutions=given, graphs=access.dataset(self.store, within)))

    # Scenario 1
    def search(self, criteria: SearchCriteria, access: Access, page: Page) -> PageOf:
        first, last = criteria.name_key("FirstName"), criteria.name_key("LastName")
        personal_id, dob, digits = criteria.text("PersonalID"), criteria.dob, criteria.text("SSN")
        ssn = digits if digits and len(digits) == 9 else None
        ssn4 = digits if digits and len(digits) == 4 else None
        identifying = any((first, last, dob, digits))
        if identifying and not access.pii:
            # identifiers and their search keys sit in PII graphs, outside this caller's dataset:
            # the template would find nothing, after a lookup in each of up to 670 graphs
            return PageOf([], None)
        if not identifying:
            # a PersonalID alone is a point lookup, as GET /clients/{id} (a merged PersonalID finds
            # its survivor): the template's lookups are unnamed, so in a dataset of 670 graphs it took
            # 400 ms at 100k clients
            view = read_records(self.store, MODEL.tables["Client"], [str(personal_id)], access).get(
                str(personal_id))
            return PageOf([view] if view is not None and not view.deleted and page.offset == 0 else [], None)
        anchors = [
            (ssn, HMIS + "SSN"), (personal_id, HMIS + "PersonalID"), (ssn4, SSN_LAST4),
            (dob.isoformat() if dob else None, HMIS + "DOB"),
            (last[:PREFIX_LENGTH] if last else None, prefix_iri("LastName")),
            (first[:PREFIX_LENGTH] if first else None, prefix_iri("FirstName")),
        ]
        value, predicate = next((v, p) for v, p in anchors if v)
        anchor = _date(dob) if predicate == HMIS + "DOB" else ox.Literal(value)
        rows = self._select(
            "client_search", access, page,
            anchorP=ox.NamedNode(predicate), anchorV=anchor, personalId=_str(personal_id),
            ssn=_str(ssn), ssn4=_str(ssn4), dob=_date(dob),
            first=_str(first), first4=_str(first[:PREFIX_LENGTH] if first else None),
            last=_str(last), last4=_str(last[:PREFIX_LENGTH] if last else None),
        )
        result = paged([r["pid"].value for r in rows], page)
        views = read_records(self.store, MODEL.tables["Client"], result.items, access)
        return PageOf([views[pid] for pid in result.items if pid in views], result.next_offset)

    # Scenarios 3 and 4
    def project_clients(self, project_id: str, access: Access, page: Page, *, entry_from: dt.date | None,
                        exit_to: dt.date | None) -> PageOf:
        project = read_record(self.store, PROJECT, project_id, access)
        rows = self._select("project_clients", access, page, among=("project g", _in_graphs([project.primary])),
                            entryFrom=_date(entry_from), exitTo=_date(exit_to), asOf=None)
        result = paged(rows, page)
        views = read_records(self.store, MODEL.tables["Client"], sorted({r["pid"].value for r in result.items}),
                             access)
        items = [
            (views[r["pid"].value], r["entry"].value, r["exit"].value if "exit" in r else None)
            for r in result.items if r["pid"].value in views
        ]
        return PageOf(items, result.next_offset)

    # Scenario 5
    def client_enrollments(self, personal_id: str, access: Access, page: Page, *, project_id: str | None,
                           entry_from: dt.date | None, exit_to: dt.date | None) -> PageOf:
        client = read_record(self.store, MODEL.tables["Client"], personal_id, access)
        # each client record links to the enrollments of its own graph's project
        project_of = {s: iris.project_of_graph(g) for s, g in client.subjects}
        records = _client_records(s for s, p in project_of.items() if project_id in (None, iris.project_id(p)))
        rows = self._select("client_enrollments", access, page, among=("client g", records),
                            entryFrom=_date(entry_from), exitTo=_date(exit_to), asOf=None)
        result = paged(rows, page)
        enrollments = records_by_subject(
            self.store, MODEL.tables["Enrollment"],
            {r["enrollment"].value: iris.client_record_graph(r["client"].value) for r in result.items}, access)
        projects = {project_of[r["client"].value] for r in result.items}
        names = _project_names(read_found(self.store, PROJECT, {p: iris.project_id(p) for p in projects}, access))
        items = []
        for r in result.items:
            record: dict[str, Value | None] = dict(enrollments.get(r["enrollment"].value, {}))
            if record:
                record["ProjectName"] = names.get(str(record["ProjectID"]))
                record["ExitDate"] = dt.date.fromisoformat(r["exit"].value) if "exit" in r else None
                items.append(record)
        return PageOf(items, result.next_offset)

    # Scenarios 6 and 7
    def projects(self, access: Access, page: Page, *, funder: int | None, project_type: int | None,
                 coc: str | None, start_from: dt.date | None, end_to: dt.date | None) -> PageOf:
        rows = self._projects(access, page, funder=funder, project_type=project_type, coc=coc,
                              start_from=start_from, end_to=end_to)
        return self._found_page(PROJECT, [(r["project"].value, iris.project_id(r["project"].value)) for r in rows],
                                page, access)

    def _found_page(self, table: Table, found: list[tuple[str, str]], page: Page, access: Access, *,
                    graphs: dict[str, str] | None = None) -> PageOf:
        """A page of the records a template found, as (subject, key) rows (see read_found on `graphs`)."""
        result = paged(found, page)
        views = read_found(self.store, table, dict(result.items), access, graphs=graphs)
        return PageOf([views[k] for _, k in result.items if k in views], result.next_offset)

    def _projects(self, access: Access, page: Page | None, *, funder: int | None, project_type: int | None,
                  coc: str | None = None, start_from: dt.date | None = None, end_to: dt.date | None = None
                  ) -> list[Row]:
        """The template looks up the most selective criterion given first (its anchor) and
        tests the others."""
        if funder is not None:
            anchor: tuple[str, ox.Literal | ox.NamedNode] = (EXT + "funder", _int(funder))
        elif project_type is not None:
            anchor, project_type = (HMIS + "ProjectType", _int(project_type)), None
        else:
            anchor = (RDF_TYPE, ox.NamedNode(PROJECT.cls))
        return self._select("projects_by_funder_and_type", access, page, within=[iris.DIRECTORY],
                            anchorP=ox.NamedNode(anchor[0]), anchorV=anchor[1], projectType=_int(project_type),
                            coc=_str(coc), startFrom=_date(start_from), endTo=_date(end_to))

    # Scenarios 8 and 9
    def clients(self, access: Access, page: Page, *, funder: int | None, project_type: int | None,
                entry_from: dt.date | None, exit_to: dt.date | None, as_of: dt.date | None) -> PageOf:
        """A page of clients, each with its enrollments in the funder's (or type's) projects."""
        projects = self._projects(access, None, funder=funder, project_type=project_type)
        if not projects:
            return PageOf([], None)
        dates = {"entryFrom": _date(entry_from), "exitTo": _date(exit_to), "asOf": _date(as_of)}
        funding = _in_graphs([r["project"].value for r in projects])
        until = activity.buckets(as_of) if as_of is not None else None
        among = ("g until", [(g, u) for _, g in funding for u in until]) if until else ("project g", funding)
        rows = self._select("project_clients", access, page, among=among, distinct="pid", **dates)
        result = paged([r["pid"].value for r in rows], page)
        resolution = resolve_with_records(self.store, result.items)
        funded = {r["project"].value: iris.project_id(r["project"].value) for r in projects}
        # a client record in a project's graph links to the enrollments in that project only; the
        # query runs on the caller's dataset, so a record the caller may not see finds none
        project_in = {iris.graph_of_project(project): project for project in funded}
        of_record = {s: (pid, project_in[g]) for s, pid in resolution[1].items()
                     if (g := iris.client_record_graph(s)) in project_in}
        # the two reads overlap (clients Funder=3 at 100k: 3.5 -> 2.6 ms for both)
        enrolling = READS.submit(self._select, "client_enrollments", access,
                                 among=("client g", _client_records(of_record)), **dates)
        clients = client_views(self.store, result.items, resolution, access, halves=False)
        enrolled = enrolling.result()
        used = {of_record[r["client"].value][1] for r in enrolled}
        names = _project_names(read_found(self.store, PROJECT, {p: funded[p] for p in used}, access))
        enrollments = defaultdict(list)
        for r in enrolled:
            person, project = of_record[r["client"].value]
            enrollments[person].append({
                "EnrollmentID": iris.record_key(r["enrollment"].value), "ProjectID": funded[project],
                "ProjectName": names.get(funded[project]), "EntryDate": r["entry"].value,
                "ExitDate": r["exit"].value if "exit" in r else None})
        return PageOf([(clients[pid], enrollments[clients[pid].key]) for pid in result.items if pid in clients],
                      result.next_offset)

    # Scenario 10
    def client_changes(self, personal_id: str, access: Access, *, since: dt.datetime, until: dt.datetime
                       ) -> list[dict[str, Value | str | None]]:
        client = read_record(self.store, MODEL.tables["Client"], personal_id, access, include_deleted=True)
        rows = self._select("client_changes", access, among=("g", _graphs_of(client)), pid=ox.Literal(client.key),
                            since=datetime_literal(since), until=datetime_literal(until))
        changes = []
        subjects: dict[str, dict[str, str]] = defaultdict(dict)
        for r in rows:
            table = MODEL.by_class.get(r["type"].value)
            if table is not None:
                subjects[table.name][r["record"].value] = r["g"].value
        documents = {name: records_by_subject(self.store, MODEL.tables[name], subs, access)
                     for name, subs in subjects.items()}
        seen = set()
        for name, docs in documents.items():
            table = MODEL.tables[name]
            for record in docs.values():
                key = str(record[table.key])
                if (name, key) in seen:
                    continue  # a person's client records in two projects are one client
                seen.add((name, key))
                created = record.get("DateCreated")
                change = "deleted" if "DateDeleted" in record else (
                    "created" if created is not None and created >= since else "updated")
                entry: dict[str, Value | str | None] = {
                    "RecordType": name, "RecordID": key, "Change": change, "DateUpdated": record["DateUpdated"],
                }
                for extra in ("EnrollmentID", "ProjectID", "EntryDate", "ExitDate", "Destination", "DateDeleted"):
                    if extra in record and extra != table.key:
                        entry[extra] = record[extra]
                changes.append(entry)
        return sorted(changes, key=lambda c: (str(c["DateUpdated"]), str(c["RecordType"]), str(c["RecordID"])),
                      reverse=True)

    # Scenario 11
    def client_services(self, personal_id: str, access: Access, page: Page, *, date_from: dt.date | None,
                        date_to: dt.date | None) -> PageOf:
        client = read_record(self.store, MODEL.tables["Client"], personal_id, access)
        rows = self._select("client_services", access, page, among=("g", _graphs_of(client)),
                            pid=ox.Literal(client.key), **{"from": _date(date_from), "to": _date(date_to)})
        return self._found_page(MODEL.tables["Services"], [(r["service"].value, r["key"].value) for r in rows],
                                page, access, graphs={r["service"].value: r["g"].value for r in rows})


def _project_names(projects: dict[str, RecordView]) -> dict[str, str]:
    """Names read once per project rather than once per enrollment."""
    return {k: str(v.record["ProjectName"]) for k, v in projects.items() if "ProjectName" in v.record}


def _client_records(subjects: Iterable[str]) -> list[tuple[ox.NamedNode, ox.NamedNode]]:
    """Client records with their graphs, for a VALUES block (ordered, so a page's query text
    is stable)."""
    return [(ox.NamedNode(s), ox.NamedNode(iris.client_record_graph(s))) for s in sorted(set(subjects))]


def _in_graphs(projects: Iterable[str]) -> list[tuple[ox.NamedNode, ox.NamedNode]]:
    """Projects with the graph of their enrollments, for a VALUES block."""
    return [(ox.NamedNode(p), ox.NamedNode(iris.graph_of_project(p))) for p in projects]


def _graphs_of(client: RecordView) -> list[tuple[ox.NamedNode]]:
    """The graphs of a person's client records the caller sees, for a VALUES block: every
    record of the person sits in one of them."""
    return [(ox.NamedNode(g),) for g in sorted({g for _, g in client.subjects})]
