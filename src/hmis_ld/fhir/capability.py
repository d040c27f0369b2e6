"""The CapabilityStatement: only what the facade serves, and how to authenticate."""

from __future__ import annotations

from hmis_ld import __version__
from hmis_ld.fhir.resources import Resource

READ_ONLY = ("Organization", "HealthcareService", "Encounter", "Condition", "Observation", "CodeSystem")
SEARCH = {
    "Patient": {"identifier": "token", "name": "string", "family": "string", "given": "string",
                "birthdate": "date", "_lastUpdated": "date"},
    "EpisodeOfCare": {"patient": "reference", "date": "date", "_lastUpdated": "date"},
    "Coverage": {"beneficiary": "reference", "_lastUpdated": "date"},
}


def capability_statement(base: str, token_url: str) -> Resource:
    resources: list[dict[str, object]] = []
    for kind in sorted({*READ_ONLY, *SEARCH}):
        entry: dict[str, object] = {"type": kind, "interaction": [{"code": "read"}]}
        if kind in SEARCH:
            entry["interaction"] = [{"code": "read"}, {"code": "search-type"}]
            entry["searchParam"] = [{"name": n, "type": t} for n, t in SEARCH[kind].items()]
            entry["searchParam"].append({"name": "_count", "type": "number"})  # type: ignore[attr-defined]
        if kind == "Patient":
            entry["operation"] = [{"name": "everything",
                                   "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": "2026-01-01", "kind": "instance",
        "software": {"name": "hmis-ld", "version": __version__},
        "implementation": {"description": "hmis-ld: a read-only FHIR view of an HMIS", "url": base},
        "fhirVersion": "4.0.1", "format": ["json"],
        "rest": [{
            "mode": "server",
            "security": {
                "extension": [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                               "extension": [{"url": "token", "valueUri": token_url}]}],
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "OAuth"}]}],
                "description": "OAuth 2.0 client credentials: POST the account's id and secret to the token URL and "
                               "send the access token as `Authorization: Bearer`; the same tokens and grants as "
                               "/api/v1. Only this statement is public.",
            },
            "resource": resources,
        }],
    }
