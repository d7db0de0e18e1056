"""A screening page submit as one transaction: save the answers, re-plan the pages, raise
alerts at once, and on the last page score, suggest referrals and complete."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from flask import current_app
from flask_babel import gettext as _
from sqlite_utils import Database

from screening.core.answer_sheet import Words
from screening.core.answer_sheet import answer_sheet
from screening.core.answer_sheet import answer_words
from screening.core.answer_sheet import in_language
from screening.core.answer_sheet import word
from screening.core.instruments import DECLINED
from screening.core.instruments import answer_problem
from screening.core.offer import instrument_order
from screening.core.plain_reasons import plain_reasons
from screening.core.progress import page_count
from screening.core.scoring import score
from screening.core.scoring import score_explained
from screening.platform import audit
from screening.platform import timeutil
from screening.platform import wording
from screening.platform.db import write
from screening.platform.instruments import get_registry
from screening.platform.instruments import scoring_settings
from screening.referrals import store as referral_data
from screening.screenings import store
from screening.screenings.alerts import raise_alerts
from screening.screenings.alerts import screening_alerts
from screening.screenings.forms import field_name

# Actions a page posts: next page, previous page, save and leave, and the idle lock.
ACTIONS = ("next", "back", "pause", "lock")


def words() -> Words:
    """The wording the core uses for answers and alerts in words, in every language."""
    return wording.words()


def ordered(instruments: list[str]) -> list[str]:
    """A screening's instruments in the site's order (INSTRUMENT_ORDER, else the default)."""
    return instrument_order(get_registry(), instruments, current_app.config.get("INSTRUMENT_ORDER"))


@dataclass(frozen=True)
class Plan:
    """Where a screening stands: its pages now, the answers, and the stable page count."""

    pages: list[store.Page]
    answers: dict
    instruments: list[str]
    settings: dict

    @cached_property
    def total(self) -> int:
        """The page count shown ("Part 3 of 12"); only a rendered page needs it, not a save."""
        # Pages that may still appear count from the start, so "Part 3 of 12" never becomes 13.
        count = page_count(get_registry(), self.instruments, self.answers, self.settings)
        return max(len(self.pages), count)


def plan(db: Database, screening: Mapping) -> Plan:
    """The screening's pages in the site's order with its stored answers."""
    registry, settings = get_registry(), scoring_settings()
    answers = store.load_answers(db, screening["id"])
    instruments = ordered(screening["instruments"])
    pages = store.plan(registry, instruments, answers, settings)
    return Plan(pages, answers, instruments, settings)


@dataclass(frozen=True)
class Submitted:
    """What a page submit did."""

    finished: bool = False
    newly_shown: bool = False
    crisis: bool = False


def submit_page(
    db: Database,
    screening: Mapping,
    where: Plan,
    current: store.Page,
    n: int,
    action: str,
    page_answers: dict,
    version: int,
    user_id: int,
) -> Submitted:
    """Save one page and do everything that follows from it, all or nothing.

    `where` is the plan the page was read with. Its answers are not read again under the
    write lock: every write to a screening's answers bumps its version, so when the save's
    version check passes they are still the stored ones. Raises StaleEdit when another save
    came first (nothing is written then).
    """
    registry, settings = get_registry(), where.settings
    target = {"back": n - 1, "pause": n, "lock": n}.get(action, n + 1)
    with write(db):
        answers = store.save_page(
            db,
            screening["id"],
            version,
            current.instrument,
            page_answers,
            settings,
            user_id,
            max(1, target),
            where.answers,
        )
        audit.record("update", "screening", screening["id"], detail=f"page={n}")
        instruments = where.instruments
        mine = {i: answers.get(i, {}) for i in instruments}
        # A self-harm answer must reach staff now, not when the last page is done.
        scored = score(registry, screening["respondent"], mine, settings)
        # The wording only describes alerts; building it in both languages costs a submit.
        said = words() if scored["alerts"] else {}
        alert_id, fresh = raise_alerts(db, screening, registry, scored["alerts"], mine, said)
        crisis = any(item["kind"] == "self_harm" for item in fresh)
        if alert_id is not None:
            audit.record("raise", "alert", alert_id)
        pages = store.plan(registry, instruments, answers, settings)
        newly_shown = _new_items_on_page(pages, current, answers)
        finished = action == "next" and not newly_shown and n >= len(pages)
        if finished:
            fresh = store.get_screening(db, screening["id"])
            # The result stores the instruments in the screening's own order; the score
            # above is that result only when the site's order is the same.
            same = instruments == fresh["instruments"]
            store.complete(
                db,
                fresh,
                registry,
                settings,
                user_id,
                said if same else words(),
                suggest=referral_data.create_suggestions,
                answers=answers,
                result=scored if same else None,
            )
            audit.record("complete", "screening", screening["id"])
    return Submitted(finished=finished, newly_shown=newly_shown, crisis=crisis)


def _new_items_on_page(pages: list[store.Page], current: store.Page, answers: dict) -> bool:
    for p in pages:
        if p.instrument.id == current.instrument.id and p.index == current.index:
            stored = answers.get(current.instrument.id, {})
            shown = {i.id for i in current.items}
            return any(i.id not in shown and i.id not in stored for i in p.items)
    return False


def mental_health_answered(db: Database, screening: Mapping) -> list[str]:
    """The screening's mental-health instruments that already hold answers."""
    mental = set(current_app.config["MENTAL_HEALTH_INSTRUMENTS"]) | {"epds"}
    answers = store.load_answers(db, screening["id"])
    return [i for i in ordered(screening["instruments"]) if i in mental and answers.get(i)]


def restart_mental_health(db: Database, screening: Mapping, user_id: int) -> int:
    """Delete the mental-health answers of a stale screening (inside the caller's
    transaction); returns how many were dropped. Family-level needs are kept: they do not
    ask about "the past two weeks"."""
    dropped = 0
    for instrument_id in mental_health_answered(db, screening):
        dropped += db.conn.execute(
            "DELETE FROM answers WHERE screening_id = ? AND instrument = ?",
            [screening["id"], instrument_id],
        ).rowcount
    store.touch(db, screening["id"], user_id, page=1)
    return dropped


class CorrectionRefused(Exception):
    """The correction cannot be made; the message says why, for the person correcting."""


def parse_value(item, raw: list[str]) -> object:
    """A posted correction as a stored answer value, or CorrectionRefused."""
    values = [v for v in raw if v]
    if values == [DECLINED]:
        return DECLINED
    if item.type == "number" and len(values) == 1 and values[0].isdigit():
        value: object = int(values[0])
    elif item.type in ("single", "multi") and values:
        options = [item.option(v) for v in values]
        if any(o is None for o in options) or (item.type == "single" and len(options) > 1):
            raise CorrectionRefused(_("Choose one of the answers offered."))
        codes = [o.code for o in options]
        value = codes if item.type == "multi" else codes[0]
    else:
        raise CorrectionRefused(_("Choose the corrected answer."))
    problem = answer_problem(item, value)
    if problem:
        raise CorrectionRefused(_("That answer is not possible for this question."))
    return value


def correct_answer(
    db: Database,
    screening_id: int,
    instrument_id: str,
    item_id: str,
    raw: list[str],
    reason: str,
    version: int,
    user_id: int,
) -> None:
    """Correct one answer of a completed screening and re-score it, all or nothing.

    The old value stays in answer_history; alerts and referral suggestions follow the new
    result (a new alert reopens a closed screening). StaleEdit when someone saved first.
    """
    registry, settings = get_registry(), scoring_settings()
    with write(db):
        store.check_version(db, screening_id, version)
        screening = store.get_screening(db, screening_id)
        if screening["status"] not in ("completed", "closed"):
            raise CorrectionRefused(_("Only a completed screening can be corrected."))
        if instrument_id not in screening["instruments"]:
            raise CorrectionRefused(_("That question is not part of this screening."))
        instrument = registry.get(instrument_id)
        if not instrument.has_item(item_id):
            raise CorrectionRefused(_("That question is not part of this screening."))
        value = parse_value(instrument.item(item_id), raw)
        answers = store.load_answers(db, screening_id)
        old = answers.get(instrument_id, {}).get(item_id)
        if old == value:
            raise CorrectionRefused(_("That is already the answer on record."))
        store.record_correction(
            db, screening_id, instrument_id, item_id, old, value, reason, user_id
        )
        answers.setdefault(instrument_id, {})[item_id] = value
        result = store.store_result(db, screening, registry, settings, words(), answers)
        referral_data.create_suggestions(
            db,
            family_id=screening["family_id"],
            screening_id=screening_id,
            caregiver_id=screening["caregiver_id"],
            result=result,
            language=screening["language"],
            user_id=user_id,
        )
        reopen = screening["status"] == "closed" and db["alerts"].count_where(
            "screening_id = ? AND acknowledged_at IS NULL", [screening_id]
        )
        store.touch(db, screening_id, user_id, **({"status": "completed"} if reopen else {}))
        audit.record(
            "correct",
            "screening",
            screening_id,
            detail=f"instrument={instrument_id} item={item_id}",
        )


def review(db: Database, screening: Mapping, family: Mapping, staff_lang: str = "en") -> dict:
    """What the results page shows: the answer sheets (staff language with the family's
    beside it), plain-words reasons per domain, alerts with their items, and the corrections."""
    registry, settings = get_registry(), scoring_settings()
    answers = store.load_answers(db, screening["id"])
    answers = {i: answers.get(i, {}) for i in ordered(screening["instruments"])}
    second = screening["language"] if screening["language"] != staff_lang else None
    sheets = [
        answer_sheet(registry.get(i), answers[i], words(), staff_lang, second, settings)
        for i in answers
    ]
    result, verdicts = score_explained(registry, screening["respondent"], answers, settings)
    reasons = plain_reasons(registry, result, verdicts, answers, words(), staff_lang)
    return {
        "sheets": sheets,
        "items": {i: {item.id: item for item in registry.get(i).items} for i in answers},
        "reasons": reasons,
        "alerts": screening_alerts(db, screening["id"]),
        "history": [
            _history_in_words(registry, h, staff_lang)
            for h in store.answer_history(db, screening["id"])
        ],
        "staff_lang": staff_lang,
        # The answers on record, so a correction form starts from them.
        "answers": answers,
    }


def _history_in_words(registry, row: dict, language: str) -> dict:
    item = registry.get(row["instrument"]).item(row["item"])

    def said(value: object) -> str:
        if value is None:
            return word(words(), "sheet_not_answered", language)
        if value == DECLINED:
            return word(words(), "sheet_declined", language)
        return answer_words(item, value, language)

    return row | {
        "question": in_language(item.text, language),
        "old_words": said(row["old"]),
        "new_words": said(row["new"]),
    }


# The language staff read the interface in (the Spanish catalogue is for families).
STAFF_LANGUAGE = "en"


def staff_text(screening: Mapping, page: store.Page) -> dict[str, dict]:
    """In interpreter mode, each question and its options in the staff's language, to show
    beside the family's: the social worker reads along with the phone interpreter."""
    if screening["mode"] != "interpreter" or screening["language"] == STAFF_LANGUAGE:
        return {}
    return {
        field_name(page.instrument.id, item.id): {
            "question": in_language(item.text, STAFF_LANGUAGE),
            "options": [in_language(o.text, STAFF_LANGUAGE) for o in item.options],
        }
        for item in page.items
    }


def close(db: Database, screening: dict, user_id: int) -> str:
    """Close a completed screening whose alerts all have a follow-up; says what happened.

    `closed`, or why not: `open_alerts` (a follow-up is still owed) or `not_completed`
    (nothing to close: in progress, declined or already closed). Every answer is audited with
    what really happened.
    """
    with write(db):
        open_count = db["alerts"].count_where(
            "screening_id = ? AND acknowledged_at IS NULL", [screening["id"]]
        )
        if open_count:
            outcome = "open_alerts"
        elif screening["status"] != "completed":
            outcome = "not_completed"
        else:
            now = timeutil.iso()
            changes = {"status": "closed", "closed_at": now, "closed_by": user_id}
            changes |= {"updated_at": now, "version": screening["version"] + 1}
            db["screenings"].update(screening["id"], changes)
            outcome = "closed"
        audit.record(
            "close", "screening", screening["id"], outcome="ok" if outcome == "closed" else outcome,
            db=db,
        )  # fmt: skip
    return outcome
