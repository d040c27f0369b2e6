"""Create, update and soft-delete records: one transaction each, checked first by value
parsing and then by SHACL; nothing is stored when either fails. Every write is audited in
the same transaction, and the facts other records keep about it are rewritten with it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping

import pyoxigraph as ox

from hmis_ld import clock
from hmis_ld.authz import SYSTEM, Access, audit
from hmis_ld.model import MODEL, Table, activity, iris
from hmis_ld.model.derived import client_id
from hmis_ld.model.identity import client_id_key, person_link_quad, person_quads
from hmis_ld.model.ownership import replace_records
from hmis_ld.model.records import Placement, record_quads
from hmis_ld.model.schema import SYSTEM_FIELDS
from hmis_ld.model.values import Value
from hmis_ld.service.body import parse_body
from hmis_ld.service.problems import Conflict, FieldProblem, Invalid, NotFound, PreconditionFailed
from hmis_ld.service.records import CLIENT, RecordView, key_lookup, read_record
from hmis_ld.store import EVERY_GRAPH, Store
from hmis_ld.validation import Finding, RecordValidator

API_EXPORT_ID = "hmis-ld-api"


class RecordWriter:
    """Creates, updates and soft-deletes records; one transaction each."""

    def __init__(self, store: Store, validator: RecordValidator, source: str = iris.DEFAULT_SOURCE):
        self.store = store
        self.validator = validator
        self.source = source
        self.client_key = client_id_key(store)

    def create(self, table: Table, body: object, access: Access, *, owner_project: str | None = None,
               personal_id: str | None = None) -> tuple[RecordView, list[Finding]]:
        """`personal_id`: a new client record of an existing person (deduplication found them)."""
        values = parse_body(table, body, partial=False)
        if values.get(table.key) is not None and access.write is not None:
            # Only system-wide writers choose keys: for anyone else a taken key would reveal
            # a record they may not see.
            raise Invalid([FieldProblem(table.key, None, "assigned by the server: leave it out")])
        chosen = values.get(table.key)
        key = personal_id or str(chosen or uuid.uuid4().hex)
        if personal_id is None and chosen is not None and self._exists(table, key):
            raise Conflict(f"{table.name} {key} already exists")
        now = clock.now()
        record: dict[str, Value] = {k: v for k, v in values.items() if v is not None}
        record.update({"DateCreated": now, "ExportID": API_EXPORT_ID, **_stamp(table, access, now), table.key: key})
        record = {f.name: record[f.name] for f in table.fields if f.name in record}
        graph = self.target_graph(table, record, access, owner_project)
        placement = Placement(self.source, graph, self.client_key)
        quads = record_quads(table, record, placement)
        if table.name == "Client":
            quads += [person_link_quad(placement, key), *person_quads(self.source, key)]
        if table.name == "Enrollment":
            quads += self._client_copy(str(record["PersonalID"]), graph, access)
        warnings = self._validate(table, quads, access)
        trail = audit.entry(access, "create", table.name, [(placement.subject(table, key), key)], record)
        replace_records(self.store, [], MODEL.ownership, quads + trail, activity.refresh(quads))
        return read_record(self.store, table, key, access), warnings

    def update(self, table: Table, key: str, body: object, access: Access, *, if_match: str | None = None
               ) -> tuple[RecordView, list[Finding]]:
        with self.store.lock(_record_lock(table, key)):  # If-Match is checked and the write made as one step
            return self.update_view(read_record(self.store, table, key, access), body, access, if_match=if_match)

    def update_view(self, view: RecordView, body: object, access: Access, *, if_match: str | None = None
                    ) -> tuple[RecordView, list[Finding]]:
        """Partial update of the records behind a view: omitted fields stay, null clears."""
        table, key = view.table, view.key
        _check_precondition(view, if_match)
        values = parse_body(table, body, partial=True)
        if table.key in values and str(values[table.key]) != key:
            raise Invalid([FieldProblem(table.key, values[table.key], "the key of a record cannot change")])
        if table.scope == "project":
            for link in table.links:
                if link.field in values and values[link.field] != view.record.get(link.field):
                    raise Invalid([FieldProblem(link.field, values[link.field],
                                                "a client-level record cannot move to another parent")])
        missing = [f.name for f in table.fields if f.required and f.name not in SYSTEM_FIELDS
                   and f.name in values and values[f.name] is None]
        if missing:
            raise Invalid([FieldProblem(name, None, "required: it cannot be cleared") for name in missing])
        return self._rewrite(view, {**values, **_stamp(table, access, clock.now())}, access, "update")

    def delete(self, table: Table, key: str, access: Access, *, if_match: str | None = None) -> None:
        with self.store.lock(_record_lock(table, key)):
            view = read_record(self.store, table, key, access)
            _check_precondition(view, if_match)
            now = clock.now()
            self._rewrite(view, {"DateDeleted": now, **_stamp(table, access, now)}, access, "delete")

    def _rewrite(self, view: RecordView, changes: Mapping[str, Value | None], access: Access, operation: str
                 ) -> tuple[RecordView, list[Finding]]:
        """Apply changes to every record of the view the caller may write, atomically."""
        table = view.table
        writable = [(s, g) for s, g in view.subjects if access.may_write(g)]
        if not writable:
            raise NotFound(table.name, view.key)
        if len({_content(view.versions[s]) for s, _ in writable}) > 1:
            raise Conflict("this PersonalID links client records that differ; update one of them at "
                           "/api/v1/clientrecords/{ClientID} (ClientIDs: "
                           + ", ".join(client_id(s, self.client_key) for s, _ in writable) + ")")
        merged = {**self._whole(view, access), **changes}
        record = {f.name: merged[f.name] for f in table.fields if merged.get(f.name) is not None}
        quads: list[ox.Quad] = []
        for subject, graph in writable:
            placement = Placement(self.source, graph, self.client_key)
            quads += record_quads(table, record, placement, subject)
            if table.name == "Client":
                quads.append(person_link_quad(placement, view.key, subject))
        warnings = self._validate(table, quads, access)
        trail = audit.entry(access, operation, table.name, [(s, view.key) for s, _ in writable], changes)
        replace_records(self.store, [s for s, _ in writable], MODEL.ownership, quads + trail, activity.refresh(quads))
        return read_record(self.store, table, view.key, access, include_deleted=True), warnings

    def _whole(self, view: RecordView, access: Access) -> dict[str, Value]:
        """The view's record with the fields the caller may not see: names, SSN and DOB must
        survive a rewrite or a copy made by someone without pii:read."""
        if access.pii or not view.table.has_pii:
            return view.record
        hidden = read_record(self.store, view.table, view.key, SYSTEM, include_deleted=True).versions
        return {**hidden.get(view.primary, {}), **view.record}

    def _validate(self, table: Table, quads: list[ox.Quad], access: Access) -> list[Finding]:
        findings = self.validator.validate(table, quads, self.store, access.dataset(self.store))
        violations = [f for f in findings if f.severity == "Violation"]
        if violations:
            raise Invalid([FieldProblem(f.field, f.value, f.message, f.severity) for f in violations])
        return findings

    def _exists(self, table: Table, key: str) -> bool:
        return self.store.ask(f"ASK {{ {key_lookup(table)} }}", substitutions={"key": ox.Literal(key)},
                              # only system-wide writers choose keys (see create): taken wherever it is
                              graphs=EVERY_GRAPH)

    def target_graph(self, table: Table, record: Mapping[str, Value], access: Access,
                     owner_project: str | None) -> str:
        """Where a new record goes: its parent's graph, or for a client the named project."""
        if table.scope != "project":
            graph = iris.system_graph(table.scope)
        elif table.name == "Client":
            if owner_project:
                self._visible(MODEL.tables["Project"], owner_project, access, "ProjectID")
                graph = iris.project_graph(self.source, owner_project)
            else:
                graph = iris.source_graph(self.source)
        elif table.name == "Enrollment":
            self._visible(MODEL.tables["Project"], str(record["ProjectID"]), access, "ProjectID")
            graph = iris.project_graph(self.source, str(record["ProjectID"]))
        else:
            parent_field = "AssessmentID" if "AssessmentID" in table.link_by_field else "EnrollmentID"
            parent = MODEL.tables[table.link_by_field[parent_field].target]
            graph = self._visible(parent, str(record[parent_field]), access, parent_field).subjects[0][1]
        if not access.may_write(graph):
            raise Invalid([FieldProblem(None, None, "you may not write records there")], status=403)
        return graph

    def _visible(self, table: Table, key: str, access: Access, field_name: str) -> RecordView:
        try:
            return read_record(self.store, table, key, access)
        except NotFound:
            raise Invalid([FieldProblem(field_name, key, f"no such {table.name}")]) from None

    def _client_copy(self, personal_id: str, graph: str, access: Access) -> list[ox.Quad]:
        """An enrollment's project holds its own record of the client (copied from the newest one)."""
        client = self._visible(CLIENT, personal_id, access, "PersonalID")
        if any(g == graph for _, g in client.subjects):
            return []
        placement = Placement(self.source, graph, self.client_key)
        return [*record_quads(CLIENT, self._whole(client, access), placement),
                person_link_quad(placement, personal_id)]


def _record_lock(table: Table, key: str) -> str:
    """The store lock of a record's read-check-write: processes sharing the store take turns."""
    return f"record:{table.name}:{key}"


def _check_precondition(view: RecordView, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() != "*" and view.etag not in [t.strip() for t in if_match.split(",")]:
        raise PreconditionFailed()


def _content(record: Mapping[str, Value]) -> str:
    return json.dumps({k: str(v) for k, v in record.items() if k not in SYSTEM_FIELDS}, sort_keys=True)


def _stamp(table: Table, access: Access, now: dt.datetime) -> dict[str, Value]:
    """Who wrote the record (HMIS 5.07) and when; a User record's UserID is its key, not a stamp."""
    return {"DateUpdated": now} | ({} if table.key == "UserID" else {"UserID": access.user_id})

