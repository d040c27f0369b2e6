"""Deduplication on intake: match, then create or link, in one step no other intake can
interleave with; and the review queue where a person decides the uncertain cases.

Candidates are client records sharing a blocking key (indexed triples, so the cost stays
flat as the store grows), read within the caller's own graphs: a record the caller may not
see is never a candidate for them, so their answer is the same as for a new person. Such a
match is still found with system rights afterwards and queued for an administrator.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from hmis_ld import clock
from hmis_ld.authz import SYSTEM, Access
from hmis_ld.dedup import DEFAULT_CONFIG, Match, MatchConfig, blocking_keys, match
from hmis_ld.model import MODEL, iris
from hmis_ld.model.derived import BLOCKING_KEY, CLIENT_ID
from hmis_ld.model.schema import EXT, HMIS, RDF_TYPE, XSD
from hmis_ld.model.values import Value
from hmis_ld.service.body import parse_body
from hmis_ld.service.identity import REVIEW, Identity
from hmis_ld.service.problems import NotFound
from hmis_ld.service.records import RecordView, read_records
from hmis_ld.service.writer import RecordWriter
from hmis_ld.store import EVERY_GRAPH
from hmis_ld.validation import Finding

CLIENT = MODEL.tables["Client"]
MAX_CANDIDATES = 200


@dataclass
class Intake:
    """The outcome of creating a client with matching."""

    view: RecordView
    created: bool
    grade: str | None = None
    review: str | None = None
    warnings: list[Finding] = field(default_factory=list)


class Deduplicator:
    def __init__(self, writer: RecordWriter, identity: Identity, config: MatchConfig | None = None):
        self.writer = writer
        self.store = writer.store
        self.identity = identity
        self.config = config or self._calibrated()

    def _calibrated(self) -> MatchConfig:
        """The prior odds that two records are one person fall as the store grows: about one
        in the number of client records (counted at start-up)."""
        # a count for calibration, never shown: every client record, whoever may read it
        rows = self.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c <{CLIENT_ID}> ?id }}", graphs=EVERY_GRAPH)
        count = max(int(next(rows)["n"].value), 2 ** 12)
        return replace(DEFAULT_CONFIG, prior_log2_odds=-math.log2(count))

    def candidates(self, incoming: Mapping[str, Value | None], access: Access) -> dict[str, dict[str, Value]]:
        """Visible client records sharing a blocking key, by PersonalID."""
        keys = blocking_keys({k: v for k, v in incoming.items() if v is not None})
        if not keys:
            return {}
        values = " ".join(str(ox.Literal(k)) for k in sorted(keys))
        rows = self.store.select(
            f"SELECT DISTINCT ?pid WHERE {{ VALUES ?k {{ {values} }} ?c <{BLOCKING_KEY}> ?k ; <{HMIS}PersonalID> ?pid }}"
            f" LIMIT {MAX_CANDIDATES}", graphs=access.dataset(self.store))
        pids = [r["pid"].value for r in rows]
        return {k: v.record for k, v in read_records(self.store, CLIENT, pids, access).items() if not v.deleted}

    def match(self, incoming: Mapping[str, Value | None], access: Access) -> list[Match]:
        found = self.candidates(incoming, access)
        return match({k: v for k, v in incoming.items() if v is not None}, found.values(), self.config)

    def match_body(self, body: object, access: Access) -> list[Match]:
        return self.match(parse_body(CLIENT, body, partial=True), access)

    def create(self, body: object, access: Access, *, owner_project: str | None) -> Intake:
        incoming = parse_body(CLIENT, body, partial=False)
        with self.store.lock("intake"):  # check-and-create is one step, in every process sharing the store
            matches = self.match(incoming, access)
            best = matches[0] if matches else None
            if best is not None and best.grade == "certain" and best.personal_id:
                return self._link(best, body, access, owner_project)
            view, warnings = self.writer.create(CLIENT, body, access, owner_project=owner_project)
            review = None
            if best is not None and best.personal_id:
                review = self.queue(view.key, best, access)
            self._queue_hidden(view, incoming, access)
            return Intake(view, True, best.grade if best else None, review, warnings)

    def _link(self, best: Match, body: object, access: Access, owner_project: str | None) -> Intake:
        """A certain match: the person's record where the caller works, made if missing."""
        person = str(best.personal_id)
        existing = read_records(self.store, CLIENT, [person], access)[person]
        target = self.writer.target_graph(CLIENT, {}, access, owner_project)
        if any(graph == target for _, graph in existing.subjects):
            return Intake(existing, False, best.grade)
        view, warnings = self.writer.create(CLIENT, body, access, owner_project=owner_project, personal_id=person)
        return Intake(view, True, best.grade, warnings=warnings)

    def _queue_hidden(self, view: RecordView, incoming: Mapping[str, Value | None], access: Access) -> None:
        """Matches the caller could not see go to an administrator's queue, silently."""
        if access.system_wide and access.pii:
            return
        seen = {m.personal_id for m in self.match(incoming, access)}
        for m in self.match(incoming, SYSTEM):
            if m.personal_id and m.personal_id not in seen and m.personal_id != view.key:
                self.queue(view.key, m, SYSTEM)

    # The review queue

    def queue(self, new_pid: str, m: Match, access: Access) -> str | None:
        if m.personal_id is None or self.identity.never_linked(new_pid, str(m.personal_id)):
            return None
        review = f"{uuid.uuid4().hex}"
        node = ox.NamedNode(f"{iris.BASE}review:{review}")
        graph = ox.NamedNode(iris.PERSONS)
        now = ox.Literal(clock.now().isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))

        def q(p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
            return ox.Quad(node, ox.NamedNode(p), o, graph)

        self.store.extend([
            q(RDF_TYPE, ox.NamedNode(REVIEW)), q(EXT + "status", ox.Literal("open")), q(EXT + "at", now),
            q(EXT + "by", ox.Literal(access.user_id)), q(EXT + "grade", ox.Literal(m.grade)),
            q(EXT + "score", ox.Literal(f"{m.score:.4f}", datatype=ox.NamedNode(XSD + "decimal"))),
            q(EXT + "evidence", ox.Literal(json.dumps(dict(m.evidence), sort_keys=True))),
            q(EXT + "candidate", ox.NamedNode(self.identity.person_node(new_pid))),
            q(EXT + "candidate", ox.NamedNode(self.identity.person_node(str(m.personal_id)))),
        ])
        return review

    def reviews(self, status: str | None) -> list[dict[str, object]]:
        rows = self.store.select(
            f"SELECT ?r ?status ?grade ?score ?evidence ?at (GROUP_CONCAT(?pid; separator=' ') AS ?pids) ?wanted WHERE {{ "
            f"GRAPH <{iris.PERSONS}> {{ ?r a <{REVIEW}> ; <{EXT}status> ?status ; <{EXT}grade> ?grade ; "
            f"<{EXT}score> ?score ; <{EXT}evidence> ?evidence ; <{EXT}at> ?at ; <{EXT}candidate> ?c . "
            f"?c <{HMIS}PersonalID> ?pid }} FILTER(sameTerm(?wanted, \"\") || ?status = ?wanted) }} "
            f"GROUP BY ?r ?status ?grade ?score ?evidence ?at ?wanted ORDER BY ?at",
            substitutions={"wanted": ox.Literal(status or "")}, graphs=[iris.PERSONS])
        return [{"id": r["r"].value.rsplit(":", 1)[1], "status": r["status"].value, "grade": r["grade"].value,
                 "score": float(r["score"].value), "evidence": json.loads(r["evidence"].value), "at": r["at"].value,
                 "PersonalIDs": sorted(r["pids"].value.split())} for r in rows]

    def decide(self, review_id: str, accept: bool, access: Access) -> dict[str, object]:
        item = next((r for r in self.reviews("open") if r["id"] == review_id), None)
        if item is None:
            raise NotFound("match review")
        a, b = item["PersonalIDs"]  # type: ignore[misc]
        if accept:
            survivor = self.identity.merge(b, a, access, reason="review")
        else:
            self.identity.block(a, b, access)
            survivor = None
        node = f"<{iris.BASE}review:{review_id}>"
        self.store.update(
            f"DELETE DATA {{ GRAPH <{iris.PERSONS}> {{ {node} <{EXT}status> \"open\" }} }} ; "
            f"INSERT DATA {{ GRAPH <{iris.PERSONS}> {{ {node} <{EXT}status> \"{'accepted' if accept else 'rejected'}\" ; "
            f"<{EXT}decidedBy> {ox.Literal(access.user_id)} }} }}")
        return {"id": review_id, "status": "accepted" if accept else "rejected", "PersonalID": survivor}
