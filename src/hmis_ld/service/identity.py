"""Persons (HMIS 5.08 PersonalID) and the client records linked to them.

A client record keeps its durable ClientID forever; which person it belongs to is a link
in the persons graph that deduplication and administrators own. A merge points the merged
person at the survivor (so its old PersonalID still resolves) and relabels the merged
person's records with the survivor's PersonalID, so reports count one person; a split does
the reverse for chosen records and marks the pair never to be linked automatically again.
Every change is one transaction with its history entry and its audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld import clock
from hmis_ld.authz import Access, audit
from hmis_ld.model import HMIS, iris
from hmis_ld.model.derived import CLIENT_ID
from hmis_ld.model.identity import MERGED_INTO, PERSON_CLASS, PERSON_LINK
from hmis_ld.model.schema import EXT, FORMER_CLIENT_ID, RDF_TYPE, XSD
from hmis_ld.service.concurrency import in_halves
from hmis_ld.service.problems import Conflict, FieldProblem, Invalid, NotFound
from hmis_ld.store import EVERY_GRAPH, Dataset, Row, Store

DO_NOT_LINK = EXT + "doNotLink"
EVENT = EXT + "IdentityEvent"
REVIEW = EXT + "MatchReview"
P = iris.PERSONS


def _lit(text: str) -> str:
    return str(ox.Literal(text))


def _now() -> ox.Literal:
    return ox.Literal(clock.now().isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))


def resolve_personal_ids(store: Store, personal_ids: Sequence[str]) -> dict[str, str]:
    """Each PersonalID's surviving person's PersonalID: itself, unless merged away."""
    return resolve_with_records(store, personal_ids)[0]


def resolve_with_records(store: Store, personal_ids: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each PersonalID's surviving person's PersonalID, and every client record of those
    persons (subject -> PersonalID), in one lookup of the persons graph. OPTIONALs keep the
    asked PersonalIDs the starting point (Oxigraph keeps a left join's order); only a merged
    person has a survivor, one hop away (MERGED_INTO), whose PersonalID to look up."""
    if not personal_ids:
        return {}, {}

    def select(part: Sequence[str]) -> list[Row]:
        values = " ".join(map(_lit, part))
        return list(store.select(
            f"SELECT ?asked ?now ?record WHERE {{ VALUES ?asked {{ {values} }} GRAPH <{P}> {{ "
            f"?asker <{HMIS}PersonalID> ?asked . "
            f"OPTIONAL {{ ?asker <{MERGED_INTO}> ?last . ?last <{HMIS}PersonalID> ?now }} "
            f"BIND(COALESCE(?last, ?asker) AS ?person) OPTIONAL {{ ?record <{PERSON_LINK}> ?person }} }} }}",
            graphs=[P]))

    rows = in_halves(personal_ids, select)
    resolved: dict[str, str] = {}
    records: dict[str, str] = {}
    for r in rows:
        now = r["now"].value if "now" in r else r["asked"].value
        resolved[r["asked"].value] = now
        if "record" in r:
            records[r["record"].value] = now
    return {p: resolved.get(p, p) for p in personal_ids}, records


@dataclass(frozen=True)
class ClientRecord:
    subject: str
    client_id: str
    graph: str


class Identity:
    def __init__(self, store: Store, source: str = iris.DEFAULT_SOURCE):
        self.store = store
        self.source = source

    # Resolution

    def resolve(self, personal_ids: Sequence[str]) -> dict[str, str]:
        return resolve_personal_ids(self.store, personal_ids)

    def records(self, personal_id: str) -> list[ClientRecord]:
        """Every client record of a person, visible or not: for administrators' merges and splits."""
        rows = self.store.select(
            f"SELECT ?r ?cid ?g ?pid WHERE {{ GRAPH <{P}> {{ ?p <{HMIS}PersonalID> ?pid . ?r <{PERSON_LINK}> ?p }} "
            f"GRAPH ?g {{ ?r <{CLIENT_ID}> ?cid }} }}", substitutions={"pid": ox.Literal(personal_id)},
            graphs=EVERY_GRAPH)  # an administrator's view of a person spans every graph
        return [ClientRecord(r["r"].value, r["cid"].value, r["g"].value) for r in rows]

    def record_by_client_id(self, client_id: str, graphs: Dataset) -> ClientRecord | None:
        """The client record with this ClientID (or one it had before `hmis-ld upgrade` keyed
        them) among `graphs`: a caller's lookup_dataset, so a record they may not see is not
        found, as one that does not exist is not."""
        # VALUES, not the path `a|b`: Oxigraph scanned every ClientID for the path (0.5 s at 10k clients)
        rows = list(self.store.select(
            f"SELECT ?r ?g ?cid ?now WHERE {{ VALUES ?p {{ <{CLIENT_ID}> <{FORMER_CLIENT_ID}> }} "
            f"GRAPH ?g {{ ?r ?p ?cid ; <{CLIENT_ID}> ?now }} }}", substitutions={"cid": ox.Literal(client_id)},
            graphs=graphs))
        return ClientRecord(rows[0]["r"].value, rows[0]["now"].value, rows[0]["g"].value) if rows else None

    def person_of(self, subject: str) -> str:
        rows = list(self.store.select(
            f"SELECT ?pid WHERE {{ GRAPH <{P}> {{ <{subject}> <{PERSON_LINK}> ?p . ?p <{HMIS}PersonalID> ?pid }} }}",
            graphs=[P]))
        if not rows:
            raise NotFound("Client")
        return rows[0]["pid"].value

    def never_linked(self, a: str, b: str) -> bool:
        return self.store.ask(
            f"ASK {{ GRAPH <{P}> {{ ?x <{HMIS}PersonalID> ?a . ?y <{HMIS}PersonalID> ?b . "
            f"{{ ?x <{DO_NOT_LINK}> ?y }} UNION {{ ?y <{DO_NOT_LINK}> ?x }} }} }}",
            substitutions={"a": ox.Literal(a), "b": ox.Literal(b)}, graphs=[P])

    # Changes

    def merge(self, survivor: str, merged: str, access: Access, *, reason: str = "admin") -> str:
        """Merge person `merged` into `survivor`; returns the survivor's PersonalID."""
        survivor, merged = self.resolve([survivor])[survivor], self.resolve([merged])[merged]
        if survivor == merged:
            raise Conflict("these PersonalIDs are already one person")
        for pid in (survivor, merged):
            if not self.records(pid):
                raise NotFound("person")
        if self.never_linked(survivor, merged):
            raise Conflict("these persons were split or rejected as a match: unlink the block first")
        moved = self.records(merged)
        s, m = self.person_node(survivor), self.person_node(merged)
        update = (
            f"DELETE {{ GRAPH ?g {{ ?r <{HMIS}PersonalID> {_lit(merged)} }} }} "
            f"INSERT {{ GRAPH ?g {{ ?r <{HMIS}PersonalID> {_lit(survivor)} }} }} "
            f"WHERE {{ GRAPH ?g {{ ?r <{HMIS}PersonalID> {_lit(merged)} }} FILTER(?g != <{P}>) }} ;\n"
            f"DELETE {{ GRAPH <{P}> {{ ?r <{PERSON_LINK}> <{m}> }} }} INSERT {{ GRAPH <{P}> {{ ?r <{PERSON_LINK}> <{s}> }} }} "
            f"WHERE {{ GRAPH <{P}> {{ ?r <{PERSON_LINK}> <{m}> }} }} ;\n"
            f"DELETE {{ GRAPH <{P}> {{ ?x <{MERGED_INTO}> <{m}> }} }} INSERT {{ GRAPH <{P}> {{ ?x <{MERGED_INTO}> <{s}> }} }} "
            f"WHERE {{ GRAPH <{P}> {{ ?x <{MERGED_INTO}> <{m}> }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{P}> {{ <{m}> <{MERGED_INTO}> <{s}> . "
            f"{self._event('merge', access, [s, m], [r.subject for r in moved], reason)} }} }} ;\n"
            + self._audit(access, "merge", moved)
        )
        self.store.update(update)
        return survivor

    def split(self, personal_id: str, client_ids: Sequence[str], access: Access) -> str:
        """Move the given client records (and everything recorded under them) to a new person,
        never to be linked to this one automatically again (this is also "unlink")."""
        personal_id = self.resolve([personal_id])[personal_id]
        chosen = self._chosen(personal_id, client_ids)
        new_pid = uuid.uuid4().hex
        new = self.person_node(new_pid)
        person = (f"INSERT DATA {{ GRAPH <{P}> {{ <{new}> <{RDF_TYPE}> <{PERSON_CLASS}> ; "
                  f"<{HMIS}PersonalID> {_lit(new_pid)} ; <{DO_NOT_LINK}> <{self.person_node(personal_id)}> }} }} ;\n")
        self._move(chosen, personal_id, new_pid, "split", access, person)
        return new_pid

    def link(self, client_id: str, personal_id: str, access: Access) -> str:
        """Move one client record (and everything recorded under it) to an existing person."""
        target = self.resolve([personal_id])[personal_id]
        found = self.record_by_client_id(client_id, EVERY_GRAPH)  # an administrator moves any record
        if found is None or not self.records(target):
            raise NotFound("client record or person")
        current = self.person_of(found.subject)
        if current == target:
            raise Conflict("the record already belongs to this person")
        if self.never_linked(current, target):
            raise Conflict("these persons were split or rejected as a match")
        self._move(self._chosen(current, [client_id]), current, target, "link", access, "")
        return target

    def _chosen(self, personal_id: str, client_ids: Sequence[str]) -> list[ClientRecord]:
        records = self.records(personal_id)
        chosen = [r for r in records if r.client_id in set(client_ids)]
        if not chosen or len(chosen) != len(set(client_ids)):
            raise Invalid([FieldProblem("ClientIDs", None, "name client records of this person")])
        if len(chosen) == len(records):
            raise Invalid([FieldProblem("ClientIDs", None, "the person must keep at least one record: merge instead")])
        return chosen

    def _move(self, chosen: Sequence[ClientRecord], old_pid: str, new_pid: str, operation: str, access: Access,
              prelude: str) -> None:
        """Relabel the records and their children with the new PersonalID and re-point their
        person links, with history and audit, in one update."""
        old, new = self.person_node(old_pid), self.person_node(new_pid)
        subjects = " ".join(f"<{r.subject}>" for r in chosen)
        relabel = "".join(
            f"DELETE {{ GRAPH <{g}> {{ ?x <{HMIS}PersonalID> {_lit(old_pid)} }} }} "
            f"INSERT {{ GRAPH <{g}> {{ ?x <{HMIS}PersonalID> {_lit(new_pid)} }} }} "
            f"WHERE {{ GRAPH <{g}> {{ {{ VALUES ?x {{ {subjects} }} }} "
            f"UNION {{ VALUES ?c {{ {subjects} }} ?x <{EXT}refClient> ?c }} "
            f"?x <{HMIS}PersonalID> {_lit(old_pid)} }} }} ;\n"
            for g in sorted({r.graph for r in chosen}))
        self.store.update(
            prelude + relabel
            + f"DELETE {{ GRAPH <{P}> {{ ?r <{PERSON_LINK}> <{old}> }} }} INSERT {{ GRAPH <{P}> {{ ?r <{PERSON_LINK}> <{new}> }} }} "
            f"WHERE {{ VALUES ?r {{ {subjects} }} GRAPH <{P}> {{ ?r <{PERSON_LINK}> <{old}> }} }} ;\n"
            f"INSERT DATA {{ GRAPH <{P}> {{ {self._event(operation, access, [old, new], [r.subject for r in chosen], 'admin')} }} }} ;\n"
            + self._audit(access, operation, chosen)
        )

    def block(self, a: str, b: str, access: Access) -> None:
        """Record that two persons are different people (a rejected match)."""
        pa, pb = self.person_node(a), self.person_node(b)
        records = [*self.records(a), *self.records(b)]
        self.store.update(f"INSERT DATA {{ GRAPH <{P}> {{ <{pa}> <{DO_NOT_LINK}> <{pb}> . "
                          f"{self._event('reject', access, [pa, pb], [], 'review')} }} }} ;\n"
                          + self._audit(access, "reject", records))

    def history(self, personal_id: str) -> list[dict[str, object]]:
        person = self.person_node(self.resolve([personal_id])[personal_id])
        rows = self.store.select(
            f"SELECT ?e ?op ?at ?by ?why (GROUP_CONCAT(DISTINCT ?pid; separator=' ') AS ?persons) WHERE {{ "
            f"GRAPH <{P}> {{ ?e a <{EVENT}> ; <{EXT}operation> ?op ; <{EXT}at> ?at ; <{EXT}by> ?by ; "
            f"<{EXT}candidate> ?c ; <{EXT}reason> ?why . ?c <{HMIS}PersonalID> ?pid . "
            f"?e <{EXT}candidate> ?me . ?me <{MERGED_INTO}>? <{person}> }} }} GROUP BY ?e ?op ?at ?by ?why ORDER BY ?at",
            graphs=[P])
        return [{"operation": r["op"].value, "at": r["at"].value, "by": r["by"].value, "reason": r["why"].value,
                 "persons": sorted(r["persons"].value.split())} for r in rows]

    # Helpers

    def person_node(self, personal_id: str) -> str:
        rows = list(self.store.select(
            f"SELECT ?p ?pid WHERE {{ GRAPH <{P}> {{ ?p <{HMIS}PersonalID> ?pid }} }}",
            substitutions={"pid": ox.Literal(personal_id)}, graphs=[P]))
        return rows[0]["p"].value if rows else iris.person_iri(self.source, personal_id)

    def _event(self, operation: str, access: Access, persons: Iterable[str], records: Iterable[str], why: str) -> str:
        node = f"<{iris.BASE}identity-event:{uuid.uuid4().hex}>"
        parts = [f"{node} <{RDF_TYPE}> <{EVENT}>", f"{node} <{EXT}operation> {_lit(operation)}",
                 f"{node} <{EXT}at> {_now()}", f"{node} <{EXT}by> {_lit(access.user_id)}",
                 f"{node} <{EXT}reason> {_lit(why)}"]
        parts += [f"{node} <{EXT}candidate> <{p}>" for p in persons]
        parts += [f"{node} <{EXT}record> <{r}>" for r in records]
        return " . ".join(parts) + " ."

    def _audit(self, access: Access, operation: str, records: Sequence[ClientRecord]) -> str:
        quads = audit.entry(access, operation, "Client", [(r.subject, r.client_id) for r in records],
                            ["PersonalID"])
        body = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
        return f"INSERT DATA {{ GRAPH <{iris.AUDIT}> {{ {body} }} }}"
