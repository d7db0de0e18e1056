"""A family's screenings, findings and referrals as one FHIR R4 Bundle (type collection)
following HL7 SDOH Clinical Care STU 2.2.

Input is plain dicts with the columns of the app's tables, so the store passes rows in:

- family: a `families` row with `infants` and `caregivers` (lists of rows), as
  `get_family` returns it;
- screenings: `screenings` rows with `instruments` (list), `result` (what `score` returned)
  and `answers` ({instrument: {item: value or "declined"}}); only completed ones (and closed
  ones: completed, alerts followed up) are exported;
- referrals: `referrals` rows with `service` (a `services` row, or None) and, when known,
  `outcome`; only those accepted or later are exported (a suggestion is not an order);
- unit: {"key", "name", "mrn_system", "base"}: who exports, the EHR's MRN identifier
  system, and the base of the product's own code systems. All optional.

Each caregiver is a Patient (the screening is about them, and SDOHCC screening responses
and conditions need a Patient subject) and also a RelatedPerson of each infant's Patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from .fhir_base import DEFAULT_BASE
from .fhir_base import EXPORTED_REFERRAL_STATUSES
from .fhir_base import IDENTIFIER_TYPE
from .fhir_base import LANGUAGE
from .fhir_base import ROLE_CODE
from .fhir_base import FhirMaps
from .fhir_base import Ids
from .fhir_base import coding
from .fhir_base import concept
from .fhir_base import ref
from .fhir_referrals import referral_resources
from .fhir_referrals import service_resources
from .fhir_screening import screening_resources
from .instruments import Registry
from .schedule import DONE

INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
# The birthing parent first: a family-level referral with no caregiver is about them.
_RESPONDENT_ORDER = {"birthing_parent": 0, "partner": 1, "other_caregiver": 2}


def family_bundle(
    family: Mapping[str, Any],
    screenings: Sequence[Mapping[str, Any]],
    referrals: Sequence[Mapping[str, Any]],
    registry: Registry,
    maps: FhirMaps,
    *,
    unit: Mapping[str, str] | None = None,
    timestamp: str | None = None,
) -> dict[str, Any]:
    """The family as a FHIR Bundle; the same records always give the same ids."""
    unit = unit or {}
    ids = Ids(unit.get("key") or "unit")
    base = unit.get("base") or DEFAULT_BASE
    resources: list[dict[str, Any]] = []
    unit_id = ids.of("Organization", "unit")
    resources.append(
        {
            "resourceType": "Organization",
            "id": unit_id,
            "active": True,
            "name": unit.get("name") or "NICU social work",
        }
    )
    infants = [_infant(ids, family, infant, unit) for infant in family.get("infants") or []]
    resources += infants
    caregivers = sorted(
        family.get("caregivers") or [], key=lambda c: (_RESPONDENT_ORDER[c["respondent"]], c["id"])
    )
    for caregiver in caregivers:
        resources += _caregiver(ids, maps, caregiver, infants)
    patient_of = {c["id"]: ref(ids.of("Patient", "caregiver", c["id"])) for c in caregivers}

    conditions: dict[tuple[int, str], str] = {}
    caregiver_of_screening: dict[int, int] = {}
    for screening in screenings:
        if screening["status"] not in DONE:
            continue
        caregiver_of_screening[screening["id"]] = screening["caregiver_id"]
        export = screening_resources(
            ids, maps, registry, screening, patient_of[screening["caregiver_id"]], base
        )
        resources += export.resources
        for domain, condition_id in export.conditions.items():
            conditions[(screening["id"], domain)] = condition_id

    services: dict[str, str] = {}
    for referral in referrals:
        if referral["status"] not in EXPORTED_REFERRAL_STATUSES:
            continue
        performer = None
        service = referral.get("service")
        if service:
            if service["id"] not in services:
                hs_id, service_rows = service_resources(ids, service)
                services[service["id"]] = hs_id
                resources += service_rows
            performer = ref(services[service["id"]]) | {"display": service["name"]}
        caregiver_id = (
            referral.get("caregiver_id")
            or caregiver_of_screening.get(referral.get("screening_id") or 0)
            or (caregivers[0]["id"] if caregivers else None)
        )
        if caregiver_id is None:
            continue
        reason = conditions.get((referral.get("screening_id") or 0, referral["domain"]))
        resources += referral_resources(
            ids,
            maps,
            referral,
            subject=patient_of[caregiver_id],
            requester=ref(unit_id),
            performer=performer,
            reasons=[ref(reason)] if reason else [],
        )

    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": ids.of("Bundle", "family", family["id"]),
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    if timestamp:
        bundle["timestamp"] = timestamp
    return bundle


def _infant(
    ids: Ids, family: Mapping[str, Any], infant: Mapping[str, Any], unit: Mapping[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Patient",
        "id": ids.of("Patient", "infant", infant["id"]),
    }
    # The unit records one MRN per family, labelled the infant's; with twins it belongs to
    # the first infant only, so two Patients never share one MRN.
    if infant.get("position", 1) == 1 and family.get("mrn"):
        identifier: dict[str, Any] = {
            "use": "usual",
            "type": concept(coding(IDENTIFIER_TYPE, "MR", "Medical record number")),
            "value": family["mrn"],
        }
        if unit.get("mrn_system"):
            identifier["system"] = unit["mrn_system"]
        out["identifier"] = [identifier]
    out["name"] = [{"text": infant["name"]}]
    out["birthDate"] = infant["dob"]
    return out


def _caregiver(
    ids: Ids, maps: FhirMaps, caregiver: Mapping[str, Any], infants: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    patient_id = ids.of("Patient", "caregiver", caregiver["id"])
    name = [{"text": caregiver["name"]}]
    telecom = [{"system": "phone", "value": caregiver["phone"]}] if caregiver.get("phone") else []
    language = caregiver.get("language") or "en"
    communication = [{"language": concept(coding(LANGUAGE, language)), "preferred": True}]
    patient: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    if caregiver.get("interpreter_needed"):
        patient["extension"] = [{"url": INTERPRETER_REQUIRED, "valueBoolean": True}]
    patient["name"] = name
    if telecom:
        patient["telecom"] = telecom
    patient["communication"] = communication
    relationship = maps.relationship[caregiver["respondent"]]
    related = []
    for infant in infants:
        related_id = ids.of("RelatedPerson", caregiver["id"], infant["id"])
        person: dict[str, Any] = {
            "resourceType": "RelatedPerson",
            "id": related_id,
            "active": True,
            "patient": ref(infant["id"]),
            "relationship": [
                concept(coding(ROLE_CODE, relationship["code"], relationship.get("display")))
            ],
            "name": name,
        }
        if telecom:
            person["telecom"] = telecom
        person["communication"] = communication
        related.append(person)
    if related:
        # seealso: the RelatedPerson records describe this same person.
        patient["link"] = [{"other": ref(r["id"]), "type": "seealso"} for r in related]
    return [patient, *related]
