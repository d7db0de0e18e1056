"""An instrument as a FHIR R4 Questionnaire, and the answer codings its responses share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fhir_base import DEFAULT_BASE
from .fhir_base import LOINC
from .fhir_base import coding
from .instruments import Instrument
from .instruments import Item
from .instruments import Option
from .instruments import resolve_threshold

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
CALCULATED = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
ITEM_TYPES = {"single": "choice", "multi": "choice", "number": "integer", "text": "text"}
LANGUAGES = ("en", "es")


def canonical(instrument: Instrument, base: str = DEFAULT_BASE) -> str:
    """The Questionnaire's canonical URL (QuestionnaireResponse.questionnaire adds |version)."""
    return f"{base}/Questionnaire/{instrument.id}"


def local_system(instrument: Instrument, base: str = DEFAULT_BASE) -> str:
    """The product's code system for an instrument's items and answers that have no LOINC."""
    return f"{base}/CodeSystem/{instrument.id}"


def loinc_answer(option: Option) -> str | None:
    """The option's LOINC answer code: the stored code itself (AHC) or its declared `loinc`."""
    if option.loinc:
        return option.loinc
    if isinstance(option.code, str) and option.code.startswith("LA"):
        return option.code
    return None


def answer_coding(
    instrument: Instrument, option: Option, lang: str, base: str = DEFAULT_BASE
) -> dict[str, Any]:
    """The Coding of one answer, shown with the words the family saw."""
    la_code = loinc_answer(option)
    text = option.text.get(lang) or option.text["en"]
    if la_code:
        return coding(LOINC, la_code, text)
    return coding(local_system(instrument, base), str(option.code), text)


def score_link_id(instrument: Instrument, name: str) -> str:
    """linkId of a calculated score; the dot keeps it apart from every item id."""
    return f"{instrument.id}.{name}"


def domain_items(instrument: Instrument) -> dict[str, list[str]]:
    """{domain: item ids whose answers decide it}, from the instrument's own rules."""
    out: dict[str, list[str]] = {}
    for rule in instrument.rules:
        condition = rule.condition
        if condition.kind == "score":
            items = instrument.scores[condition.name].items
        else:
            items = condition.items
        bucket = out.setdefault(rule.domain, [])
        bucket.extend(i for i in items if i not in bucket)
    for item in instrument.items:
        if item.wants_help_for:
            bucket = out.setdefault(item.wants_help_for, [])
            if item.id not in bucket:
                bucket.append(item.id)
    return out


def questionnaire(
    instrument: Instrument,
    lang: str = "en",
    settings: Mapping[str, object] | None = None,
    base: str = DEFAULT_BASE,
) -> dict[str, Any]:
    """The instrument as a Questionnaire: pages as groups, LOINC codes, coded answer options
    with their scores, and enableWhen for follow-ups and for gates (on a calculated score)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    merged = {**instrument.settings, **(settings or {})}
    pages = []
    for index, items in enumerate(instrument.pages()):
        pages.append(
            {
                "linkId": f"page_{index + 1}",
                "text": instrument.page_titles[index][lang],
                "type": "group",
                "item": [_item(instrument, item, lang, merged, base) for item in items],
            }
        )
    scores = [_score_item(instrument, name, lang) for name in instrument.scores]
    out: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": instrument.id.replace("_", "-"),
        "url": canonical(instrument, base),
        "version": instrument.version,
        "name": "".join(part.capitalize() for part in instrument.id.split("_")),
        "title": instrument.title[lang],
        # Placeholder wording (EPDS without a licence) must not be used as if it were real.
        "status": "draft" if instrument.wording == "placeholder" else "active",
        "subjectType": ["Patient"],
        "language": lang,
        "description": instrument.intro[lang],
        "copyright": instrument.licence,
        "item": pages + scores,
    }
    if instrument.loinc:
        out["code"] = [coding(LOINC, instrument.loinc)]
    return out


def _item(
    instrument: Instrument, item: Item, lang: str, settings: Mapping, base: str
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "linkId": item.id,
        "text": item.text[lang],
        "type": ITEM_TYPES[item.type],
        # Every question may be skipped or declined.
        "required": False,
    }
    if item.loinc:
        out["code"] = [coding(LOINC, item.loinc)]
    if item.type == "multi":
        out["repeats"] = True
    if item.options:
        out["answerOption"] = [_option(instrument, o, lang, base) for o in item.options]
    enable = _enable_when(instrument, item, lang, settings, base)
    if enable:
        out["enableWhen"] = enable
        if len(enable) > 1:
            out["enableBehavior"] = "any"
    if item.hint:
        out["item"] = [{"linkId": f"{item.id}_hint", "text": item.hint[lang], "type": "display"}]
    return out


def _option(instrument: Instrument, option: Option, lang: str, base: str) -> dict[str, Any]:
    value = answer_coding(instrument, option, lang, base)
    if option.score is not None:
        value["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option.score}]
    out: dict[str, Any] = {"valueCoding": value}
    if option.exclusive:
        out["extension"] = [{"url": OPTION_EXCLUSIVE, "valueBoolean": True}]
    return out


def _enable_when(
    instrument: Instrument, item: Item, lang: str, settings: Mapping, base: str
) -> list[dict[str, Any]]:
    conditions: list[dict[str, Any]] = []
    if item.gate:
        gate = instrument.gates[item.gate]
        if not (gate.bypass and settings.get(gate.bypass)):
            conditions.append(
                {
                    "question": score_link_id(instrument, gate.score),
                    "operator": gate.op,
                    "answerInteger": resolve_threshold(gate.threshold, None, settings),
                }
            )
    if item.show_if:
        source = instrument.item(item.show_if.item)
        for value in item.show_if.values:
            option = source.lookup(value)
            if option is not None:
                conditions.append(
                    {
                        "question": source.id,
                        "operator": "=",
                        "answerCoding": answer_coding(instrument, option, lang, base),
                    }
                )
    return conditions


def _score_item(instrument: Instrument, name: str, lang: str) -> dict[str, Any]:
    score = instrument.scores[name]
    link_ids = " | ".join(f"'{i}'" for i in score.items)
    out: dict[str, Any] = {
        "linkId": score_link_id(instrument, name),
        "text": score.label,
        "type": "integer",
        "readOnly": True,
        "extension": [
            {
                "url": CALCULATED,
                "valueExpression": {
                    "description": score.label,
                    "language": "text/fhirpath",
                    "expression": (
                        f"%resource.repeat(item).where(linkId in ({link_ids}))"
                        ".answer.value.ordinal().aggregate($this + $total, 0)"
                    ),
                },
            }
        ],
    }
    if score.loinc:
        out["code"] = [coding(LOINC, score.loinc)]
    return out
