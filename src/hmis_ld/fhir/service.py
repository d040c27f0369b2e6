"""FHIR resources read through the caller's dataset.

A Patient is one client record (its durable ClientID is the id); everything recorded under it
sits in that record's graph and links to it (`ext:refClient`), so one lookup in that graph
finds it. Records are read with service.records (documents, the caller's dataset), persons
with service.identity, searches with the scenario service: a resource the caller may not see
is never found, exactly as a missing one is not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld import clock
from hmis_ld.authz import Access
from hmis_ld.fhir import resources as build
from hmis_ld.fhir.dates import DateTest
from hmis_ld.fhir.terms import code_list_of, code_system_url, fhir_id, key_of
from hmis_ld.model import HMIS, MODEL, Table, iris
from hmis_ld.model.derived import CLIENT_ID
from hmis_ld.model.identity import MERGED_INTO, PERSON_LINK
from hmis_ld.model.schema import EXT, RDF_TYPE
from hmis_ld.model.values import Value
from hmis_ld.service.coverage import coverage_periods
from hmis_ld.service.identity import Identity
from hmis_ld.service.paging import Page
from hmis_ld.service.problems import NotFound
from hmis_ld.service.records import RecordView, read_found, read_record, records_by_subject
from hmis_ld.service.scenarios import Scenarios, SearchCriteria
from hmis_ld.store import Store

Resource = build.Resource
CLIENT, ENROLLMENT, EXIT = MODEL.tables["Client"], MODEL.tables["Enrollment"], MODEL.tables["Exit"]
SERVICES, DISABILITIES, PROJECT = MODEL.tables["Services"], MODEL.tables["Disabilities"], MODEL.tables["Project"]
ORGANIZATION = MODEL.tables["Organization"]
# what a client record holds that the FHIR view shows, in the order $everything lists it
HELD = (ENROLLMENT, EXIT, SERVICES, DISABILITIES)
ORDER = ("Patient", "Organization", "HealthcareService", "EpisodeOfCare", "Encounter", "Condition",
         "Observation", "Coverage")
DISABILITY_YES = {1, 2, 3}  # 1 yes; for substance use also 2 alcohol, 3 drugs (4.10.2 and its substance list)


@dataclass(frozen=True)
class Shown:
    """Resources for an answer, and the client views whose identifiers they show (audited reads)."""

    resources: list[Resource]
    clients: list[RecordView]
    next_offset: int | None = None


@dataclass(frozen=True)
class Window:
    """$everything's start, end and _since."""

    start: dt.date | None = None
    end: dt.date | None = None
    since: dt.datetime | None = None

    def keeps(self, resource: Resource, begins: dt.date | None, ends: dt.date | None) -> bool:
        updated = resource.get("meta", {}).get("lastUpdated")  # type: ignore[union-attr]
        if self.since is not None and updated is not None and \
                dt.datetime.fromisoformat(str(updated).removesuffix("Z")) < self.since:
            return False
        if begins is None:
            return True
        return (self.end is None or begins <= self.end) and (self.start is None or (ends or dt.date.max) >= self.start)


@dataclass(frozen=True)
class Held:
    """A client record's own records in its graph, each table's by subject."""

    subject: str
    graph: str
    client_id: str
    records: Mapping[str, Mapping[str, Mapping[str, Value]]]


class FhirService:
    def __init__(self, store: Store, identity: Identity, scenarios: Scenarios, source: str):
        self.store, self.identity, self.scenarios, self.source = store, identity, scenarios, source

    # Patients

    def patient(self, client_id: str, access: Access) -> Shown:
        view, subject = self._client_record(client_id, access)
        return Shown([self._patients(view, access)[subject]], [view])

    def patients(self, criteria: SearchCriteria, access: Access, page: Page) -> Shown:
        """Scenario 1's search (exact-match keys): a page of persons, each with the client records
        the caller sees, one Patient each."""
        found = self.scenarios.search(criteria, access, page)
        resources = [r for view in found.items for _, r in sorted(self._patients(view, access).items())]
        return Shown(resources, list(found.items), found.next_offset)

    def patients_by_person(self, personal_id: str, access: Access) -> Shown:
        views = self.scenarios.search(SearchCriteria({"PersonalID": personal_id}), access, Page(1)).items
        return Shown([r for v in views for _, r in sorted(self._patients(v, access).items())], list(views))

    def _client_record(self, client_id: str, access: Access) -> tuple[RecordView, str]:
        """The person's view and the record's subject; a record the caller may not see is not found."""
        found = self.identity.record_by_client_id(client_id, access.lookup_dataset(self.store))
        view = None
        if found is not None:
            try:
                view = read_record(self.store, CLIENT, self.identity.person_of(found.subject), access)
            except NotFound:
                view = None
        if found is None or view is None or found.subject not in view.versions:
            raise NotFound("Patient")
        return view, found.subject

    def _client_ids(self, subjects: Mapping[str, str], access: Access) -> dict[str, str]:
        """ClientIDs of client records (subject -> graph), each read in its graph."""
        if not subjects:
            return {}
        order = sorted(subjects)
        rows = " ".join(f"(<{s}> <{subjects[s]}> {n})" for n, s in enumerate(order))
        found = self.store.select(f"SELECT ?n ?cid WHERE {{ VALUES (?c ?g ?n) {{ {rows} }} "
                                  f"GRAPH ?g {{ ?c <{CLIENT_ID}> ?cid }} }}",
                                  graphs=access.dataset(self.store, within=set(subjects.values())))
        return {order[int(r["n"].value)]: r["cid"].value for r in found}

    def _patients(self, view: RecordView, access: Access) -> dict[str, Resource]:
        ids = self._client_ids(dict(view.subjects), access)
        replaces = self._merged_into(view.key, list(ids))
        return {s: build.patient(view.versions[s], cid, self.source, build.PatientLinks(
            [ids[o] for o in sorted(ids) if o != s], replaces)) for s, cid in ids.items()}

    def _merged_into(self, personal_id: str, subjects: Sequence[str]) -> list[str]:
        """PersonalIDs of persons merged into this one whose merge moved a record the caller
        sees (a system read of the persons graph, narrowed to those records)."""
        if not subjects:
            return []
        values = " ".join(f"<{s}>" for s in subjects)
        rows = self.store.select(
            f"SELECT DISTINCT ?pid WHERE {{ VALUES ?r {{ {values} }} GRAPH <{iris.PERSONS}> {{ "
            f"?e <{EXT}record> ?r ; <{EXT}operation> \"merge\" ; <{EXT}candidate> ?m . "
            f"?r <{PERSON_LINK}> ?now . ?m <{MERGED_INTO}> ?now ; <{HMIS}PersonalID> ?pid }} }}", graphs=[iris.PERSONS])
        return sorted(r["pid"].value for r in rows if r["pid"].value != personal_id)

    def merged_patient(self, personal_id: str, access: Access) -> Shown:
        """A person merged into another, as an inactive Patient whose links name the survivor's
        client records the caller sees; there only for a caller who sees a record that merge
        moved (as the survivor's `replaces` link is), else not found like any missing Patient."""
        rows = list(self.store.select(
            f"SELECT ?pid ?r ?now ?at WHERE {{ GRAPH <{iris.PERSONS}> {{ ?m <{HMIS}PersonalID> ?pid ; <{MERGED_INTO}> ?s . "
            f"?s <{HMIS}PersonalID> ?now . ?e <{EXT}candidate> ?m ; <{EXT}operation> \"merge\" ; <{EXT}record> ?r ; "
            f"<{EXT}at> ?at . ?r <{PERSON_LINK}> ?s }} }}",
            substitutions={"pid": ox.Literal(personal_id)}, graphs=[iris.PERSONS]))
        views = self.scenarios.search(SearchCriteria({"PersonalID": rows[0]["now"].value}), access,
                                      Page(1)).items if rows else []
        seen = {s: g for view in views for s, g in view.subjects}
        if not seen.keys() & {r["r"].value for r in rows}:
            raise NotFound("Patient")
        ids = self._client_ids(seen, access)
        at = max(dt.datetime.fromisoformat(r["at"].value) for r in rows)
        return Shown([build.merged_patient(personal_id, [ids[s] for s in sorted(ids)], at, self.source)], [])

    # What a client record holds

    def held(self, client_id: str, access: Access) -> tuple[RecordView, Held]:
        view, subject = self._client_record(client_id, access)
        graph = dict(view.subjects)[subject]
        classes = ", ".join(f"<{t.cls}>" for t in HELD)
        rows = self.store.select(
            f"SELECT ?s ?type WHERE {{ GRAPH <{graph}> {{ ?s <{EXT}refClient> <{subject}> ; <{RDF_TYPE}> ?type }} "
            f"FILTER(?type IN ({classes})) }}", graphs=access.dataset(self.store, within=[graph]))
        by_table: dict[str, dict[str, str]] = defaultdict(dict)
        for r in rows:
            by_table[MODEL.by_class[r["type"].value].name][r["s"].value] = graph
        records = {t.name: {s: rec for s, rec in records_by_subject(self.store, t, by_table[t.name], access).items()
                            if "DateDeleted" not in rec} for t in HELD}
        cid = self._client_ids({subject: graph}, access)[subject]
        return view, Held(subject, graph, cid, records)

    def _context(self, held: Held, access: Access) -> Callable[[Mapping[str, Value]], build.EnrollmentContext]:
        """The context of each enrollment of a client record (its exit date from its Exit)."""
        exits = {str(r["EnrollmentID"]): r.get("ExitDate") for r in held.records["Exit"].values()}
        project = iris.project_of_graph(held.graph)
        project_id = iris.project_id(project)
        projects = read_found(self.store, PROJECT, {project: project_id}, access)
        org = next((str(v.record["OrganizationID"]) for v in projects.values()), None)
        contexts = {key: build.EnrollmentContext(held.client_id, project_id, org, end if isinstance(end, dt.date) else None)
                    for key, end in exits.items()}
        open_one = build.EnrollmentContext(held.client_id, project_id, org)

        def context(record: Mapping[str, Value]) -> build.EnrollmentContext:
            return contexts.get(str(record["EnrollmentID"]), open_one)
        return context

    def everything(self, client_id: str, access: Access, window: Window) -> Shown:
        """Patient/{id}/$everything: the Patient, its project and organization, and what the
        client record holds, in a stable order (ORDER, then id), within the window."""
        view, held = self.held(client_id, access)
        patient = self._patients(view, access)[held.subject]
        out = [patient, *self._directory(held, access)]
        out += [r for r, begins, ends in self._held_resources(held, access) if window.keeps(r, begins, ends)]
        out += [r for r, begins, ends in self._coverage(held, access) if window.keeps(r, begins, ends)]
        out.sort(key=lambda r: (ORDER.index(str(r["resourceType"])), str(r["id"])))
        return Shown(out, [view])

    def episodes(self, client_id: str, access: Access, dates: Sequence[DateTest]) -> list[Resource]:
        _, held = self.held(client_id, access)
        found = [r for r, begins, ends in self._held_resources(held, access)
                 if r["resourceType"] == "EpisodeOfCare" and begins is not None
                 and all(d.overlaps(begins, ends) for d in dates)]
        return sorted(found, key=lambda r: str(r["id"]))

    def _directory(self, held: Held, access: Access) -> list[Resource]:
        if not held.graph.startswith(iris.PROJECT_GRAPH_PREFIX):
            return []
        project = iris.project_of_graph(held.graph)
        found = read_found(self.store, PROJECT, {project: iris.project_id(project)}, access)
        out = [build.healthcare_service(v.record, self.source, clock.today()) for v in found.values()]
        orgs = {str(v.record["OrganizationID"]) for v in found.values()}
        for key in sorted(orgs):
            try:
                out.append(build.organization(read_record(self.store, ORGANIZATION, key, access).record, self.source))
            except NotFound:
                continue
        return out

    def _held_resources(self, held: Held, access: Access
                        ) -> list[tuple[Resource, dt.date | None, dt.date | None]]:
        """(resource, first day, last day) of everything under the record's enrollments."""
        context = self._context(held, access)
        enrollments = {str(r["EnrollmentID"]): r for r in held.records["Enrollment"].values()}
        out: list[tuple[Resource, dt.date | None, dt.date | None]] = []
        for record in enrollments.values():
            ctx = context(record)
            entry = record["EntryDate"]
            assert isinstance(entry, dt.date)
            out.append((build.episode_of_care(record, self.source, ctx), entry, ctx.exit_date))
            out.append((build.housing_status("entry", str(record["EnrollmentID"]), record.get("LivingSituation"),
                                             entry, record, ctx), entry, entry))
        for record in held.records["Exit"].values():
            enrollment = enrollments.get(str(record["EnrollmentID"]))
            day = record.get("ExitDate")
            if enrollment is not None and isinstance(day, dt.date):
                out.append((build.housing_status("exit", str(record["ExitID"]), record.get("Destination"), day,
                                                 record, context(enrollment)), day, day))
        for table, make, day_field in ((SERVICES, build.encounter, "DateProvided"),
                                       (DISABILITIES, build.condition, "InformationDate")):
            for record in held.records[table.name].values():
                enrollment = enrollments.get(str(record["EnrollmentID"]))
                if enrollment is None or (table is DISABILITIES and record.get("DisabilityResponse")
                                          not in DISABILITY_YES):
                    continue
                day = record.get(day_field)
                day = day if isinstance(day, dt.date) else None
                out.append((make(record, self.source, context(enrollment)), day, day))
        return out

    def _coverage(self, held: Held, access: Access) -> list[tuple[Resource, dt.date | None, dt.date | None]]:
        """Coverage periods (service.coverage) of this client record's enrollments."""
        enrollments = {str(r["EnrollmentID"]): r for r in held.records["Enrollment"].values()}
        if not enrollments:
            return []
        context = self._context(held, access)
        person = next(iter(enrollments.values()))["PersonalID"]
        project = iris.project_id(iris.project_of_graph(held.graph))
        out: list[tuple[Resource, dt.date | None, dt.date | None]] = []
        for p in coverage_periods(self.store, access, personal_ids=[str(person)], client_records={held.subject}):
            if p.project_id == project and p.enrollment_id in enrollments:
                resource = build.coverage(coverage_id(p.kind, p.start, p.enrollment_id), p.kind,
                                          _coverage_label(p.kind), p.start, p.end, p.updated,
                                          context(enrollments[p.enrollment_id]))
                last = p.end - dt.timedelta(days=1) if p.end is not None else None
                out.append((resource, p.start, last))
        return out

    def coverages(self, client_id: str, access: Access) -> list[Resource]:
        _, held = self.held(client_id, access)
        return sorted((r for r, _, _ in self._coverage(held, access)), key=lambda r: str(r["id"]))

    # Single resources by id

    def read(self, kind: str, resource_id: str, access: Access) -> Resource:
        """Any resource but Patient by its id; NotFound alike for a missing and a hidden one."""
        key = resource_id if kind == "CodeSystem" else key_of(resource_id)  # a code list's id is its own
        reader = {"Organization": self._organization, "HealthcareService": self._healthcare_service,
                  "CodeSystem": self._code_system}.get(kind)
        found = None
        if key is not None and reader is not None:
            found = reader(key, access)
        elif key is not None or kind in ("Observation", "Coverage"):
            found = self._held_resource(kind, resource_id, access)
        if found is None:
            raise NotFound(kind)
        return found

    def _organization(self, key: str, access: Access) -> Resource:
        return build.organization(read_record(self.store, ORGANIZATION, key, access).record, self.source)

    def _healthcare_service(self, key: str, access: Access) -> Resource:
        return build.healthcare_service(read_record(self.store, PROJECT, key, access).record, self.source,
                                        clock.today())

    def _code_system(self, key: str, access: Access) -> Resource | None:
        found = code_list_of(key)
        if found is None:
            return None
        return build.code_system(found.id, f"HMIS_{found.id}", code_system_url(found.id), found.codes, key)

    def _held_resource(self, kind: str, resource_id: str, access: Access) -> Resource | None:
        """A resource below an enrollment: find its record, then build it as $everything does
        from its client record's holdings (the same mapping, the same context)."""
        table, key = _record_of(kind, resource_id)
        if table is None or key is None:
            return None
        try:
            view = read_record(self.store, table, key, access)
        except NotFound:
            return None
        graph = dict(view.subjects)[view.primary]
        rows = self.store.select(
            f"SELECT ?cid WHERE {{ GRAPH <{graph}> {{ <{view.primary}> <{EXT}refClient> ?c . ?c <{CLIENT_ID}> ?cid }} }}",
            graphs=access.dataset(self.store, within=[graph]))
        for row in rows:
            _, held = self.held(row["cid"].value, access)
            for resource, _, _ in [*self._held_resources(held, access), *self._coverage(held, access)]:
                if resource["resourceType"] == kind and resource["id"] == resource_id:
                    return resource
        return None


def coverage_id(kind: str, start: dt.date, enrollment_id: str) -> str:
    """`{kind}-{YYYYMMDD}-{EnrollmentID as a FHIR id}`, read back by _record_of; past FHIR's 64
    characters a digest, which search and $everything still find."""
    plain = f"{kind}-{start:%Y%m%d}-{fhir_id(enrollment_id)}"
    return plain if len(plain) <= 64 else "h-" + hashlib.sha256(plain.encode()).hexdigest()[:40]


def _coverage_label(kind: str) -> str:
    return {"VHAServices": "Veterans Health Administration", "SCHIP": "State Children's Health Insurance Program",
            "EmployerProvided": "Employer-provided health insurance", "COBRA": "Health insurance through COBRA",
            "PrivatePay": "Private pay health insurance", "StateHealthIns": "State health insurance for adults",
            "IndianHealthServices": "Indian Health Services program", "OtherInsurance": "Other health insurance",
            }.get(kind, kind)


def _record_of(kind: str, resource_id: str) -> tuple[Table | None, str | None]:
    if kind == "Coverage":
        parts = resource_id.split("-", 2)
        return (ENROLLMENT, key_of(parts[2])) if len(parts) == 3 else (None, None)
    if kind == "Observation":
        prefix, _, rest = resource_id.partition("-")
        table = {"entry": ENROLLMENT, "exit": EXIT}.get(prefix)
        return table, key_of(rest) if table is not None else None
    table = {"EpisodeOfCare": ENROLLMENT, "Encounter": SERVICES, "Condition": DISABILITIES}.get(kind)
    return table, key_of(resource_id) if table is not None else None

