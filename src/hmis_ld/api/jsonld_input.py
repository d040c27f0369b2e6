"""Request bodies as the plain JSON objects the services take, whatever valid JSON-LD form a
client sends them in (Content-Type application/ld+json): compacted with our context, with
another context (inline, or ours by URL), or expanded. A body without @context is read with ours.

pyld expands the body, then each of its IRIs is mapped back to our field names. Compacting
with our context instead would keep native JSON numbers under compact IRIs (a term typed
xsd:integer never matches a value without a type), so the mapping is done here, where it
is exact. A term the body's context does not define would vanish in expansion: a fallback
`@vocab` catches it, so every term that is not ours answers 422, naming it. pyld never
fetches a document: our own context URL is served from memory and every other URL is refused
(a remote context would let a client make the server fetch any URL).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from flask import request
from pyld import jsonld

from hmis_ld.model import Table, iris
from hmis_ld.model.inference import derived_iris
from hmis_ld.model.jsonld import CONTEXT_PATH, context
from hmis_ld.service.problems import FieldProblem, Invalid

JSONLD = "application/ld+json"
UNMAPPED = "urn:hmis-ld:unmapped:"  # the fallback @vocab: an IRI under it is a term nobody defined
_NULL = "\u0000null"  # stands for a JSON null through expansion, which drops nulls (a PATCH clears with them)


def request_body(table: Table) -> object:
    """The body of a POST or PATCH for `table`: JSON as sent, JSON-LD normalized to our fields."""
    body = request.get_json(silent=True)
    if request.mimetype != JSONLD or body is None:
        return body
    return normalize(table, body, request.root_url.rstrip("/") + CONTEXT_PATH)


def normalize(table: Table, body: object, own_context: str) -> dict[str, object]:
    """The fields of one JSON-LD node object of `table`, by our field names; 422 naming every
    term that is not ours, 400 for anything that is not one node object or needs a remote document."""
    if not isinstance(body, dict):
        raise _malformed("the body must be one JSON-LD node object")
    refused: list[str] = []
    document = {k: ({"@value": _NULL} if v is None and not k.startswith("@") else v) for k, v in body.items()}
    given = document.get("@context", context()["@context"])  # no context: our terms, as in JSON
    document["@context"] = [{"@vocab": UNMAPPED}, *(given if isinstance(given, list) else
                                                     [] if given is None else [given])]
    try:
        expanded = jsonld.expand(document, {"documentLoader": _loader(own_context, refused)})
    except jsonld.JsonLdError as exc:
        if refused:
            raise _malformed(f"remote contexts are not fetched: {refused[0]} (use {own_context}, or an inline "
                             f"context)") from None
        raise _malformed(f"not valid JSON-LD: {exc.code or exc.type}") from None
    if len(expanded) != 1 or not isinstance(expanded[0], dict):
        raise _malformed("the body must describe exactly one record")
    return _fields(table, expanded[0])


def _loader(own_context: str, refused: list[str]) -> Callable[..., dict[str, object]]:
    def load(url: str, options: object = None) -> dict[str, object]:
        if url == own_context:
            return {"contentType": JSONLD, "contextUrl": None, "documentUrl": url, "document": context()}
        refused.append(url)
        raise jsonld.JsonLdError("remote documents are not fetched", "jsonld.LoadDocumentError",
                                 {"url": url}, code="loading document failed")
    return load


def _fields(table: Table, node: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    problems: list[FieldProblem] = []
    links = {link.up: link for link in table.links}
    for predicate, values in node.items():
        if predicate == "@id":
            _identity(table, str(values), out, problems)
        elif predicate == "@type":
            allowed = {table.cls, *table.classes, *derived_iris()}
            problems += [FieldProblem("@type", t, f"not a class of {table.name}")
                         for t in values if t not in allowed]  # type: ignore[union-attr]
        elif predicate in table.by_iri:
            f = table.by_iri[predicate]
            value = _one(f.name, values, problems)
            if isinstance(value, dict) and "@value" in value:
                if value.get("@type", f.datatype) != f.datatype:
                    problems.append(FieldProblem(f.name, None, f"a {f.datatype} literal, not a {value['@type']}"))
                _put(out, f.name, None if value["@value"] == _NULL else value["@value"], problems)
            elif value is not None:
                problems.append(FieldProblem(f.name, None, "a literal value"))
        elif predicate in links:
            link = links[predicate]
            value = _one(link.field, values, problems)
            key = _key_of(str(value.get("@id", "")), link.target) if isinstance(value, dict) else None
            if isinstance(value, dict) and value.get("@value") == _NULL:
                _put(out, link.field, None, problems)
            elif key is None:
                problems.append(FieldProblem(link.field, None, f"the IRI of a {link.target} record"))
            else:
                _put(out, link.field, key, problems)
        else:
            problems.append(FieldProblem(predicate.removeprefix(UNMAPPED), None,
                                         f"not a term of {table.name} (see {CONTEXT_PATH})"))
    if problems:
        raise Invalid(problems)
    return out


def _identity(table: Table, subject: str, out: dict[str, object], problems: list[FieldProblem]) -> None:
    """A record IRI names the record's key; a blank node names nothing."""
    if subject.startswith("_:"):
        return
    key = _key_of(subject, table.name)
    if key is None:
        problems.append(FieldProblem("@id", subject, f"not the IRI of a {table.name} record"))
    else:
        _put(out, table.key, key, problems)


def _key_of(iri: str, table_name: str) -> str | None:
    parsed = iris.parse_record(iri)
    if parsed is None or parsed[1] != table_name:
        return None
    return unquote(parsed[2].partition("@")[0]) if table_name == "Client" else parsed[2]


def _one(name: str, values: object, problems: list[FieldProblem]) -> object:
    if isinstance(values, list) and len(values) == 1:
        return values[0]
    problems.append(FieldProblem(name, None, "exactly one value"))
    return None


def _put(out: dict[str, object], name: str, value: object, problems: list[FieldProblem]) -> None:
    """A field given twice (as a field and through its link, or by @id) must agree."""
    if name in out and out[name] != value:
        problems.append(FieldProblem(name, None, "given twice with different values"))
    out[name] = value


def _malformed(detail: str) -> Invalid:
    return Invalid([FieldProblem(None, None, detail)], status=400)
