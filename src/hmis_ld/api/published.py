"""The model at stable URLs, public and cacheable: GET /api/v1/ontology and /api/v1/shapes,
as Turtle or JSON-LD (by Accept, or `?format=turtle|jsonld` where a client cannot set it)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache

import pyoxigraph as ox
from flask import Response, request
from flask_smorest import Blueprint

from hmis_ld.api.spec import problem_responses
from hmis_ld.service.problems import FieldProblem, Invalid
from hmis_ld.service.published import ontology_triples, serialized, shapes_triples

TURTLE = "text/turtle"
JSONLD = "application/ld+json"
FORMATS = {"turtle": TURTLE, "ttl": TURTLE, "jsonld": JSONLD, "json-ld": JSONLD, "json": JSONLD}
_RDF_FORMATS = {TURTLE: ox.RdfFormat.TURTLE, JSONLD: ox.RdfFormat.JSON_LD}
DOCUMENTS: dict[str, Callable[[], tuple[ox.Triple, ...]]] = {"ontology": ontology_triples, "shapes": shapes_triples}

blp = Blueprint("model", __name__, url_prefix="/api/v1",
                description="The published model: HUD's terms as stored with our extension, and the SHACL shapes")

_FORMAT_PARAM = [{"name": "format", "in": "query", "required": False,
                  "schema": {"type": "string", "enum": sorted(FORMATS)},
                  "description": "turtle or jsonld, for clients that cannot set Accept (it wins over Accept)"}]
_OK = {200: {"description": "The document", "content": {TURTLE: {"schema": {"type": "string"}},
                                                          JSONLD: {"schema": {"type": "array"}}}},
       304: {"description": "Not modified (If-None-Match)"}, **problem_responses(400)}


def media_type() -> str:
    """The asked format: `format` first, else Accept (JSON is taken as JSON-LD), else Turtle."""
    given = request.args.get("format")
    if given is not None:
        if given.lower() not in FORMATS:
            raise Invalid([FieldProblem("format", given, f"one of {', '.join(sorted(FORMATS))}")], status=400)
        return FORMATS[given.lower()]
    best = request.accept_mimetypes.best_match([TURTLE, JSONLD, "application/json"], default=TURTLE)
    return TURTLE if best == TURTLE else JSONLD


@cache
def _document(name: str, kind: str) -> tuple[bytes, str]:
    """The serialized document and its ETag: the model changes only with a new version."""
    body = serialized(DOCUMENTS[name](), _RDF_FORMATS[kind])
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _answer(name: str) -> Response:
    kind = media_type()
    body, etag = _document(name, kind)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400", "Vary": "Accept"}
    if request.if_none_match.contains_raw(etag):
        return Response(status=304, headers=headers)
    return Response(body, mimetype=kind, headers=headers)


@blp.route("/ontology", methods=["GET"])
@blp.doc(summary="The HUD classes, properties and code lists records are stored with, our extension terms "
                 "and derived classes (no token needed)", security=[], parameters=_FORMAT_PARAM, responses=_OK)
def ontology() -> Response:
    return _answer("ontology")


@blp.route("/shapes", methods=["GET"])
@blp.doc(summary="The SHACL shapes every write is validated against (no token needed)", security=[],
         parameters=_FORMAT_PARAM, responses=_OK)
def shapes() -> Response:
    return _answer("shapes")
