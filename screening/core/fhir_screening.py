"""One completed screening as FHIR: a QuestionnaireResponse per instrument, an SDOHCC
Observation Screening Response per answered item and per complete score, and an SDOHCC
Condition per positive domain with the Z codes the scorer suggested."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from .fhir_base import CONDITION_CATEGORY
from .fhir_base import CONDITION_CLINICAL
from .fhir_base import CONDITION_VERIFICATION
from .fhir_base import DATA_ABSENT
from .fhir_base import DEFAULT_BASE
from .fhir_base import ICD10CM
from .fhir_base import LOINC
from .fhir_base import OBSERVATION_CATEGORY
from .fhir_base import PROFILE_CONDITION
from .fhir_base import PROFILE_QUESTIONNAIRE_RESPONSE
from .fhir_base import PROFILE_SCREENING_RESPONSE
from .fhir_base import SNOMED
from .fhir_base import UCUM
from .fhir_base import FhirMaps
from .fhir_base import Ids
from .fhir_base import coding
from .fhir_base import concept
from .fhir_base import ref
from .fhir_base import sdoh_category
from .fhir_questionnaire import answer_coding
from .fhir_questionnaire import canonical
from .fhir_questionnaire import domain_items
from .fhir_questionnaire import local_system
from .fhir_questionnaire import score_link_id
from .instruments import DECLINED
from .instruments import Instrument
from .instruments import Item
from .instruments import Registry

SOCIAL_HISTORY = coding(OBSERVATION_CATEGORY, "social-history", "Social History")
SURVEY = coding(OBSERVATION_CATEGORY, "survey", "Survey")


@dataclass
class ScreeningExport:
    """The resources of one screening, and which Observation stands for which item."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    # (instrument id, item id or score linkId) -> Observation id
    observations: dict[tuple[str, str], str] = field(default_factory=dict)
    # domain -> Condition id
    conditions: dict[str, str] = field(default_factory=dict)


def screening_resources(
    ids: Ids,
    maps: FhirMaps,
    registry: Registry,
    screening: Mapping[str, Any],
    subject: dict[str, str],
    base: str = DEFAULT_BASE,
) -> ScreeningExport:
    """Everything one completed screening says, about the caregiver who answered it."""
    out = ScreeningExport()
    when = screening.get("completed_at") or screening["started_at"]
    lang = screening.get("language") or "en"
    all_answers: Mapping[str, Mapping[str, object]] = screening.get("answers") or {}
    for instrument_id in screening["instruments"]:
        instrument = registry.get(instrument_id)
        given = all_answers.get(instrument_id) or {}
        qr_id = ids.of("QuestionnaireResponse", screening["id"], instrument_id)
        context = _Context(ids, maps, instrument, screening["id"], subject, when, lang, qr_id)
        out.resources.append(_questionnaire_response(context, given, base))
        for item in instrument.items:
            if item.id in given:
                obs = _item_observation(context, item, given[item.id], base)
                out.observations[(instrument_id, item.id)] = obs["id"]
                out.resources.append(obs)
        for name in instrument.scores:
            total = _score_observation(context, name, given, out.observations, base)
            if total is not None:
                out.observations[(instrument_id, score_link_id(instrument, name))] = total["id"]
                out.resources.append(total)
    result = screening.get("result") or {}
    for domain, codes in _z_codes_by_domain(result).items():
        condition = _condition(ids, maps, registry, screening, domain, codes, subject, out)
        out.conditions[domain] = condition["id"]
        out.resources.append(condition)
    return out


@dataclass(frozen=True)
class _Context:
    ids: Ids
    maps: FhirMaps
    instrument: Instrument
    screening_id: int
    subject: dict[str, str]
    when: str
    lang: str
    qr_id: str

    def categories(self, item_ids: list[str]) -> list[dict[str, Any]]:
        """social-history and survey (fixed by the profile), then the items' SDOH categories."""
        out = [concept(SOCIAL_HISTORY), concept(SURVEY)]
        seen: set[str] = set()
        for domain, items in domain_items(self.instrument).items():
            code = self.maps.category_of(domain)
            if code and code not in seen and set(items) & set(item_ids):
                seen.add(code)
                out.append(sdoh_category(code))
        return out


def _questionnaire_response(ctx: _Context, given: Mapping, base: str) -> dict[str, Any]:
    instrument = ctx.instrument
    pages = []
    for index, items in enumerate(instrument.pages()):
        answered = []
        for item in items:
            value = given.get(item.id)
            # A declined item stays out of the response: nothing was answered.
            if value is None or value == DECLINED:
                continue
            answered.append(
                {
                    "linkId": item.id,
                    "text": item.text[ctx.lang],
                    "answer": _answers(ctx, item, value, base),
                }
            )
        if answered:
            pages.append({"linkId": f"page_{index + 1}", "item": answered})
    for name, score in instrument.scores.items():
        total = _complete_total(instrument, score.items, given)
        if total is not None:
            pages.append(
                {"linkId": score_link_id(instrument, name), "answer": [{"valueInteger": total}]}
            )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": ctx.qr_id,
        "meta": {"profile": [PROFILE_QUESTIONNAIRE_RESPONSE]},
        "questionnaire": f"{canonical(instrument, base)}|{instrument.version}",
        "status": "completed",
        "subject": ctx.subject,
        "authored": ctx.when,
        "source": ctx.subject,
        "language": ctx.lang,
        "item": pages,
    }


def _answers(ctx: _Context, item: Item, value: object, base: str) -> list[dict[str, Any]]:
    if item.type == "number":
        return [{"valueInteger": value}]
    if item.type == "text":
        return [{"valueString": value}]
    chosen = value if isinstance(value, list) else [value]
    out = []
    for code in chosen:
        option = item.lookup(code)
        if option is not None:
            out.append({"valueCoding": answer_coding(ctx.instrument, option, ctx.lang, base)})
    return out


def _observation(ctx: _Context, obs_id: str, code: dict, loinc: bool, item_ids: list[str]) -> dict:
    out: dict[str, Any] = {"resourceType": "Observation", "id": obs_id}
    # The SDOHCC profile binds Observation.code to LOINC (required): a local question is
    # exported as a plain Observation rather than claim a profile it breaks.
    if loinc:
        out["meta"] = {"profile": [PROFILE_SCREENING_RESPONSE]}
    out |= {
        "status": "final",
        "category": ctx.categories(item_ids),
        "code": code,
        "subject": ctx.subject,
        "effectiveDateTime": ctx.when,
        "performer": [ctx.subject],
        "derivedFrom": [ref(ctx.qr_id)],
    }
    return out


def _item_observation(ctx: _Context, item: Item, value: object, base: str) -> dict[str, Any]:
    instrument = ctx.instrument
    text = item.text[ctx.lang]
    if item.loinc:
        code = concept(coding(LOINC, item.loinc), text=text)
    else:
        code = concept(coding(local_system(instrument, base), item.id), text=text)
    obs_id = ctx.ids.of("Observation", ctx.screening_id, instrument.id, item.id)
    out = _observation(ctx, obs_id, code, bool(item.loinc), [item.id])
    if value == DECLINED:
        out["dataAbsentReason"] = concept(
            coding(DATA_ABSENT, "asked-declined", "Asked But Declined")
        )
        return out
    answers = _answers(ctx, item, value, base)
    if item.type == "multi":
        # One Observation per question: each chosen answer is a component with the same code.
        out["component"] = [
            {"code": code, "valueCodeableConcept": concept(a["valueCoding"])} for a in answers
        ]
    elif "valueCoding" in answers[0]:
        out["valueCodeableConcept"] = concept(answers[0]["valueCoding"])
    elif "valueInteger" in answers[0]:
        out["valueInteger"] = answers[0]["valueInteger"]
    else:
        out["valueString"] = answers[0]["valueString"]
    return out


def _complete_total(
    instrument: Instrument, item_ids: tuple[str, ...], given: Mapping
) -> int | None:
    """The score when every one of its items was answered; else None (a PHQ-9 total over
    only the PHQ-2 items would be a different measure under the PHQ-9 code)."""
    total = 0
    for item_id in item_ids:
        option = instrument.item(item_id).lookup(given.get(item_id))
        if option is None:
            return None
        total += option.score or 0
    return total


def _score_observation(
    ctx: _Context, name: str, given: Mapping, observations: dict, base: str
) -> dict[str, Any] | None:
    instrument = ctx.instrument
    score = instrument.scores[name]
    total = _complete_total(instrument, score.items, given)
    if total is None:
        return None
    if score.loinc:
        code = concept(coding(LOINC, score.loinc), text=score.label)
    else:
        code = concept(
            coding(local_system(instrument, base), score_link_id(instrument, name)),
            text=score.label,
        )
    obs_id = ctx.ids.of("Observation", ctx.screening_id, instrument.id, "score", name)
    out = _observation(ctx, obs_id, code, bool(score.loinc), list(score.items))
    out["valueQuantity"] = {"value": total, "unit": "{score}", "system": UCUM, "code": "{score}"}
    out["hasMember"] = [ref(observations[(instrument.id, i)]) for i in score.items]
    return out


def _z_codes_by_domain(result: Mapping[str, Any]) -> dict[str, list[dict]]:
    positive = {d for d, o in (result.get("domains") or {}).items() if o["status"] == "positive"}
    out: dict[str, list[dict]] = {}
    for entry in result.get("z_codes") or []:
        if entry["domain"] in positive:
            out.setdefault(entry["domain"], []).append(entry)
    return out


def _condition(
    ids: Ids,
    maps: FhirMaps,
    registry: Registry,
    screening: Mapping[str, Any],
    domain: str,
    codes: list[dict],
    subject: dict[str, str],
    export: ScreeningExport,
) -> dict[str, Any]:
    codings = [coding(ICD10CM, c["code"], c.get("title")) for c in codes]
    for c in codes:
        snomed = maps.z_code_snomed.get(c["code"])
        if snomed and all(x["code"] != snomed["code"] for x in codings):
            codings.append(coding(SNOMED, snomed["code"], snomed.get("display")))
    categories = [concept(coding(CONDITION_CATEGORY, "health-concern", "Health Concern"))]
    seen: set[str] = set()
    for c in codes:
        sdoh = maps.category_of(domain, c["code"])
        if sdoh and sdoh not in seen:
            seen.add(sdoh)
            categories.append(sdoh_category(sdoh))
    evidence = []
    for instrument_id in screening["instruments"]:
        instrument = registry.get(instrument_id)
        linked = domain_items(instrument).get(domain, [])
        keys = [*linked, *(score_link_id(instrument, n) for n in instrument.scores)]
        for key in keys:
            obs_id = export.observations.get((instrument_id, key))
            is_score = key not in linked
            if obs_id and (not is_score or _score_feeds(instrument, key, linked)):
                evidence.append({"detail": [ref(obs_id)]})
    if not evidence:
        evidence = [
            {"detail": [ref(ids.of("QuestionnaireResponse", screening["id"], i))]}
            for i in screening["instruments"]
        ]
    return {
        "resourceType": "Condition",
        "id": ids.of("Condition", screening["id"], domain),
        "meta": {"profile": [PROFILE_CONDITION]},
        "clinicalStatus": concept(coding(CONDITION_CLINICAL, "active", "Active")),
        # A screening suggests; only a clinician confirms a social diagnosis.
        "verificationStatus": concept(coding(CONDITION_VERIFICATION, "unconfirmed", "Unconfirmed")),
        "category": categories,
        "code": concept(*codings, text=domain.replace("_", " ")),
        "subject": subject,
        "onsetDateTime": screening.get("completed_at") or screening["started_at"],
        "recordedDate": screening.get("completed_at") or screening["started_at"],
        "evidence": evidence,
    }


def _score_feeds(instrument: Instrument, link_id: str, linked: list[str]) -> bool:
    name = link_id.split(".", 1)[1]
    return bool(set(instrument.scores[name].items) & set(linked))
