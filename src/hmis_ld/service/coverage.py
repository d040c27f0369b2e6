"""Health-insurance coverage (HMIS 4.04) as periods: who had which insurance, from when to when.

"Had coverage on a date" means the IncomeBenefits record of the nearest prior InformationDate
in that enrollment says yes (1). So within an enrollment a period starts at an InformationDate
whose record says 1 and ends (exclusive) at the next InformationDate whose record does not, at
the day after the enrollment's ExitDate, or stays open (end None) while the enrollment is.
Deleted records and deleted enrollments do not count. Everything is read through the caller's
dataset: coverage recorded by a project the caller may not read is not there for them.

Medicaid billing (service.medicaid) and FHIR Coverage resources both read it here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from hmis_ld.authz import Access
from hmis_ld.model import HMIS, MODEL, iris
from hmis_ld.model.schema import RESTATED
from hmis_ld.service.identity import resolve_with_records
from hmis_ld.store import EVERY_GRAPH, Row, Store

_TABLE = MODEL.tables["IncomeBenefits"]
_YES_NO = "1.7"
# Each health-insurance source of HMIS 4.04 is a yes/no field of IncomeBenefits (the "why not"
# reasons and the "from any source" summary have other code lists).
KINDS: tuple[str, ...] = tuple(
    f.name for f in _TABLE.fields if (f.data_element or "").startswith("4.04.") and f.code_list == _YES_NO)
_EXIT_DATE = next(predicate for child, _, field, predicate in RESTATED if (child, field) == ("Exit", "ExitDate"))
_TO_ENROLLMENT = _TABLE.link_by_field["EnrollmentID"].up
_FROM_ENROLLMENT = _TABLE.link_by_field["EnrollmentID"].down
_ENROLLMENT_OF_CLIENT = MODEL.tables["Enrollment"].link_by_field["PersonalID"].down
_YES = ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


@dataclass(frozen=True)
class CoveragePeriod:
    """One stretch of one kind of coverage in one enrollment. `end` is exclusive; None while
    the enrollment is open and its latest record still says yes. `sources` are the
    IncomeBenefitsIDs of the records that said yes through it; `updated` the latest DateUpdated
    of the records that decide it (those and the one that ended it)."""

    kind: str
    personal_id: str
    enrollment_id: str
    project_id: str
    start: dt.date
    end: dt.date | None
    sources: tuple[str, ...]
    updated: dt.datetime | None = None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class _Record:
    key: str
    date: dt.date
    stage: int
    yes: frozenset[str]
    updated: dt.datetime | None


def _records_query(first: str, kinds: Sequence[str]) -> str:
    """Every live IncomeBenefits record of the enrollments that `first` finds (binding ?record),
    with its answer to each asked kind (?k0, ?k1...). One OPTIONAL per field, and OPTIONAL with
    !BOUND for deleted records: Oxigraph runs those as lookups per record, where a VALUES list
    of fields or FILTER NOT EXISTS read far more (100 ms instead of 2 for one client record)."""
    answers = "".join(f"  OPTIONAL {{ GRAPH ?g {{ ?record <{_TABLE.by_name[k].iri}> ?k{n} }} }}\n"
                      for n, k in enumerate(kinds))
    return f"""
SELECT DISTINCT ?g ?record ?key ?pid ?eid ?date ?stage ?updated ?exit {" ".join(f"?k{n}" for n in range(len(kinds)))}
WHERE {{
  {first}
  GRAPH ?g {{ ?record <{HMIS}IncomeBenefitsID> ?key ; <{HMIS}PersonalID> ?pid ; <{HMIS}EnrollmentID> ?eid ;
                     <{HMIS}InformationDate> ?date ; <{_TO_ENROLLMENT}> ?enrollment }}
  OPTIONAL {{ GRAPH ?g {{ ?record <{HMIS}DateDeleted> ?deleted }} }}
  OPTIONAL {{ GRAPH ?g {{ ?enrollment <{HMIS}DateDeleted> ?gone }} }}
  FILTER(!BOUND(?deleted) && !BOUND(?gone))
  OPTIONAL {{ GRAPH ?g {{ ?record <{HMIS}DataCollectionStage> ?stage }} }}
  OPTIONAL {{ GRAPH ?g {{ ?record <{HMIS}DateUpdated> ?updated }} }}
  OPTIONAL {{ GRAPH ?g {{ ?enrollment <{_EXIT_DATE}> ?exit }} }}
{answers}}}"""


# The records of the asked persons' enrollments: ?client and ?g come as a VALUES block of
# their client records the caller reads, each linked to its project's enrollments (as in
# client_enrollments.rq); starting from PersonalID would read every record of the person.
_BY_PERSON = (f"GRAPH ?g {{ ?client <{_ENROLLMENT_OF_CLIENT}> ?enrollment . "
              f"?enrollment <{_FROM_ENROLLMENT}> ?record }}")
# Every record of the enrollments with a record that says yes to an asked kind: an index
# lookup by value, never a scan of every IncomeBenefits record.
_BY_KIND = (f"GRAPH ?g {{ ?said ?kind {_YES} ; <{_TO_ENROLLMENT}> ?enrollment . "
            f"?enrollment <{_FROM_ENROLLMENT}> ?record }}")


def _values(variables: str, rows: Iterable[Sequence[ox.NamedNode | ox.Literal]]) -> str:
    """A VALUES block of terms written by pyoxigraph (never text pasted from a request)."""
    return f"VALUES ({variables}) {{ " + " ".join("(" + " ".join(map(str, r)) + ")" for r in rows) + " }"


def coverage_periods(store: Store, access: Access, *, personal_ids: Sequence[str] | None = None,
                     kinds: Collection[str] | None = None,
                     client_records: Collection[str] | None = None) -> list[CoveragePeriod]:
    """The coverage periods of the asked persons (every person the caller sees when None) of the
    asked kinds (every kind of KINDS when None), ordered by person, kind and start. A merged
    PersonalID finds its survivor's coverage, under the survivor's PersonalID. With
    `client_records` (subjects), only those records' enrollments are read (a FHIR Patient's)."""
    asked = tuple(KINDS if kinds is None else kinds)
    unknown = set(asked) - set(KINDS)
    if unknown:
        raise ValueError(f"not coverage kinds: {sorted(unknown)} (kinds: {', '.join(KINDS)})")
    if not asked:
        return []
    fields = [(ox.NamedNode(_TABLE.by_name[k].iri),) for k in asked]
    if personal_ids is None:
        first, within = _values("?kind", fields) + " " + _BY_KIND, None
    else:
        _, records = resolve_with_records(store, list(dict.fromkeys(personal_ids)))
        pairs = sorted((s, iris.client_record_graph(s)) for s in records
                       if client_records is None or s in client_records)
        dataset = access.dataset(store, [g for _, g in pairs])
        if dataset is not EVERY_GRAPH:  # the union reads every record graph
            pairs = [(s, g) for s, g in pairs if g in set(dataset)]
        if not pairs:
            return []
        first = _values("?client ?g", [(ox.NamedNode(s), ox.NamedNode(g)) for s, g in pairs]) + " " + _BY_PERSON
        within = [g for _, g in pairs]
    sparql = _records_query(first, asked)
    return _periods(store.select(sparql, graphs=access.dataset(store, within)), asked)


def _periods(rows: Iterable[Row], kinds: Sequence[str]) -> list[CoveragePeriod]:
    records: dict[str, dict] = {}
    said: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        subject = r["record"].value
        if subject not in records:
            records[subject] = {
                "key": r["key"].value, "pid": r["pid"].value, "eid": r["eid"].value, "graph": r["g"].value,
                "date": dt.date.fromisoformat(r["date"].value),
                "stage": int(r["stage"].value) if "stage" in r else 0,
                "updated": dt.datetime.fromisoformat(r["updated"].value) if "updated" in r else None,
                "exit": dt.date.fromisoformat(r["exit"].value) if "exit" in r else None,
            }
        said[subject] |= {k for n, k in enumerate(kinds) if f"k{n}" in r and r[f"k{n}"].value == "1"}
    enrollments: dict[tuple[str, str], list[str]] = defaultdict(list)
    for subject, rec in records.items():
        enrollments[(rec["graph"], rec["eid"])].append(subject)
    periods = []
    for subjects in enrollments.values():
        head = records[subjects[0]]
        timeline = sorted((_Record(records[s]["key"], records[s]["date"], records[s]["stage"], frozenset(said[s]),
                                   records[s]["updated"]) for s in subjects), key=lambda x: (x.date, x.stage, x.key))
        project = iris.project_id(iris.project_of_graph(head["graph"]))
        for kind in kinds:
            for start, end, deciding in _spans(timeline, kind, head["exit"]):
                sources = tuple(r.key for r in deciding if kind in r.yes)
                updated = max((r.updated for r in deciding if r.updated is not None), default=None)
                periods.append(CoveragePeriod(kind, head["pid"], head["eid"], project, start, end, sources, updated))
    return sorted(periods, key=lambda p: (p.personal_id, p.kind, p.start, p.enrollment_id))


def _spans(timeline: list[_Record], kind: str, exit_date: dt.date | None
           ) -> list[tuple[dt.date, dt.date | None, list[_Record]]]:
    """The (start, exclusive end, deciding records) of the runs of records saying yes to `kind`:
    the records saying yes, then the one that ended the run. Of two records on one day the later
    stage decides (an exit's record over an update's)."""
    last_day = {r.date: r for r in timeline}  # sorted by (date, stage): the last of each day wins
    stop = exit_date + dt.timedelta(days=1) if exit_date is not None else None
    spans: list[tuple[dt.date, dt.date | None, list[_Record]]] = []
    start: dt.date | None = None
    deciding: list[_Record] = []
    for day, record in sorted(last_day.items()):
        if stop is not None and day >= stop:
            break
        if kind in record.yes:
            start = day if start is None else start
            deciding.append(record)
        elif start is not None:
            spans.append((start, day, [*deciding, record]))
            start, deciding = None, []
    if start is not None:
        spans.append((start, stop, deciding))
    return spans
