"""The Flask application: HUD's 0.5 scenarios, CRUD per CSV file, OpenAPI and docs."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response, json, send_from_directory
from flask_smorest import Api
from openapi_ui_bundles import swagger_ui

from hmis_ld import __version__
from hmis_ld.api import (
    auth,
    crud,
    health,
    hud,
    identity,
    imports,
    index,
    origin,
    problems,
    published,
    requestlog,
    resolve,
    sparql,
    trail,
)
from hmis_ld.api.backup import blp as backup_blueprint
from hmis_ld.api.billing import blp as billing_blueprint
from hmis_ld.api.console import bp as console_blueprint
from hmis_ld.api.context import EXTENSION, Services
from hmis_ld.api.fhir import blp as fhir_blueprint
from hmis_ld.authz.tokens import ExternalProvider
from hmis_ld.model import iris
from hmis_ld.model.jsonld import CONTEXT_PATH, context
from hmis_ld.model.upgrade import outdated
from hmis_ld.service.dedup import Deduplicator
from hmis_ld.service.identity import Identity
from hmis_ld.service.scenarios import Scenarios
from hmis_ld.service.writer import RecordWriter
from hmis_ld.store import Store, open_store, store_path
from hmis_ld.validation import RecordValidator

DOCS_ASSETS = "/api/v1/docs/assets"


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """`config` (or HMIS_LD_* environment variables) may give STORE (a Store) or STORE_PATH
    (default: $HMIS_LD_STORE or ./hmis-ld-store); everything else has a default."""
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep HUD's field order
    app.config.update(
        API_TITLE="HMIS linked-data API",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=DOCS_ASSETS + "/",
        API_SPEC_OPTIONS={"security": [{"bearerAuth": []}, {"basicAuth": []}]},
        SOURCE=iris.DEFAULT_SOURCE,
        AUTH_ISSUER="hmis-ld",
        AUTH_AUDIENCE="hmis-ld-api",
        AUTH_BASIC=False,
        AUTH_EXTERNAL_JWKS_URL=None,
        AUTH_EXTERNAL_ISSUER=None,
        AUTH_EXTERNAL_AUDIENCE=None,
    )
    app.config.from_prefixed_env("HMIS_LD")
    app.config.update(config or {})
    origin.install(app)  # absolute URLs name HMIS_LD_PUBLIC_URL, never the client's Host
    store = _store(app.config)
    if outdated(store):
        raise OutdatedStore("this store was written by an earlier hmis-ld: run `hmis-ld upgrade` on it first")
    source = str(app.config["SOURCE"])
    writer = RecordWriter(store, RecordValidator(), source=source)
    identity_service = Identity(store, source)
    app.extensions[EXTENSION] = Services(store=store, writer=writer, scenarios=Scenarios(store),
                                         identity=identity_service, dedup=Deduplicator(writer, identity_service))
    api = Api(app, spec_kwargs={"info": {"description": "HUD's draft HMIS API over the FY2026 HMIS Logic Model"}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    api.spec.components.security_scheme("basicAuth", {"type": "http", "scheme": "basic"})
    for blueprint in (hud.blp, crud.blp, identity.blp, imports.blp, auth.blp, trail.blp, sparql.blp, published.blp, resolve.blp,
                      billing_blueprint, backup_blueprint):
        api.register_blueprint(blueprint)
    app.register_blueprint(fhir_blueprint)  # FHIR R4 facade: described by /fhir/metadata, not the OpenAPI
    problems.register(app)
    sparql.install(app)  # its limits and CORS, before authentication: a preflight has no token
    auth.register(app, issuer=str(app.config["AUTH_ISSUER"]), audience=str(app.config["AUTH_AUDIENCE"]),
                  external=_external_provider(app), basic=bool(app.config["AUTH_BASIC"]))
    requestlog.register(app)  # first before-request hook: refusals before authentication are logged too
    health.register(app, store)  # /healthz and /readyz: outside /api/, so without a token

    index.register(app)  # / and /api/v1/: where to go next, without a token
    app.register_blueprint(console_blueprint)  # /console: the query console page, without a token

    @app.get(CONTEXT_PATH)
    def jsonld_context() -> Response:
        return Response(json.dumps(context()), mimetype="application/ld+json",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get(DOCS_ASSETS + "/<path:name>")
    def docs_assets(name: str) -> Response:
        return send_from_directory(swagger_ui.static_path, name)

    return app


def _store(config: Mapping[str, object]) -> Store:
    """The Store given as STORE, else the folder STORE_PATH, else $HMIS_LD_STORE, else
    ./hmis-ld-store. from_prefixed_env leaves $HMIS_LD_STORE in STORE as text: a folder too."""
    given = config.get("STORE")
    if isinstance(given, Store):
        return given
    path = config.get("STORE_PATH") or (str(given) if given not in (None, "") else None)
    url = config.get("STORE_URL")  # a SPARQL engine's URL (HMIS_LD_STORE_URL): store.remote
    return open_store(store_path(str(path) if path else None), str(url) if url else None)


class OutdatedStore(RuntimeError):
    """The store's layout is older than this version reads."""


def _external_provider(app: Flask) -> ExternalProvider | None:
    url = app.config.get("AUTH_EXTERNAL_JWKS_URL")
    if not url:
        return None
    return ExternalProvider(str(url), str(app.config["AUTH_EXTERNAL_ISSUER"]), str(app.config["AUTH_EXTERNAL_AUDIENCE"]))
