"""Our extension vocabulary: which `ext:` terms exist (and nothing else may be stored)."""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox

from hmis_ld.model.schema import EXT, MODEL, RDF_TYPE
from hmis_ld.resources import resource_path

_DECLARING = {
    "http://www.w3.org/2002/07/owl#Class",
    "http://www.w3.org/2002/07/owl#ObjectProperty",
    "http://www.w3.org/2002/07/owl#DatatypeProperty",
}


@cache
def extension_terms() -> frozenset[str]:
    """Terms of the `ext:` namespace: hand-declared in extension.ttl and derived.ttl (derived classes)
    plus those derived for CSV columns."""
    declared = {
        q.subject.value
        for name in ("extension.ttl", "derived.ttl")
        for q in ox.parse(path=str(resource_path("ontology", name)))
        if q.predicate.value == RDF_TYPE and q.object.value in _DECLARING and q.subject.value.startswith(EXT)
    }
    return frozenset(declared | set(MODEL.extension_terms))
