"""When each enrollment may be active, as an indexed fact: scenario 9 looks enrollments up by it.

"Active on a date" is a range test on two dates from two records (the Enrollment's EntryDate,
its Exit's ExitDate restated on it as `ext:exitDate`), and Oxigraph has no index for ranges:
the scenario read every enrollment of the asked projects, about four for each active one
(clients active in RRH at 100k clients: 190 enrollments for a page of 50 people). So each live
enrollment carries `ext:activeUntil`, the year of its exit, or "open" while it has none, and
the scenario reads only enrollments open or exited in the asked year or later, then tests
the exact dates. The same refresh types each live enrollment with no live Exit as an
`ext:OpenEnrollment` (ontology/derived.ttl), in its graph: a fact of two records too, which no
OWL definition can entail ("has no exit" needs a closed world).

Two records decide the fact, so no record owns it: every write of an Enrollment or an Exit
ends, in the same transaction, with `refresh` of the enrollments it touched, which rewrites
their facts from what the store then holds. An exit more than a year after the day it is
written is filed under "open" (the scenario always reads that bucket), so the years a
query must read end with next year, whatever the data holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pyoxigraph as ox

from hmis_ld import clock
from hmis_ld.model.inference import OPEN_ENROLLMENT
from hmis_ld.model.schema import ACTIVE_UNTIL, MODEL, RDF_TYPE, RESTATED

OPEN = "open"
# an asOf more years back than this reads nearly every enrollment anyway: the scenario scans
MAX_YEARS = 6

_ENROLLMENT = MODEL.tables["Enrollment"]
IN_PROJECT = _ENROLLMENT.link_by_field["ProjectID"].down
_EXIT_OF = MODEL.tables["Exit"].link_by_field["EnrollmentID"].up
EXIT_DATE = next(predicate for child, _, field, predicate in RESTATED if (child, field) == ("Exit", "ExitDate"))


def _touched(quads: Iterable[ox.Quad]) -> set[str]:
    """The enrollments a write's quads may change the activity of: the enrollments written and
    those the Exits written belong to (a write's old quads name those an Exit leaves)."""
    out = set()
    for q in quads:
        if q.predicate.value == _EXIT_OF:
            out.add(q.object.value)
        elif q.predicate.value == RDF_TYPE and q.object.value == _ENROLLMENT.cls:
            out.add(q.subject.value)
    return out


def _facts(where: str, today: dt.date) -> str:
    """INSERT the facts of the live enrollments `where` selects (binding ?e)."""
    return (f"INSERT {{ GRAPH ?g {{ ?e <{ACTIVE_UNTIL}> ?until . ?e <{RDF_TYPE}> ?open }} }} WHERE {{ {where} "
            f"GRAPH ?g {{ ?project <{IN_PROJECT}> ?e }} OPTIONAL {{ GRAPH ?g {{ ?e <{EXIT_DATE}> ?exit }} }} "
            f"BIND(IF(BOUND(?exit) && YEAR(?exit) <= {today.year + 1}, STR(YEAR(?exit)), \"{OPEN}\") AS ?until) "
            # no live Exit: an OpenEnrollment (?never is unbound, so an exit leaves ?open unbound)
            f"BIND(IF(BOUND(?exit), ?never, <{OPEN_ENROLLMENT}>) AS ?open) }}")


def refresh(quads: Iterable[ox.Quad], today: dt.date | None = None) -> str:
    """SPARQL update operations that rewrite the facts of the enrollments a write's quads touch
    ("" for none): run after the write, in its transaction."""
    values = " ".join(f"<{e}>" for e in sorted(_touched(quads)))
    if not values:
        return ""
    return (f"DELETE {{ GRAPH ?g {{ ?e <{ACTIVE_UNTIL}> ?until }} }} WHERE {{ VALUES ?e {{ {values} }} "
            f"GRAPH ?g {{ ?e <{ACTIVE_UNTIL}> ?until }} }} ;\n"
            f"DELETE {{ GRAPH ?g {{ ?e <{RDF_TYPE}> <{OPEN_ENROLLMENT}> }} }} WHERE {{ VALUES ?e {{ {values} }} "
            f"GRAPH ?g {{ ?e <{RDF_TYPE}> <{OPEN_ENROLLMENT}> }} }} ;\n"
            + _facts(f"VALUES ?e {{ {values} }}", today or clock.today()))


def refresh_all(today: dt.date | None = None) -> str:
    """The facts of every live enrollment, for a bulk load or a store from before them (adds only)."""
    return _facts("", today or clock.today())


def buckets(as_of: dt.date, today: dt.date | None = None) -> list[ox.Literal] | None:
    """The `ext:activeUntil` values of the enrollments that may be active on as_of, or None
    when it is so far back that reading them all is as quick."""
    years = range(as_of.year, (today or clock.today()).year + 2)
    if len(years) > MAX_YEARS:
        return None
    return [ox.Literal(OPEN), *(ox.Literal(str(y)) for y in years)]
