"""The HMIS model: tables, fields, values and their RDF form, all from `ontology/model.json`."""

from hmis_ld.model.schema import EXT, HMIS, MODEL, CodeList, Field, Link, Model, Table

__all__ = ["EXT", "HMIS", "MODEL", "CodeList", "Field", "Link", "Model", "Table"]
