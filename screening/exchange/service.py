"""The FHIR documents the exchange area hands out, built from the stores, the instruments
in force and the unit's settings; the views and commands only parse, call and deliver."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from screening.core.fhir import family_bundle
from screening.core.fhir_base import DEFAULT_BASE
from screening.core.fhir_base import FhirMaps
from screening.core.fhir_base import load_maps
from screening.core.fhir_questionnaire import LANGUAGES
from screening.core.fhir_questionnaire import questionnaire
from screening.core.instruments import Registry
from screening.exchange import store
from screening.platform import timeutil
from screening.platform.instruments import fhir_maps_path


class UnknownChoice(Exception):
    """An instrument or language the unit does not have; the message is one line."""


def unit_of(config: Mapping[str, Any]) -> dict[str, str]:
    """Who exports, as `family_bundle` takes it, from the unit's settings."""
    return {
        "key": config.get("UNIT_KEY") or "unit",
        "name": config.get("UNIT_NAME") or "",
        "mrn_system": config.get("FHIR_MRN_SYSTEM") or "",
        "base": config.get("FHIR_BASE") or "",
    }


def code_maps(config: Mapping[str, Any]) -> FhirMaps:
    """The FHIR code maps in force (a site's override wins); MapError when it is broken."""
    forms = config.get("INSTANCE_FORMS")
    return load_maps(fhir_maps_path(Path(forms) if forms else None))


def family_fhir(
    db: Database, family_id: int, registry: Registry, config: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The family as a FHIR Bundle, or None when there is no such family."""
    records = store.family_records(db, family_id)
    if records is None:
        return None
    return family_bundle(
        records.family,
        records.screenings,
        records.referrals,
        registry,
        code_maps(config),
        unit=unit_of(config),
        timestamp=timeutil.iso(),
    )


def instrument_questionnaire(
    registry: Registry,
    instrument_id: str,
    lang: str,
    settings: Mapping[str, object],
    config: Mapping[str, Any],
) -> dict[str, Any]:
    """An instrument in force as a FHIR Questionnaire; UnknownChoice for a bad id or language."""
    if instrument_id not in registry.instruments:
        known = ", ".join(sorted(registry.instruments))
        raise UnknownChoice(f"no instrument {instrument_id!r} (instruments: {known})")
    if lang not in LANGUAGES:
        raise UnknownChoice(f"no language {lang!r} (languages: {', '.join(LANGUAGES)})")
    base = config.get("FHIR_BASE") or DEFAULT_BASE
    return questionnaire(registry.get(instrument_id), lang, settings, base)


def dumps(resource: Mapping[str, Any]) -> str:
    """FHIR JSON as delivered: UTF-8 text, names and accents as written."""
    return json.dumps(resource, ensure_ascii=False, indent=2) + "\n"
