"""SPARQL for researchers: read-only queries over exactly the caller's graphs.

The caller's graphs, without the PII graphs, are the query's dataset, so GRAPH, COUNT and
ASK cannot see past them: names, SSN and DOB are read through the endpoints that audit each
read. Oxigraph lets a query's own FROM / FROM NAMED replace the dataset it is given, so those
may only name those graphs: any other IRI is refused with the same answer whether that graph
exists or not. SERVICE (which would make the server fetch URLs) and updates are refused.
"""

from __future__ import annotations

import re

from flask import Response, request
from flask_smorest import Blueprint
from pyparsing import ParseException
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery

from hmis_ld.api.auth import require
from hmis_ld.api.context import current_access, services
from hmis_ld.authz import SYSTEM_GRAPHS
from hmis_ld.model import iris
from hmis_ld.service.problems import FieldProblem, Invalid

blp = Blueprint("sparql", __name__, url_prefix="/api/v1", description="SPARQL 1.1 query over your graphs")


# Conservative on purpose: the word anywhere outside an IRI is refused, strings included.
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


def _uses_service(query: str) -> bool:
    return bool(_SERVICE.search(re.sub(r"<[^>]*>", "", query)))


@blp.route("/sparql", methods=["GET", "POST"])
@blp.doc(summary="Run a SPARQL query over the graphs you may read, less names, SSN and DOB (scope: sparql)",
         parameters=[{"name": "query", "in": "query", "required": False, "schema": {"type": "string"}}])
@require("sparql")
def sparql() -> Response:
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        query = request.get_data(as_text=True)
    else:
        query = request.values.get("query", "")
    try:
        parsed = parseQuery(query)
        named = [str(clause[kind]) for clause in translateQuery(parsed).algebra.get("datasetClause") or []
                 for kind in ("default", "named") if kind in clause]
    except (ParseException, ValueError, KeyError, TypeError):
        raise Invalid([FieldProblem("query", None, "not a SPARQL query (updates are not accepted here)")],
                      status=400) from None
    if _uses_service(query):
        raise Invalid([FieldProblem("query", None, "SERVICE is not allowed")], status=400)
    store = services().store
    graphs = current_access().dataset(store)
    graphs = [g for g in (store.graph_names() if graphs is None else graphs)
              if g not in SYSTEM_GRAPHS and not g.endswith(iris.PII_SUFFIX)]
    if not set(named) <= set(graphs):
        raise Invalid([FieldProblem("query", None, "FROM and FROM NAMED may only name your graphs")], status=400)
    try:
        media_type, body = store.sparql(query, graphs=graphs)
    except (SyntaxError, ValueError) as exc:
        raise Invalid([FieldProblem("query", None, f"the store could not run it: {type(exc).__name__}")],
                      status=400) from None
    return Response(body, mimetype=media_type)
