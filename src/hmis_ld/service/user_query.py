"""A caller's own SPARQL query, judged on its parsed form, never on its text.

A text check can be fooled (a `<` inside a string literal once hid a SERVICE from one), so
the query is parsed and its whole parse tree is walked: SERVICE at any depth (inside
OPTIONAL, UNION, MINUS, GRAPH, FILTER EXISTS or a subquery) would make the server fetch a
URL of the caller's choosing, and is refused. The parser expands `\\u` escapes first, as
the SPARQL grammar says, so an escaped keyword is seen for what it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from hmis_ld.service.problems import FieldProblem, Invalid

_SERVICE = "ServiceGraphPattern"


@dataclass(frozen=True)
class UserQuery:
    text: str
    form: str  # SelectQuery, AskQuery, ConstructQuery or DescribeQuery
    from_default: tuple[str, ...]  # the graphs its own FROM names
    from_named: tuple[str, ...]  # the graphs its own FROM NAMED names

    @property
    def returns_triples(self) -> bool:
        return self.form in ("ConstructQuery", "DescribeQuery")


def _refused(message: str) -> Invalid:
    return Invalid([FieldProblem("query", None, message)], status=400)


def _nodes(node: object) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list | tuple | ParseResults):
        for value in node:
            yield from _nodes(value)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _nodes(value)


def _position(exc: ParseException) -> str:
    return f"line {exc.lineno}, column {exc.col}"


def parse_user_query(text: str) -> UserQuery:
    """The query if it is a read that reaches no other server; else a 400 that says why (a
    syntax error with its line and column)."""
    if not text.strip():
        raise _refused("give a SPARQL query")
    try:
        parsed = parseQuery(text)
    except ParseException as exc:
        if _is_update(text):
            raise _refused(UPDATES_REFUSED) from None
        raise _refused(f"not a SPARQL query: syntax error at {_position(exc)}") from None
    if any(node.name == _SERVICE for node in _nodes(parsed)):
        raise _refused("SERVICE is not allowed: queries run on this server's data only")
    try:
        query = translateQuery(parsed)
    except Exception as exc:  # noqa: BLE001 (rdflib raises plain Exceptions for unknown prefixes)
        raise _refused(f"the query cannot be evaluated: {exc}") from None
    clauses = query.algebra.get("datasetClause") or []
    return UserQuery(text, query.algebra.name, *(tuple(str(c[kind]) for c in clauses if kind in c)
                                                 for kind in ("default", "named")))


UPDATES_REFUSED = "updates are not accepted: this endpoint is read-only (SPARQL 1.1 Query only)"


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except ParseException:
        return False
    return True
