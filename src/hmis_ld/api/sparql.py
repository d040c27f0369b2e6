"""SPARQL for researchers: read-only queries over exactly the caller's graphs.

The caller's graphs, without the PII graphs, are the query's dataset, so GRAPH, COUNT and
ASK cannot see past them: names, SSN and DOB are read through the endpoints that audit each
read. Oxigraph lets a query's own FROM / FROM NAMED replace the dataset it is given, so those
may only name those graphs: any other IRI is refused with the same answer whether that graph
exists or not. SERVICE (which would make the server fetch URLs) and updates are refused, judged on the
parsed query (service.user_query).
"""

from __future__ import annotations

from flask import Response, request
from flask_smorest import Blueprint

from hmis_ld.api.context import current_access, services
from hmis_ld.api.guard import require
from hmis_ld.authz import SYSTEM_GRAPHS
from hmis_ld.model import iris
from hmis_ld.service.problems import FieldProblem, Invalid
from hmis_ld.service.user_query import parse_user_query
from hmis_ld.store.base import EveryGraph

blp = Blueprint("sparql", __name__, url_prefix="/api/v1", description="SPARQL 1.1 query over your graphs")


@blp.route("/sparql", methods=["GET", "POST"])
@blp.doc(summary="Run a SPARQL query over the graphs you may read, less names, SSN and DOB (scope: sparql)",
         parameters=[{"name": "query", "in": "query", "required": False, "schema": {"type": "string"}}])
@require("sparql")
def sparql() -> Response:
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        text = request.get_data(as_text=True)
    else:
        text = request.values.get("query", "")
    query = parse_user_query(text)
    store = services().store
    graphs = current_access().dataset(store)
    graphs = [g for g in (store.graph_names() if isinstance(graphs, EveryGraph) else graphs)
              if g not in SYSTEM_GRAPHS and not g.endswith(iris.PII_SUFFIX)]
    if not set(query.from_graphs) <= set(graphs):
        raise Invalid([FieldProblem("query", None, "FROM and FROM NAMED may only name your graphs")], status=400)
    try:
        media_type, body = store.sparql(query.text, graphs=graphs)
    except (SyntaxError, ValueError) as exc:
        raise Invalid([FieldProblem("query", None, f"the store could not run it: {type(exc).__name__}")],
                      status=400) from None
    return Response(body, mimetype=media_type)
