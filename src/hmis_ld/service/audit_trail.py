"""The audit trail for auditors, independent of HTTP: who did what to which record and when
(never the values). Entries are written by authz.audit; this reads them back."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pyoxigraph as ox

from hmis_ld.authz.audit import PROV as P
from hmis_ld.model import iris
from hmis_ld.model.schema import EXT
from hmis_ld.model.values import datetime_literal
from hmis_ld.service.paging import Page, PageOf, paged
from hmis_ld.store import Store

# A page of activities first (anchored on the record key or the user when given, so the
# cost does not grow with the trail), then the details of just that page.
PAGE = {
    "record": f"SELECT DISTINCT ?a ?record ?who ?since WHERE {{ ?a <{EXT}recordKey> ?record ; <{EXT}userID> ?user ; "
              f"<{P}startedAtTime> ?time . FILTER(sameTerm(?who, \"\") || ?user = ?who) "
              f"FILTER(sameTerm(?since, \"\") || ?time >= ?since) }}",
    "user": f"SELECT DISTINCT ?a ?record ?who ?since WHERE {{ ?a <{EXT}userID> ?who ; <{P}startedAtTime> ?time . "
            f"FILTER(sameTerm(?since, \"\") || ?time >= ?since) "
            f"FILTER(sameTerm(?record, \"\") || EXISTS {{ ?a <{EXT}recordKey> ?record }}) }}",
    "any": f"SELECT DISTINCT ?a ?record ?who ?since WHERE {{ ?a <{P}startedAtTime> ?time . "
           f"FILTER(sameTerm(?since, \"\") || ?time >= ?since) "
           f"FILTER(sameTerm(?record, \"\") || sameTerm(?who, \"\")) }}",
}
DETAILS = f"""SELECT ?a ?time ?user ?account ?operation ?type ?key ?field WHERE {{
  VALUES ?a {{ %s }}
  ?a <{P}startedAtTime> ?time ; <{EXT}userID> ?user ; <{EXT}operation> ?operation ; <{EXT}recordType> ?type .
  OPTIONAL {{ ?a <{P}wasAssociatedWith> ?account }}
  {{ ?a <{EXT}recordKey> ?key }} UNION {{ ?a <{EXT}field> ?field }}
}}"""
# The audit graph is in no caller's dataset: these are system reads, for callers with the audit grant.
AUDIT_GRAPHS = [iris.AUDIT]


def audit_entries(store: Store, page: Page, *, record: str | None = None, user: str | None = None,
                  since: dt.datetime | None = None) -> PageOf:
    """A page of entries (oldest first within the page), each with time, UserID, account,
    operation, recordType, records (keys) and fields; filtered by record key, UserID and
    start time when given."""
    anchor = "record" if record else "user" if user else "any"
    rows = list(store.select(PAGE[anchor] + page.clause(), graphs=AUDIT_GRAPHS, substitutions={
        "record": ox.Literal(record or ""), "who": ox.Literal(user or ""),
        "since": datetime_literal(since) if since else ox.Literal("")}))
    result = paged([r["a"] for r in rows], page)
    entries: dict[str, dict[str, object]] = {}
    if result.items:
        for r in store.select(DETAILS % " ".join(str(a) for a in result.items), graphs=AUDIT_GRAPHS):
            entry = entries.setdefault(r["a"].value, {
                "time": r["time"].value, "UserID": r["user"].value,
                "account": _account(r),
                "operation": r["operation"].value, "recordType": r["type"].value, "records": [], "fields": []})
            if "key" in r:
                entry["records"].append(r["key"].value)  # type: ignore[union-attr]
            if "field" in r:
                entry["fields"].append(r["field"].value)  # type: ignore[union-attr]
    return PageOf(sorted(entries.values(), key=lambda e: str(e["time"])), result.next_offset)


def _account(row: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """The account that signed in. An entry names it when it is not the UserID (a client acting
    for a user); entries written before that rule name it always."""
    if "account" not in row:
        return row["user"].value
    return unquote(row["account"].value.removeprefix(iris.BASE + "account:"))
