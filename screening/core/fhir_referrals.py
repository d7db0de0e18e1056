"""Referrals as SDOHCC ServiceRequest + Task, and directory services as Organization and
HealthcareService (HL7 SDOH Clinical Care STU 2.2)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .fhir_base import PROFILE_HEALTHCARE_SERVICE
from .fhir_base import PROFILE_SERVICE_REQUEST
from .fhir_base import PROFILE_TASK
from .fhir_base import SNOMED
from .fhir_base import TASK_CODE
from .fhir_base import FhirMaps
from .fhir_base import Ids
from .fhir_base import coding
from .fhir_base import concept
from .fhir_base import ref
from .fhir_base import sdoh_category

SOCIAL_SERVICE = coding(SNOMED, "410606002", "Social service procedure")
APPOINTMENT_TELECOM = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
    "SDOHCC-ExtensionHealthcareServiceTelecomAppointment"
)


def referral_statuses(maps: FhirMaps, referral: Mapping[str, Any]) -> tuple[str, str]:
    """(ServiceRequest.status, Task.status) of a referral, from the map file."""
    target = maps.referral_status[referral["status"]]
    task = target["task"]
    if referral["status"] == "not_connected" and referral.get("reason"):
        task = maps.not_connected_reason[referral["reason"]]["task"]
    return target["service_request"], task


def service_resources(ids: Ids, service: Mapping[str, Any]) -> tuple[str, list[dict]]:
    """(HealthcareService id, [Organization, HealthcareService]) for a `services` row."""
    provider = service.get("organization") or service["name"]
    org_id = ids.of("Organization", "provider", provider)
    hs_id = ids.of("HealthcareService", service["id"])
    organization = {
        "resourceType": "Organization",
        "id": org_id,
        "active": True,
        "name": provider,
    }
    healthcare: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": hs_id,
        "active": bool(service.get("active", 1)),
        "providedBy": ref(org_id) | {"display": provider},
        "name": service["name"],
    }
    telecom = []
    if service.get("phone"):
        # The directory's phone is the number families call to be seen: the guide's
        # appointment contact.
        telecom.append(
            {
                "extension": [{"url": APPOINTMENT_TELECOM, "valueBoolean": True}],
                "system": "phone",
                "value": service["phone"],
            }
        )
    if service.get("website"):
        telecom.append({"system": "url", "value": service["website"]})
    if telecom:
        healthcare["telecom"] = telecom
    languages = service.get("languages") or []
    if isinstance(languages, str):
        # Straight from the table, where the list is stored as JSON text.
        languages = json.loads(languages)
    if languages:
        healthcare["communication"] = [
            concept(coding("urn:ietf:bcp:47", str(code))) for code in languages
        ]
    # The profile fixes active = true and needs an appointment contact: claim it only then.
    if healthcare["active"] and service.get("phone"):
        healthcare["meta"] = {"profile": [PROFILE_HEALTHCARE_SERVICE]}
    return hs_id, [organization, healthcare]


def referral_resources(
    ids: Ids,
    maps: FhirMaps,
    referral: Mapping[str, Any],
    *,
    subject: dict[str, str],
    requester: dict[str, str],
    performer: dict[str, str] | None,
    reasons: list[dict[str, str]],
) -> list[dict[str, Any]]:
    """[ServiceRequest, Task] for one referral accepted or later."""
    request_status, task_status = referral_statuses(maps, referral)
    sr_id = ids.of("ServiceRequest", referral["id"])
    category = [concept(SOCIAL_SERVICE)]
    sdoh = maps.category_of(referral["domain"])
    if sdoh:
        category.append(sdoh_category(sdoh))
    code = maps.referral_code
    service_request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": sr_id,
        "meta": {"profile": [PROFILE_SERVICE_REQUEST]},
        "status": request_status,
        "intent": "order",
        "category": category,
        "priority": "routine",
        "code": concept(coding(code["system"], code["code"], code.get("display"))),
        "subject": subject,
        "authoredOn": referral.get("accepted_at") or referral["created_at"],
        "requester": requester,
    }
    if performer:
        service_request["performer"] = [performer]
    if reasons:
        service_request["reasonReference"] = reasons
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": ids.of("Task", referral["id"]),
        "meta": {"profile": [PROFILE_TASK]},
        "status": task_status,
        "intent": "order",
        "priority": "routine",
        "code": concept(coding(TASK_CODE, "fulfill", "Fulfill the focal request")),
        "focus": ref(sr_id),
        "for": subject,
        "authoredOn": referral.get("accepted_at") or referral["created_at"],
        "lastModified": referral.get("updated_at") or referral["created_at"],
        "requester": requester,
    }
    if performer:
        task["owner"] = performer
    if referral["status"] == "not_connected" and referral.get("reason"):
        task["statusReason"] = {"text": maps.not_connected_reason[referral["reason"]]["text"]}
    outcome = referral.get("outcome")
    if referral["status"] == "connected" and outcome in maps.outcome:
        task["businessStatus"] = {"text": maps.outcome[outcome]}
    return [service_request, task]
