"""Instance and graph IRIs.

Records are scoped by the source HMIS they came from, so the same key from two sources
never names the same node. Client records are also scoped by the graph that owns them:
a person served by two projects has one client record in each (ARCHITECTURE.md).
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

BASE = "urn:hmis-ld:"
DEFAULT_SOURCE = "local"

DIRECTORY = BASE + "graph:directory"
PERSONS = BASE + "graph:persons"
AUDIT = BASE + "graph:audit"
META = BASE + "graph:meta"
USERS = BASE + "graph:users"
ACCOUNTS = BASE + "graph:accounts"
IMPORTS = BASE + "graph:imports"  # live import jobs: their progress and reports
PROJECT_GRAPH_PREFIX = BASE + "graph:project:"
SOURCE_GRAPH_PREFIX = BASE + "graph:source:"
PII_SUFFIX = ":pii"


_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]*")  # what quote_part leaves as it is


def quote_part(text: str) -> str:
    # Most keys are plain (GUIDs, numbers): the regex is a tenth of quote's cost, on an import's hot path.
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="-._~")


def record_prefix(source: str, table: str) -> str:
    """What the IRI of every record of `table` from `source` starts with."""
    return f"{BASE}{quote_part(source)}:{table}:"


def record_iri(source: str, table: str, key: str) -> str:
    return record_prefix(source, table) + quote_part(key)


def record_key(record: str) -> str:
    """The key of a record IRI (not a client record's: see client_record_iri)."""
    return unquote(record.removeprefix(BASE).split(":", 2)[2])


def parse_record(iri: str) -> tuple[str, str, str] | None:
    """(source, file, key) of a record IRI as record_iri and client_record_iri make them (a
    client record's key keeps its "@owner"), or None for any other IRI. Quoting leaves no ":"
    in a source or a key, so the first two colons split it."""
    if not iri.startswith(BASE) or iri.startswith(BASE + "graph:"):
        return None
    parts = iri.removeprefix(BASE).split(":", 2)
    if len(parts) != 3 or not all(parts):
        return None
    source, table, key = parts
    return unquote(source), table, key if table == "Client" else unquote(key)


def client_record_iri(source: str, personal_id: str, owner_graph: str) -> str:
    """One client record per owning graph; the graph's own key keeps it stable."""
    owner = owner_graph.removeprefix(BASE + "graph:")
    return f"{record_prefix(source, 'Client')}{quote_part(personal_id)}@{owner}"


def client_record_graph(record: str) -> str:
    """The graph that owns a client record, from its IRI (quoting leaves no "@" in a key)."""
    return f"{BASE}graph:{record.rpartition('@')[2]}"


def person_iri(source: str, personal_id: str) -> str:
    return f"{BASE}{quote_part(source)}:Person:{quote_part(personal_id)}"


def project_graph(source: str, project_id: str) -> str:
    return f"{PROJECT_GRAPH_PREFIX}{quote_part(source)}:{quote_part(project_id)}"


def _project_parts(project: str) -> tuple[str, str]:
    """The quoted source and ProjectID of a project's record IRI (see record_iri)."""
    source, _, quoted_id = project.removeprefix(BASE).partition(":Project:")
    return source, quoted_id


def graph_of_project(project: str) -> str:
    """The graph of a project's enrollments, from the project's record IRI (whose source and
    ProjectID are quoted as in project_graph)."""
    source, quoted_id = _project_parts(project)
    return f"{PROJECT_GRAPH_PREFIX}{source}:{quoted_id}"


def project_of_graph(graph: str) -> str:
    """The record IRI of the project whose enrollments the graph holds (see project_graph)."""
    source, _, quoted_id = graph.removeprefix(PROJECT_GRAPH_PREFIX).partition(":")
    return f"{BASE}{source}:Project:{quoted_id}"


def project_id(project: str) -> str:
    """A project's ProjectID, from its record IRI."""
    return unquote(_project_parts(project)[1])


def source_graph(source: str) -> str:
    """Where client records with no enrollment live (visible to system-wide readers only)."""
    return SOURCE_GRAPH_PREFIX + quote_part(source)


def pii_graph(graph: str) -> str:
    """Names, SSN and DOB sit beside their record in a parallel graph, so a de-identified
    view is a shorter list of graphs."""
    return graph + PII_SUFFIX


def system_graph(scope: str) -> str:
    return {"directory": DIRECTORY, "meta": META, "users": USERS}[scope]
