"""The query console: a page in the browser for researchers (YASGUI over /api/v1/sparql).

The page holds no data, so it answers without a token; the researcher signs in on the page
and every query sends their bearer token. Everything it loads comes from this server (sites
run without internet): the YASGUI bundle in static/console/vendor (console/build.sh puts it
there) and the HMIS terms offered for completion; the example queries come from the SPARQL
endpoint (GET /api/v1/sparql/examples).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from hmis_ld.model import MODEL
from hmis_ld.model.records import INTERNAL

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static/console", static_url_path="/static")

# Only this server's own files, scripts and connections. YASGUI sets element styles from script
# (through the CSSOM, which style-src does not govern), but its table's column resizer adds two
# fixed <style> elements: its layout rules, and the cursor while a column is dragged. Their
# hashes admit exactly those two, so no 'unsafe-inline'; a new YASGUI that changes them shows
# up as a policy violation in tests/test_console_browser.py.
RESIZER_STYLES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
                  "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='")
POLICY = (f"default-src 'self'; script-src 'self'; style-src 'self' {' '.join(RESIZER_STYLES)}; "
          "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
          "form-action 'none'; frame-ancestors 'none'")


@bp.get("")
def page() -> Response:
    response = Response(render_template("console.html"), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/terms")
def terms() -> Response:
    """The classes and properties of our model (IRIs), for completion in the editor."""
    return jsonify({"classes": sorted(_classes()), "properties": sorted(_properties())})


@bp.after_request
def policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _classes() -> set[str]:
    return {iri for table in MODEL.tables.values() for iri in (table.cls, *table.classes)}


def _properties() -> set[str]:
    """Field and link predicates, less the PII fields (outside the query's dataset) and the
    server's internal bookkeeping."""
    fields = {f.iri for table in MODEL.tables.values() for f in table.fields if not f.pii}
    links = {iri for table in MODEL.tables.values() for link in table.links for iri in (link.up, link.down) if iri}
    return (fields | links) - INTERNAL

