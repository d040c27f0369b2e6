"""Grants: what an account may do. Record grants name graphs; scopes name abilities.

    project:ID:read | project:ID:write     one project's client-level data
    organization:ID:read | ...:write       every project of an organization
    all:read | all:write                   the whole system
    pii:read                               names, SSN, DOB
    researcher                             de-identified: never PII, whatever else is granted
    sparql, audit, admin                   the SPARQL endpoint, the audit trail, user management
    act-as                                 a system-to-system client may write for named users
    payment                                Medicaid billing (HL7 purpose of use HPAYMT), within the record grants
"""

from __future__ import annotations

import re

SCOPES = frozenset({"pii:read", "researcher", "sparql", "audit", "admin", "act-as", "payment"})
_RECORD = re.compile(r"(project|organization):([^:\s]{1,32}):(read|write)|all:(read|write)")


HELP = "project:ID:read|write, organization:ID:read|write, all:read|write, " + ", ".join(sorted(SCOPES))


def is_grant(text: str) -> bool:
    return text in SCOPES or _RECORD.fullmatch(text) is not None


def parse(text: str) -> tuple[str, str | None, str] | None:
    """(kind, id, mode) of a record grant, None for a scope."""
    m = _RECORD.fullmatch(text)
    if m is None:
        return None
    if m.group(4):
        return "all", None, m.group(4)
    return m.group(1), m.group(2), m.group(3)
