"""The template language of `queries/*.rq`: guarded lines, a DISTINCT projection, a VALUES block.

A template's lines between `# if ?name ...` and `# end` are kept only when one of the names is
bound (given as a parameter or a variable of the VALUES block), or names `?rows` and the
template is run for its rows rather than for the distinct values of some variables; lines
between `# unless ?name ...` and `# end` only when none is. Oxigraph runs an OPTIONAL or an
EXISTS for every row even when a test such as sameTerm(?name, "") could skip it, so an absent
criterion costs nothing only when its lines are gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

import pyoxigraph as ox

from hmis_ld.resources import resource_path

_GUARDED = re.compile(r"^[ \t]*# (if|unless) ((?:\?\w+ ?)+)\n(.*?)^[ \t]*# end\n", re.MULTILINE | re.DOTALL)


@cache
def template(name: str) -> str:
    return resource_path("queries", f"{name}.rq").read_text(encoding="utf-8")


def _guarded(sparql: str, bound: set[str]) -> str:
    """The template without the `if` lines none of whose names is bound, and without the
    `unless` lines one of whose names is."""
    def kept(m: re.Match) -> str:
        named = bound.intersection(m.group(2).replace("?", "").split())
        return m.group(3) if (m.group(1) == "if") == bool(named) else ""

    return _GUARDED.sub(kept, sparql)


def query(name: str, bound: Iterable[str], *, distinct: Sequence[str] | None = None,
          values: tuple[Sequence[str], Sequence[Sequence[ox.NamedNode | ox.Literal]]] | None = None) -> str:
    """The query template `name` makes for the parameters `bound`. `distinct` projects it to
    the distinct values of those variables; `values` (variables, rows of terms) puts a VALUES
    block first in its WHERE clause, where the planner sees it (terms are written by pyoxigraph)."""
    variables = values[0] if values is not None else ()
    sparql = _guarded(template(name), {*bound, *variables, *(("rows",) if distinct is None else ())})
    if distinct is not None:
        projected = " ".join(f"?{v}" for v in distinct)
        sparql = re.sub(r"SELECT [^{]*WHERE", f"SELECT DISTINCT {projected} WHERE", sparql, count=1)
    if values is not None:
        names = " ".join(f"?{v}" for v in variables)
        rows = " ".join("(" + " ".join(map(str, row)) + ")" for row in values[1])
        block = f"VALUES ({names}) {{ {rows} }} "
        sparql = re.sub(r"WHERE\s*{", lambda m: m.group(0) + block, sparql, count=1)
    return sparql
