"""FHIR R4 export (HL7 SDOH Clinical Care STU 2.2): bundle and Questionnaire, from the shipped
instruments and the real scorer, checked offline with fhir.resources (R4B models)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from screening.core.fhir import family_bundle
from screening.core.fhir_base import ICD10CM
from screening.core.fhir_base import LOINC
from screening.core.fhir_base import PROFILE_CONDITION
from screening.core.fhir_base import PROFILE_HEALTHCARE_SERVICE
from screening.core.fhir_base import PROFILE_SCREENING_RESPONSE
from screening.core.fhir_base import PROFILE_SERVICE_REQUEST
from screening.core.fhir_base import PROFILE_TASK
from screening.core.fhir_base import REFERRAL_TASK_STATUSES
from screening.core.fhir_base import SDOH_CATEGORIES
from screening.core.fhir_base import SDOHCC_CODES
from screening.core.fhir_base import SNOMED
from screening.core.fhir_base import MapError
from screening.core.fhir_base import check_maps
from screening.core.fhir_base import load_maps
from screening.core.fhir_questionnaire import questionnaire
from screening.core.instrument_loader import load_registry
from screening.core.instruments import DECLINED
from screening.core.scoring import score

FORMS = Path(__file__).resolve().parent.parent / "forms"
REGISTRY = load_registry(FORMS)
MAPS = load_maps(FORMS / "fhir_maps.yaml")
PROFILE_CANON = "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

# A family worried about losing housing, with pests, food running out, no ride, an unsafe
# relationship (HITS 3+4+5+4 = 16) and a depressed birthing parent (PHQ-9 = 13).
AHC = {
    "ahc_1": "LA31994-9",
    "ahc_2": ["LA31996-4", "LA28580-1"],
    "ahc_3": "LA6729-3",
    "ahc_4": "LA28398-8",
    "ahc_5": "LA33-6",
    "ahc_6": "LA32-8",
    "ahc_7": "LA10082-8",
    "ahc_8": "LA16644-9",
    "ahc_9": "LA6482-9",
    "ahc_10": DECLINED,
}
AHC_SAFE = AHC | {"ahc_10": "LA16644-9"}
PHQ9 = {"phq9_1": 2, "phq9_2": 2, "phq9_3": 2, "phq9_4": 2, "phq9_5": 1, "phq9_6": 2}
PHQ9 |= {"phq9_7": 1, "phq9_8": 1, "phq9_9": 0, "phq9_help": "later"}

SERVICE = {
    "id": "6c1d6f7e-5b1a-4d6e-9c55-2f0d7c1b9a10",
    "name": "Eastside Food Pantry",
    "organization": "Eastside Community Services",
    "phone": "555-0142",
    "website": "https://pantry.example.org",
    "languages": '["en", "es"]',
    "active": 1,
}


def _family():
    return {
        "id": 7,
        "mrn": "N0012345",
        "infants": [
            {"id": 70, "name": "Twin A Rivera", "dob": "2026-02-01", "position": 1},
            {"id": 71, "name": "Twin B Rivera", "dob": "2026-02-01", "position": 2},
        ],
        "caregivers": [
            {
                "id": 81,
                "name": "Lucía Rivera",
                "respondent": "birthing_parent",
                "phone": "555-0100",
                "language": "es",
                "interpreter_needed": 1,
            },
            {"id": 82, "name": "Sam Rivera", "respondent": "partner", "language": "en"},
        ],
    }


def _screening(answers, sid=31, caregiver=81, status="completed", respondent="birthing_parent"):
    return {
        "id": sid,
        "caregiver_id": caregiver,
        "status": status,
        "language": "es",
        "instruments": list(answers),
        "started_at": "2026-02-03T15:00:00Z",
        "completed_at": "2026-02-03T15:25:00Z" if status == "completed" else None,
        "result": score(REGISTRY, respondent, answers) if status == "completed" else None,
        "answers": answers,
    }


def _referral(rid, domain, status, reason=None, service=None, outcome=None, caregiver=None):
    return {
        "id": rid,
        "screening_id": 31,
        "caregiver_id": caregiver,
        "domain": domain,
        "status": status,
        "reason": reason,
        "outcome": outcome,
        "created_at": "2026-02-03T15:30:00Z",
        "accepted_at": None if status == "suggested" else "2026-02-03T15:31:00Z",
        "updated_at": "2026-02-10T09:00:00Z",
        "service": service,
    }


REFERRALS = [
    _referral(1, "food", "sent", service=SERVICE),
    _referral(2, "housing_instability", "connected", outcome="need_partly_met"),
    _referral(3, "mental_health", "not_connected", reason="no_capacity", caregiver=81),
    _referral(4, "transportation", "suggested"),
    _referral(5, "housing_quality", "declined"),
    _referral(6, "interpersonal_safety", "accepted", service=SERVICE),
]


def _bundle(**kwargs):
    screenings = kwargs.pop("screenings", [_screening({"ahc_core": AHC, "phq9": PHQ9})])
    return family_bundle(_family(), screenings, REFERRALS, REGISTRY, MAPS, **kwargs)


def _resources(bundle, kind=None):
    return [e["resource"] for e in bundle["entry"] if kind in (None, e["resource"]["resourceType"])]


def _by_url(bundle):
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def _codes(concept, system=None):
    return {c["code"] for c in concept.get("coding", []) if system in (None, c["system"])}


def _profiled(bundle, profile):
    return [r for r in _resources(bundle) if profile in r.get("meta", {}).get("profile", [])]


@pytest.fixture(scope="module")
def bundle():
    return _bundle(timestamp="2026-02-11T08:00:00Z")


def test_every_resource_parses_with_fhir_resources(bundle):
    Bundle.model_validate(bundle)
    for resource in _resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert bundle["type"] == "collection"


def test_every_reference_resolves_inside_the_bundle_and_ids_are_unique(bundle):
    urls = _by_url(bundle)
    assert len(urls) == len(bundle["entry"])

    def walk(node):
        if isinstance(node, dict):
            if set(node) >= {"reference"}:
                assert node["reference"] in urls, node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundle)


def test_export_is_stable_and_unit_scoped():
    first, again = _bundle(), _bundle()
    assert first == again
    other_unit = _bundle(unit={"key": "other-nicu"})
    assert {r["id"] for r in _resources(first)}.isdisjoint(r["id"] for r in _resources(other_unit))


def test_one_observation_per_answered_ahc_item_with_the_panels_loinc_codes(bundle):
    ahc = REGISTRY.get("ahc_core")
    by_code = {}
    for obs in _resources(bundle, "Observation"):
        for code in _codes(obs["code"], LOINC):
            by_code.setdefault(code, []).append(obs)
    for item_id, value in AHC.items():
        item = ahc.item(item_id)
        (obs,) = by_code[item.loinc]
        assert PROFILE_SCREENING_RESPONSE in obs["meta"]["profile"]
        if value == DECLINED:
            assert _codes(obs["dataAbsentReason"]) == {"asked-declined"}
            assert "valueCodeableConcept" not in obs
        elif isinstance(value, list):
            assert [_codes(c["valueCodeableConcept"], LOINC) for c in obs["component"]] == [
                {v} for v in value
            ]
        else:
            assert _codes(obs["valueCodeableConcept"], LOINC) == {value}
    safety = ahc.scores["safety"]
    # The safety total is not exported when an item is declined: it would understate the risk.
    assert safety.loinc not in by_code


def test_instrument_totals_are_observations_with_their_loinc_codes():
    bundle = _bundle(screenings=[_screening({"ahc_core": AHC_SAFE, "phq9": PHQ9})])
    result = score(REGISTRY, "birthing_parent", {"ahc_core": AHC_SAFE, "phq9": PHQ9})
    totals = {}
    for obs in _resources(bundle, "Observation"):
        if "valueQuantity" in obs:
            (code,) = _codes(obs["code"], LOINC)
            totals[code] = obs
    phq9, ahc = REGISTRY.get("phq9"), REGISTRY.get("ahc_core")
    assert (
        totals[phq9.scores["total"].loinc]["valueQuantity"]["value"]
        == (result["instruments"]["phq9"]["total"])
    )
    safety = totals[ahc.scores["safety"].loinc]
    assert (
        safety["valueQuantity"]["value"] == result["instruments"]["ahc_core"]["subtotals"]["safety"]
    )
    assert safety["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    urls = _by_url(bundle)
    members = [urls[m["reference"]] for m in safety["hasMember"]]
    assert {c for m in members for c in _codes(m["code"], LOINC)} == {
        ahc.item(i).loinc for i in ahc.scores["safety"].items
    }


def test_phq9_total_is_not_claimed_when_the_gate_kept_items_3_to_9_unasked():
    low = {"phq9_1": 0, "phq9_2": 1}
    bundle = _bundle(screenings=[_screening({"phq9": low})])
    codes = {c for o in _resources(bundle, "Observation") for c in _codes(o["code"], LOINC)}
    phq9 = REGISTRY.get("phq9")
    assert phq9.scores["phq2"].loinc in codes
    assert phq9.scores["total"].loinc not in codes


def test_a_condition_per_positive_domain_with_the_z_codes_score_suggested(bundle):
    result = score(REGISTRY, "birthing_parent", {"ahc_core": AHC, "phq9": PHQ9})
    expected = {}
    for entry in result["z_codes"]:
        expected.setdefault(entry["domain"], set()).add(entry["code"])
    assert expected  # the answer set is meant to raise several
    conditions = _resources(bundle, "Condition")
    got = [_codes(c["code"], ICD10CM) for c in conditions]
    assert sorted(map(sorted, got)) == sorted(map(sorted, expected.values()))
    urls = _by_url(bundle)
    for condition in conditions:
        assert _codes(condition["verificationStatus"]) == {"unconfirmed"}
        for evidence in condition["evidence"]:
            for detail in evidence["detail"]:
                assert urls[detail["reference"]]["resourceType"] in (
                    "Observation",
                    "QuestionnaireResponse",
                )
    food = next(c for c in conditions if "Z59.41" in _codes(c["code"]))
    assert _codes(food["code"], SNOMED) == {MAPS.z_code_snomed["Z59.41"]["code"]}
    evidence_codes = {
        code
        for e in food["evidence"]
        for d in e["detail"]
        for code in _codes(urls[d["reference"]]["code"], LOINC)
    }
    ahc = REGISTRY.get("ahc_core")
    assert evidence_codes == {ahc.item("ahc_3").loinc, ahc.item("ahc_4").loinc}


def test_service_request_and_task_per_referral_accepted_or_later_with_mapped_status(bundle):
    requests = _resources(bundle, "ServiceRequest")
    tasks = _resources(bundle, "Task")
    exported = [r for r in REFERRALS if r["status"] not in ("suggested", "declined")]
    assert len(requests) == len(tasks) == len(exported)
    urls = _by_url(bundle)
    pairs = [(t, urls[t["focus"]["reference"]]) for t in tasks]
    expected = []
    for referral in exported:
        status_map = MAPS.referral_status[referral["status"]]
        task_status = status_map["task"]
        if referral["reason"]:
            task_status = MAPS.not_connected_reason[referral["reason"]]["task"]
        expected.append((status_map["service_request"], task_status))
    assert sorted((r["status"], t["status"]) for t, r in pairs) == sorted(expected)
    assert {t["for"]["reference"] for t, r in pairs} == {
        r["subject"]["reference"] for t, r in pairs
    }
    not_connected = next(t for t, r in pairs if r["status"] == "revoked")
    assert not_connected["statusReason"]["text"] == MAPS.not_connected_reason["no_capacity"]["text"]
    assert not_connected["status"] == "rejected"
    connected = next(t for t in tasks if t["status"] == "completed")
    assert connected["businessStatus"]["text"] == MAPS.outcome["need_partly_met"]


def _cat(resource):
    return [c for cat in resource["category"] for c in _codes(cat, SDOHCC_CODES)]


def test_referral_to_a_directory_service_names_it_as_performer_and_owner(bundle):
    urls = _by_url(bundle)
    services = _resources(bundle, "HealthcareService")
    assert len(services) == 1  # two referrals to one service: one resource
    (service,) = services
    assert service["name"] == SERVICE["name"]
    assert urls[service["providedBy"]["reference"]]["name"] == SERVICE["organization"]
    food = next(r for r in _resources(bundle, "ServiceRequest") if "food-insecurity" in _cat(r))
    assert urls[food["performer"][0]["reference"]] is service
    reason = urls[food["reasonReference"][0]["reference"]]
    assert "Z59.41" in _codes(reason["code"], ICD10CM)


def test_screening_response_observations_keep_the_profiles_rules(bundle):
    observations = _profiled(bundle, PROFILE_SCREENING_RESPONSE)
    assert observations
    urls = _by_url(bundle)
    for obs in observations:
        assert obs["status"] in ("final", "corrected", "entered-in-error", "unknown")
        fixed = [c for cat in obs["category"] for c in _codes(cat, OBS_CATEGORY)]
        assert sorted(fixed) == ["social-history", "survey"]
        assert set(_cat(obs)) <= set(SDOH_CATEGORIES)
        assert _codes(obs["code"]) == _codes(obs["code"], LOINC) != set()
        assert urls[obs["subject"]["reference"]]["resourceType"] == "Patient"
        assert "effectiveDateTime" in obs
        assert "bodySite" not in obs and "specimen" not in obs
        for source in obs["derivedFrom"]:
            assert urls[source["reference"]]["resourceType"] == "QuestionnaireResponse"
    food = [o for o in observations if "food-insecurity" in _cat(o)]
    assert len(food) == 2  # ahc_3 and ahc_4 carry the SDOH category of their domain


def test_conditions_service_requests_and_tasks_keep_the_profiles_rules(bundle):
    urls = _by_url(bundle)
    for condition in _profiled(bundle, PROFILE_CONDITION):
        assert "health-concern" in {c for cat in condition["category"] for c in _codes(cat)}
        assert set(_cat(condition)) <= set(SDOH_CATEGORIES) and _cat(condition)
        assert _codes(condition["code"]) == _codes(condition["code"], ICD10CM) | _codes(
            condition["code"], SNOMED
        )
        assert urls[condition["subject"]["reference"]]["resourceType"] == "Patient"
        assert "bodySite" not in condition and "stage" not in condition
    requests = _profiled(bundle, PROFILE_SERVICE_REQUEST)
    tasks = _profiled(bundle, PROFILE_TASK)
    assert requests and len(tasks) == len(requests)
    for request in requests:
        assert request["code"]["coding"] and request["intent"] and request["status"]
        assert set(_cat(request)) <= set(SDOH_CATEGORIES)
        assert urls[request["subject"]["reference"]]["resourceType"] == "Patient"
    for task in tasks:
        assert task["intent"] == "order"
        assert task["code"]["coding"] == [
            {
                "system": "http://hl7.org/fhir/CodeSystem/task-code",
                "code": "fulfill",
                "display": "Fulfill the focal request",
            }
        ]
        assert task["status"] in REFERRAL_TASK_STATUSES
        assert task["status"] not in ("ready", "received")
        assert PROFILE_SERVICE_REQUEST in urls[task["focus"]["reference"]]["meta"]["profile"]
        assert urls[task["for"]["reference"]]["resourceType"] == "Patient"
        assert task["authoredOn"]
        assert urls[task["requester"]["reference"]]["resourceType"] == "Organization"
        if "statusReason" in task:
            assert task["statusReason"]["text"]
    for service in _profiled(bundle, PROFILE_HEALTHCARE_SERVICE):
        assert service["active"] is True and service["name"]
        appointment = [t for t in service["telecom"] if t.get("extension")]
        assert appointment and all(t["system"] and t["value"] for t in appointment)
    claimed = {p for r in _resources(bundle) for p in r.get("meta", {}).get("profile", [])}
    assert {p for p in claimed if p.startswith(PROFILE_CANON)} == {
        PROFILE_SCREENING_RESPONSE,
        PROFILE_CONDITION,
        PROFILE_SERVICE_REQUEST,
        PROFILE_TASK,
        PROFILE_HEALTHCARE_SERVICE,
    }


def test_parents_are_patients_and_related_persons_of_each_infant(bundle):
    urls = _by_url(bundle)
    patients = _resources(bundle, "Patient")
    infants = [p for p in patients if "birthDate" in p]
    parents = [p for p in patients if "birthDate" not in p]
    assert sorted(p["name"][0]["text"] for p in parents) == ["Lucía Rivera", "Sam Rivera"]
    # One MRN, on the first infant only: two Patients never share it.
    assert [p.get("identifier", [{}])[0].get("value") for p in infants] == ["N0012345", None]
    for parent in parents:
        related = [urls[link["other"]["reference"]] for link in parent["link"]]
        assert sorted(urls[r["patient"]["reference"]]["name"][0]["text"] for r in related) == [
            "Twin A Rivera",
            "Twin B Rivera",
        ]
    birthing = next(p for p in parents if p["name"][0]["text"] == "Lucía Rivera")
    assert birthing["extension"][0]["valueBoolean"] is True
    assert _codes(birthing["communication"][0]["language"]) == {"es"}


def test_only_completed_screenings_are_exported():
    unfinished = _screening({"ahc_core": AHC}, sid=32, status="in_progress")
    bundle = _bundle(screenings=[unfinished])
    assert not _resources(bundle, "QuestionnaireResponse")
    assert not _resources(bundle, "Observation")
    assert not _resources(bundle, "Condition")


def test_questionnaire_response_matches_the_questionnaire_it_names(bundle):
    for response in _resources(bundle, "QuestionnaireResponse"):
        instrument_id = response["questionnaire"].split("/")[-1].split("|")[0]
        form = questionnaire(REGISTRY.get(instrument_id), "es")
        assert response["questionnaire"] == f"{form['url']}|{form['version']}"
        options = {}
        for group in form["item"]:
            options[group["linkId"]] = None
            for item in group.get("item", []):
                options[item["linkId"]] = [o["valueCoding"]["code"] for o in item["answerOption"]]
        for group in response["item"]:
            assert group["linkId"] in options
            for item in group.get("item", []):
                for answer in item["answer"]:
                    assert answer["valueCoding"]["code"] in options[item["linkId"]]


def test_a_broken_map_is_refused_with_every_problem_named():
    data = yaml.safe_load((FORMS / "fhir_maps.yaml").read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    broken["sdoh_category"]["language_access"] = "language-access"  # STU 3 only
    broken["referral_status"]["sent"]["task"] = "ready"  # excluded by the guide
    del broken["not_connected_reason"]["other"]
    problems = check_maps(broken)
    assert len(problems) == 3
    assert any("language_access" in p for p in problems)
    assert any("referral_status.sent.task" in p for p in problems)
    assert any("no entry for other" in p for p in problems)
    assert check_maps(data) == []


def test_load_maps_names_the_file(tmp_path):
    path = tmp_path / "fhir_maps.yaml"
    path.write_text("sdoh_category: {}\n", encoding="utf-8")
    with pytest.raises(MapError) as caught:
        load_maps(path)
    assert all(p.startswith("fhir_maps.yaml: ") for p in caught.value.problems)
