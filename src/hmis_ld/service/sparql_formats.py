"""The SPARQL Protocol's result formats, written a batch of rows at a time so that an answer
streams as the rows come.

Solutions (SELECT) and booleans (ASK): SPARQL JSON, XML, CSV and TSV. Triples (CONSTRUCT,
DESCRIBE): Turtle, N-Triples, JSON-LD and RDF/XML (pyoxigraph's serializers). An answer cut at
the row limit or stopped at the time limit says so at its end where the format has room for it
(`note`): a member of the JSON object, an XML or Turtle comment. CSV, TSV, JSON-LD and RDF/XML
have none, so the endpoint reads those to their end before answering and says it in a header.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
TRUNCATION_MEMBER = "hmis-ld:incomplete"  # the JSON member an incomplete answer ends with


@dataclass(frozen=True)
class Format:
    media_type: str
    name: str  # its W3C formats IRI's local name, for the service description
    in_band_note: bool  # the format can say at its end that the answer is incomplete
    streams: bool  # written batch by batch (else serialized once, from a bounded list)


SOLUTION_FORMATS = {
    "application/sparql-results+json": Format("application/sparql-results+json", "SPARQL_Results_JSON", True, True),
    "application/sparql-results+xml": Format("application/sparql-results+xml", "SPARQL_Results_XML", True, True),
    "text/csv": Format("text/csv", "SPARQL_Results_CSV", False, True),
    "text/tab-separated-values": Format("text/tab-separated-values", "SPARQL_Results_TSV", False, True),
}
TRIPLE_FORMATS = {
    "text/turtle": Format("text/turtle", "Turtle", True, True),
    "application/n-triples": Format("application/n-triples", "N-Triples", True, True),
    "application/ld+json": Format("application/ld+json", "JSON-LD", False, False),
    "application/rdf+xml": Format("application/rdf+xml", "RDF_XML", False, False),
}
# Other names clients send for the same formats (SPARQLWrapper, rdflib, browsers).
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/x-json+ld": "application/ld+json",
}
_RDF_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
                "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML}


def offered(formats: dict[str, Format]) -> list[str]:
    """The media types to negotiate among, the preferred first, then the aliases."""
    return [*formats, *(alias for alias, target in ALIASES.items() if target in formats)]


def resolve(media_type: str, formats: dict[str, Format]) -> Format:
    return formats[ALIASES.get(media_type, media_type)]


# --- SPARQL JSON ----------------------------------------------------------------------------

def _json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


class _Json:
    def head(self, variables: Sequence[str]) -> str:
        return '{"head":{"vars":' + json.dumps(list(variables)) + '},"results":{"bindings":['

    def rows(self, variables: Sequence[str], rows: list, first: bool) -> str:
        text = ",".join(json.dumps({v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None},
                                   ensure_ascii=False) for row in rows)
        return text if first or not text else "," + text

    def tail(self, note: str | None) -> str:
        return "]}" + (f",{json.dumps(TRUNCATION_MEMBER)}:{json.dumps(note)}" if note else "") + "}"

    def boolean(self, value: bool) -> str:
        return '{"head":{},"boolean":' + ("true" if value else "false") + "}"


# --- SPARQL XML -----------------------------------------------------------------------------

_XML_OPEN = '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def _xml_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


class _Xml:
    def head(self, variables: Sequence[str]) -> str:
        return _XML_OPEN + "<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in variables) + \
            "</head><results>"

    def rows(self, variables: Sequence[str], rows: list, first: bool) -> str:
        return "".join("<result>" + "".join(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                                            for v, t in zip(variables, row, strict=True) if t is not None)
                       + "</result>\n" for row in rows)

    def tail(self, note: str | None) -> str:
        return "</results>" + (f"<!-- {_comment(note)} -->" if note else "") + "</sparql>\n"

    def boolean(self, value: bool) -> str:
        return _XML_OPEN + "<head/><boolean>" + ("true" if value else "false") + "</boolean></sparql>\n"


def _comment(note: str) -> str:
    return note.replace("--", "- -")


# --- CSV and TSV ----------------------------------------------------------------------------

def _csv_cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    if term is None:
        return ""
    text = f"_:{term.value}" if isinstance(term, ox.BlankNode) else str(term) if isinstance(term, ox.Triple) \
        else term.value
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


class _Csv:
    def head(self, variables: Sequence[str]) -> str:
        return ",".join(variables) + "\r\n"

    def rows(self, variables: Sequence[str], rows: list, first: bool) -> str:
        return "".join(",".join(_csv_cell(t) for t in row) + "\r\n" for row in rows)

    def tail(self, note: str | None) -> str:
        return ""

    def boolean(self, value: bool) -> str:
        return "_askResult\r\n" + ("true" if value else "false") + "\r\n"


class _Tsv:
    def head(self, variables: Sequence[str]) -> str:
        return "\t".join("?" + v for v in variables) + "\n"

    def rows(self, variables: Sequence[str], rows: list, first: bool) -> str:
        return "".join("\t".join("" if t is None else str(t) for t in row) + "\n" for row in rows)

    def tail(self, note: str | None) -> str:
        return ""

    def boolean(self, value: bool) -> str:
        return "?_askResult\n" + ("true" if value else "false") + "\n"


_WRITERS = {"application/sparql-results+json": _Json(), "application/sparql-results+xml": _Xml(),
            "text/csv": _Csv(), "text/tab-separated-values": _Tsv()}


def boolean(fmt: Format, value: bool) -> bytes:
    return _WRITERS[fmt.media_type].boolean(value).encode()


def solutions(fmt: Format, variables: Sequence[str], batches: Iterable[list], note: Callable[[], str | None]
              ) -> Iterable[bytes]:
    """The answer, a batch at a time; `note()` is asked once the batches are done."""
    writer = _WRITERS[fmt.media_type]
    yield writer.head(variables).encode()
    first = True
    for batch in batches:
        text = writer.rows(variables, batch, first)
        first = first and not batch
        if text:
            yield text.encode()
    yield writer.tail(note()).encode()


def triples(fmt: Format, batches: Iterable[list], note: Callable[[], str | None]) -> Iterable[bytes]:
    """Turtle and N-Triples a batch at a time (each batch is a document of its own, and their
    concatenation is one); JSON-LD and RDF/XML at once, from what the row limit bounds."""
    rdf = _RDF_FORMATS[fmt.media_type]
    if not fmt.streams:
        yield ox.serialize([t for batch in batches for t in batch], format=rdf)
        return
    for batch in batches:
        if batch:
            yield ox.serialize(batch, format=rdf)
    text = note()
    if text:
        yield f"# {text}\n".encode()
