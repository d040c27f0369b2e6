"""The audit trail: who did what to which record, and when (PROV-O, in the audit graph).

An entry names the fields touched, never their values. Writes add their entry in the
same transaction as the change; reads that return PII add one right after.

An entry is kept small, since reads make most of the trail: the activity's type is left to
prov:startedAtTime's domain, and the account (prov:wasAssociatedWith) is written only when it
is not the UserID (a client acting for a user). One ext:recordKey per record stays: it is the
index that answers "who saw this person" without scanning the trail (docs/authorization.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import pyoxigraph as ox

from hmis_ld import clock
from hmis_ld.authz import Access
from hmis_ld.model import iris
from hmis_ld.model.schema import EXT
from hmis_ld.model.values import datetime_literal

PROV = "http://www.w3.org/ns/prov#"


def entry(access: Access, operation: str, table: str, records: Iterable[tuple[str | None, str]],
          fields: Iterable[str]) -> list[ox.Quad]:
    """Quads of one audit activity. `records`: (subject IRI if known, record key) pairs."""
    graph = ox.NamedNode(iris.AUDIT)
    activity = ox.NamedNode(f"{iris.BASE}audit:{uuid.uuid4().hex}")
    now = clock.now()

    def q(p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
        return ox.Quad(activity, ox.NamedNode(p), o, graph)

    quads = [
        q(PROV + "startedAtTime", datetime_literal(now)),
        q(EXT + "userID", ox.Literal(access.user_id)),
        q(EXT + "operation", ox.Literal(operation)),
        q(EXT + "recordType", ox.Literal(table)),
    ]
    if access.account != access.user_id:
        quads.append(q(PROV + "wasAssociatedWith", ox.NamedNode(f"{iris.BASE}account:{iris.quote_part(access.account)}")))
    for subject, key in records:
        if subject:
            quads.append(q(PROV + "used", ox.NamedNode(subject)))
        quads.append(q(EXT + "recordKey", ox.Literal(key)))
    quads += [q(EXT + "field", ox.Literal(f)) for f in sorted(set(fields))]
    return quads
