"""Responses in the format asked for: plain JSON (default), JSON-LD or Turtle."""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, current_app, json, request

from hmis_ld.api import disclosure, params
from hmis_ld.authz import Access
from hmis_ld.model import MODEL
from hmis_ld.model.inference import derived_iris
from hmis_ld.model.jsonld import CONTEXT_PATH, record_jsonld
from hmis_ld.model.records import INTERNAL, Placement
from hmis_ld.service.records import RecordView, document_graphs
from hmis_ld.store import Store

JSON = "application/json"
JSONLD = "application/ld+json"
TURTLE = "text/turtle"


def wanted() -> str:
    best = request.accept_mimetypes.best_match([JSON, JSONLD, TURTLE], default=JSON)
    return best or JSON


def json_response(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype=JSON, headers=headers)


def context_url() -> str:
    """The request's scheme, host and root are the public ones (api.origin)."""
    return request.root_url.rstrip("/") + CONTEXT_PATH


def record_as_jsonld(view: RecordView) -> dict[str, object]:
    graph = dict(view.subjects)[view.primary]
    return record_jsonld(view.table, view.record, view.primary, Placement(current_app.config["SOURCE"], graph),
                         context_url())


def record_turtle(store: Store, view: RecordView, access: Access) -> str:
    """The record's own triples: not its children's links to it or the facts they restate on
    it, nor what the server keeps for itself (model.records.INTERNAL: read copies, search and
    blocking keys; derived classes, which are for queries). Expanding its JSON-LD gives the same graph."""
    skipped = ", ".join(f"<{p}>" for p in sorted({*MODEL.ownership.not_own, *INTERNAL}))
    derived = ", ".join(f"<{c}>" for c in sorted(derived_iris()))
    graphs = document_graphs(view.table, dict(view.subjects)[view.primary])
    triples = store.construct(
        f"CONSTRUCT {{ <{view.primary}> ?p ?o }} WHERE {{ VALUES ?g {{ {' '.join(f'<{g}>' for g in graphs)} }} "
        f"GRAPH ?g {{ <{view.primary}> ?p ?o }} FILTER(?p NOT IN ({skipped}) && ?o NOT IN ({derived})) }}",
        graphs=access.dataset(store, within=graphs),
    )
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes={"hmis": "urn:hud:hmis:owl#",
                                                                         "ext": "urn:hmis-ld:ext#"}).decode()


def record_response(view: RecordView, store: Store, access: Access, status: int = 200,
                    extra: dict[str, object] | None = None, location: str | None = None) -> Response:
    disclosure.note_view(view)  # whatever the format: an answer showing names, SSN or DOB is an audited read
    headers = {"ETag": view.etag, "Vary": "Accept"}
    if location:
        headers["Location"] = location
    kind = wanted()
    if kind == TURTLE:
        return Response(record_turtle(store, view, access), status=status, mimetype=TURTLE, headers=headers)
    body = record_as_jsonld(view) if kind == JSONLD else view.json()
    if extra:
        body = {**body, **extra}
    return Response(json.dumps(body), status=status, mimetype=kind, headers=headers)


def list_response(body: dict[str, object] | list, next_offset: int | None) -> Response:
    headers = {"Vary": "Accept"}
    if next_offset is not None:
        args = {k: v for k, v in request.args.items() if k.lower() != "cursor"}
        args["cursor"] = params.cursor(next_offset)
        headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
    return json_response(body, headers=headers)

