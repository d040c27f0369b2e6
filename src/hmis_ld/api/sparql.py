"""SPARQL for researchers: read-only queries over exactly the caller's graphs.

The dataset, not the query text, decides what a query can reach: FROM, FROM NAMED and
GRAPH cannot leave it, so COUNT and ASK cannot reveal hidden records. SERVICE (which
would make the server fetch URLs) and updates are refused.
"""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint
from rdflib.plugins.sparql.parser import parseQuery
from pyparsing import ParseException

from hmis_ld.api.auth import require
from hmis_ld.api.context import current_access, services
from hmis_ld.authz import SYSTEM_GRAPHS
from hmis_ld.service.problems import FieldProblem, Invalid

blp = Blueprint("sparql", __name__, url_prefix="/api/v1", description="SPARQL 1.1 query over your graphs")


def _uses_service(node: object) -> bool:
    if getattr(node, "name", None) == "ServiceGraphPattern":
        return True
    if isinstance(node, dict):
        return any(_uses_service(v) for v in node.values())
    if isinstance(node, list | tuple):
        return any(_uses_service(v) for v in node)
    return False


@blp.route("/sparql", methods=["GET", "POST"])
@blp.doc(summary="Run a SPARQL query over the graphs you may read (scope: sparql)",
         parameters=[{"name": "query", "in": "query", "required": False, "schema": {"type": "string"}}])
@require("sparql")
def sparql() -> Response:
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        query = request.get_data(as_text=True)
    else:
        query = request.values.get("query", "")
    try:
        parsed = parseQuery(query)
    except ParseException:
        raise Invalid([FieldProblem("query", None, "not a SPARQL query (updates are not accepted here)")],
                      status=400) from None
    if _uses_service(parsed):
        raise Invalid([FieldProblem("query", None, "SERVICE is not allowed")], status=400)
    store = services().store
    graphs = current_access().dataset(store)
    if graphs is None:
        graphs = [g for g in store.graph_names() if g not in SYSTEM_GRAPHS]
    try:
        media_type, body = store.sparql(query, graphs=graphs)
    except (SyntaxError, ValueError) as exc:
        raise Invalid([FieldProblem("query", None, f"the store could not run it: {type(exc).__name__}")],
                      status=400) from None
    return Response(body, mimetype=media_type)
