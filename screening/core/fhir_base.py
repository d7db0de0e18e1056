"""What every FHIR builder shares: code systems, profiles, the code maps, stable ids."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .identifiers import DOMAINS
from .identifiers import NOT_CONNECTED_REASONS
from .identifiers import RESPONDENTS

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
SDOHCC_CODES = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
LANGUAGE = "urn:ietf:bcp:47"

_SDOHCC = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/"
PROFILE_SCREENING_RESPONSE = _SDOHCC + "SDOHCC-ObservationScreeningResponse"
PROFILE_CONDITION = _SDOHCC + "SDOHCC-Condition"
PROFILE_SERVICE_REQUEST = _SDOHCC + "SDOHCC-ServiceRequest"
PROFILE_TASK = _SDOHCC + "SDOHCC-TaskForReferralManagement"
PROFILE_HEALTHCARE_SERVICE = _SDOHCC + "SDOHCC-HealthcareService"
PROFILE_QUESTIONNAIRE_RESPONSE = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaireresponse"
)

# SDOHCC-ValueSetSDOHCategory as published in STU 2.2 (a required binding).
SDOH_CATEGORIES = (
    "sdoh-category-unspecified",
    "food-insecurity",
    "housing-instability",
    "homelessness",
    "inadequate-housing",
    "transportation-insecurity",
    "financial-insecurity",
    "material-hardship",
    "educational-attainment",
    "employment-status",
    "veteran-status",
    "stress",
    "social-connection",
    "intimate-partner-violence",
    "elder-abuse",
    "personal-health-literacy",
    "health-insurance-coverage-status",
    "medical-cost-burden",
    "digital-literacy",
    "digital-access",
    "utility-insecurity",
)
# FHIR R4 TaskStatus without ready and received (SDOHCC-ValueSetReferralTaskStatus).
REFERRAL_TASK_STATUSES = (
    "draft",
    "requested",
    "accepted",
    "rejected",
    "cancelled",
    "in-progress",
    "on-hold",
    "failed",
    "completed",
    "entered-in-error",
)
SERVICE_REQUEST_STATUSES = (
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
)
# The referral statuses that are orders: the family accepted, so the export carries them.
EXPORTED_REFERRAL_STATUSES = ("accepted", "sent", "connected", "not_connected")
OUTCOMES = ("need_met", "need_partly_met", "need_not_met", "unknown")

# The product's own code systems, for codes that have no LOINC (local items and answers).
DEFAULT_BASE = "https://nicu-screening.invalid/fhir"


class MapError(Exception):
    """forms/fhir_maps.yaml is broken; .problems has one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class FhirMaps:
    """The code maps of forms/fhir_maps.yaml, checked."""

    sdoh_category: dict[str, str | None]
    z_code_category: dict[str, str]
    z_code_snomed: dict[str, dict[str, str]]
    referral_code: dict[str, str]
    referral_status: dict[str, dict[str, str]]
    not_connected_reason: dict[str, dict[str, str]]
    outcome: dict[str, str]
    relationship: dict[str, dict[str, str]]

    def category_of(self, domain: str, z_code: str | None = None) -> str | None:
        """The SDOH category of a domain, or of one of its Z codes when that is more precise."""
        if z_code and z_code in self.z_code_category:
            return self.z_code_category[z_code]
        return self.sdoh_category.get(domain)


def load_maps(path: Path) -> FhirMaps:
    """Read and check the map file; MapError lists every problem."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    problems = check_maps(data)
    if problems:
        raise MapError([f"{Path(path).name}: {p}" for p in problems])
    return FhirMaps(
        sdoh_category=dict(data["sdoh_category"]),
        z_code_category=dict(data.get("z_code_category") or {}),
        z_code_snomed={k: dict(v) for k, v in (data.get("z_code_snomed") or {}).items()},
        referral_code=dict(data["referral_code"]),
        referral_status={k: dict(v) for k, v in data["referral_status"].items()},
        not_connected_reason={k: dict(v) for k, v in data["not_connected_reason"].items()},
        outcome=dict(data["outcome"]),
        relationship={k: dict(v) for k, v in data["relationship"].items()},
    )


def check_maps(data: Any) -> list[str]:
    """Every way the map data breaks the guide's bindings or misses an app code."""
    if not isinstance(data, dict):
        return ["expected a mapping"]
    problems: list[str] = []
    categories = data.get("sdoh_category") or {}
    problems += _missing("sdoh_category", categories, DOMAINS)
    for domain, code in categories.items():
        if code is not None and code not in SDOH_CATEGORIES:
            problems.append(f"sdoh_category.{domain}: {code!r} is not an STU 2.2 SDOH category")
    for z_code, code in (data.get("z_code_category") or {}).items():
        if code not in SDOH_CATEGORIES:
            problems.append(f"z_code_category.{z_code}: {code!r} is not an STU 2.2 SDOH category")
    statuses = data.get("referral_status") or {}
    problems += _missing("referral_status", statuses, EXPORTED_REFERRAL_STATUSES)
    for status, target in statuses.items():
        problems += _status_problems(f"referral_status.{status}", target)
    reasons = data.get("not_connected_reason") or {}
    problems += _missing("not_connected_reason", reasons, NOT_CONNECTED_REASONS)
    for reason, target in reasons.items():
        problems += _status_problems(f"not_connected_reason.{reason}", target)
        if not (isinstance(target, dict) and target.get("text")):
            problems.append(f"not_connected_reason.{reason}: text is required (statusReason)")
    problems += _missing("outcome", data.get("outcome") or {}, OUTCOMES)
    problems += _missing("relationship", data.get("relationship") or {}, RESPONDENTS)
    code = data.get("referral_code")
    if not (isinstance(code, dict) and code.get("system") and code.get("code")):
        problems.append("referral_code: expected {system, code, display}")
    return problems


def _missing(section: str, given: Mapping, required: tuple[str, ...]) -> list[str]:
    return [f"{section}: no entry for {name}" for name in required if name not in given]


def _status_problems(where: str, target: Any) -> list[str]:
    if not isinstance(target, dict):
        return [f"{where}: expected a mapping"]
    problems = []
    task = target.get("task")
    if task not in REFERRAL_TASK_STATUSES:
        problems.append(f"{where}.task: {task!r} is not allowed for a referral Task")
    request = target.get("service_request")
    if request is not None and request not in SERVICE_REQUEST_STATUSES:
        problems.append(f"{where}.service_request: {request!r} is not a ServiceRequest status")
    return problems


class Ids:
    """Stable resource ids: the same record always exports under the same UUID.

    The unit key is part of the name so two units' record 1 never collide in one EHR.
    """

    def __init__(self, unit_key: str):
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"nicu-screening:{unit_key}")

    def of(self, kind: str, *key: object) -> str:
        """The UUID of one record, e.g. ids.of("Patient", "caregiver", 7)."""
        name = "/".join([kind, *(str(k) for k in key)])
        return str(uuid.uuid5(self._namespace, name))


def ref(resource_id: str) -> dict[str, str]:
    """A reference to a resource inside the Bundle (entries are addressed by urn:uuid)."""
    return {"reference": f"urn:uuid:{resource_id}"}


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    """A Coding, without display when the code system's own display is not known here."""
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(*codings: dict[str, str], text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept."""
    out: dict[str, Any] = {"coding": list(codings)}
    if text:
        out["text"] = text
    return out


def sdoh_category(code: str) -> dict[str, Any]:
    """The SDOH category CodeableConcept of the guide's temporary code system."""
    display = "SDOH Category Unspecified" if code == "sdoh-category-unspecified" else None
    display = display or code.replace("-", " ").title()
    return concept(coding(SDOHCC_CODES, code, display))
