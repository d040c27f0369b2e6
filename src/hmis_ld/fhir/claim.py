"""A billable service (service.medicaid) as a FHIR R4 professional Claim, one per service.

The person, the provider organization and the Medicaid coverage are referenced by
identifier (the same systems as the rest of the FHIR view), so a claim stands on its own in
a collection Bundle. The billing code comes first in productOrService when the service's
type has one; HUD's RecordType/TypeProvided coding is always there, and an unmapped type
says so in an extension.
"""

from __future__ import annotations

import datetime as dt

from hmis_ld.fhir.terms import EXTENSION, code_system_url, coding, fhir_id, identifier_system
from hmis_ld.service.medicaid import BillableService

Resource = dict[str, object]
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
UNMAPPED = EXTENSION + "billing-code-unmapped"
RECORD_TYPE = EXTENSION + "service-record-type"
COVERAGE_PERIOD = EXTENSION + "coverage-period"


def _identified(source: str, field: str, value: str, display: str | None = None) -> dict[str, object]:
    ref: dict[str, object] = {"identifier": {"system": identifier_system(source, field), "value": value}}
    if display:
        ref["display"] = display
    return ref


def claim(service: BillableService, source: str, created: dt.date) -> Resource:
    """One professional Claim for one service on the day it was provided."""
    hud_type: dict[str, object] = {"code": str(service.type_provided)}
    if service.type_provided_list:
        hud_type["system"] = code_system_url(service.type_provided_list)
    if service.type_provided_label:
        hud_type["display"] = service.type_provided_label
    product: dict[str, object] = {"coding": [hud_type]}
    if service.code is not None:
        product = {"coding": [{"system": service.code.system, "code": service.code.code,
                               "display": service.code.display}, hud_type], "text": service.code.display}
    elif service.type_provided_label:
        product["text"] = service.type_provided_label
    period = {"start": service.coverage.start.isoformat()}
    if service.coverage.end is not None:  # our end is exclusive, a FHIR Period's inclusive
        period["end"] = (service.coverage.end - dt.timedelta(days=1)).isoformat()
    record_type = coding("1.4", service.record_type) or {"code": str(service.record_type)}
    day = service.date.isoformat()
    return {
        "resourceType": "Claim",
        "id": fhir_id(service.services_id),
        "identifier": [{"system": identifier_system(source, "ServicesID"), "value": service.services_id}],
        "extension": [
            {"url": RECORD_TYPE, "valueCoding": record_type},
            {"url": UNMAPPED, "valueBoolean": service.code is None},
            {"url": COVERAGE_PERIOD, "valuePeriod": period},
        ],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "professional"}]},
        "use": "claim",
        "patient": _identified(source, "ClientID", service.client_id) if service.client_id
        else _identified(source, "PersonalID", service.personal_id),
        "billablePeriod": {"start": day, "end": day},
        "created": created.isoformat(),
        "provider": _identified(source, "OrganizationID", service.organization_id or service.project_id,
                                service.organization_name),
        "priority": {"coding": [{"system": PRIORITY, "code": "normal"}]},
        "facility": _identified(source, "ProjectID", service.project_id, service.project_name),
        "insurance": [{
            "sequence": 1, "focal": True,
            "coverage": _identified(source, "IncomeBenefitsID", service.coverage.sources[-1], "Medicaid"),
        }],
        "item": [{"sequence": 1, "productOrService": product, "servicedDate": day}],
    }


def claims_bundle(services: list[BillableService], source: str, created: dt.date) -> Resource:
    """A collection Bundle of the claims."""
    entries = [claim(s, source, created) for s in services]
    return {"resourceType": "Bundle", "type": "collection",  # a total is for searchset bundles only
            "entry": [{"fullUrl": f"urn:hmis-ld:fhir:Claim:{c['id']}", "resource": c} for c in entries]}
