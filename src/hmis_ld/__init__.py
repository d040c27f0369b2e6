"""HMIS linked-data API: HUD's draft HMIS API over RDF in Oxigraph."""

__version__ = "0.1.0"
