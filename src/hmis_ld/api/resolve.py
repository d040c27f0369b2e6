"""GET /api/v1/resolve?iri=...: 303 to where the API serves what an IRI names (the record's CRUD
URL, a client record's /clientrecords URL, the directory's projects, the ontology), or the
same 404 for an IRI naming nothing and one naming a record the caller may not see."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Response, request
from flask_smorest import Blueprint

from hmis_ld.api.context import current_access, services
from hmis_ld.api.paths import collection_paths
from hmis_ld.api.spec import problem_responses
from hmis_ld.model import MODEL
from hmis_ld.service.problems import FieldProblem, Invalid
from hmis_ld.service.resolver import Target, resolve

MAX_IRI = 2048

blp = Blueprint("resolve", __name__, url_prefix="/api/v1",
                description="Resolve an IRI the API emits to the URL that serves it")


def _path(target: Target) -> str:
    if target.kind == "ontology":
        fmt = request.args.get("format")
        return "/ontology" + (f"?{urlencode({'format': fmt})}" if fmt else "")
    if target.kind == "directory":
        return "/projects"
    if target.kind == "client record":
        return f"/clientrecords/{quote(target.key, safe='')}"
    return f"/{collection_paths(MODEL.tables[target.table])[0]}/{quote(target.key, safe='')}"


@blp.route("/resolve", methods=["GET"])
@blp.doc(summary="Where the API serves what an IRI names (303 See Other); the target answers in JSON, "
                 "JSON-LD or Turtle by Accept",
         parameters=[{"name": "iri", "in": "query", "required": True, "schema": {"type": "string",
                                                                                  "maxLength": MAX_IRI},
                      "description": "a record, client record, graph or ontology IRI"}],
         responses={303: {"description": "See Other: `Location` names the URL"}, **problem_responses(400, 404)})
def resolve_iri() -> Response:
    iri = request.args.get("iri", "")
    if not iri or len(iri) > MAX_IRI:
        raise Invalid([FieldProblem("iri", None, f"an IRI of at most {MAX_IRI} characters")], status=400)
    svc = services()
    target = resolve(iri, svc.store, svc.identity, svc.writer.client_key, current_access())
    location = request.root_url.rstrip("/") + "/api/v1" + _path(target)
    return Response(status=303, headers={"Location": location, "Vary": "Accept"})
