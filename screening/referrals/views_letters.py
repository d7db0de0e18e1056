"""Letters and paper forms: one family's letter, a parent's private letter, the day's batch."""

from __future__ import annotations

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from screening.core import letter_batch
from screening.core import letters
from screening.core import paper_forms
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import get_db
from screening.platform.db import one
from screening.platform.instruments import get_registry
from screening.platform.roles import allow
from screening.referrals import letter_data
from screening.referrals import wording


def pdf_response(data: bytes, prefix: str) -> Response:
    """A PDF shown inline under a name that says nothing about the family."""
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{letters.random_filename(prefix)}"',
            "Cache-Control": "no-store",
        },
    )


def _requested_lang() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in letters.LANGUAGES else None


def secret() -> bytes:
    """The key family codes are derived with (the app's secret: codes cannot be guessed)."""
    return str(current_app.config["SECRET_KEY"]).encode()


def _head() -> letters.Letterhead:
    return letter_data.letterhead(current_app.config, current_app.instance_path)


def _nothing_to_print(family_id: int):
    flash(_("Nothing to print: no referral has been accepted yet."), "error")
    return redirect(url_for("families.show", family_id=family_id) + "#referrals", code=303)


@allow("social_worker")
def letter(family_id: int):
    """The family's referral letter as PDF (?lang=es|en overrides the family's language)."""
    built = letter_data.build_letter(
        get_db(), family_id, head=_head(), secret=secret(), language=_requested_lang(),
        printed_by=g.user,
    )  # fmt: skip
    if built is None:
        abort(404)
    if not built.services:
        return _nothing_to_print(family_id)
    data = letters.render([built])
    audit.record("letter", "family", family_id, detail=f"kind=family lang={built.language}")
    return pdf_response(data, "referral-letter")


@allow("social_worker")
def private_letter(family_id: int, caregiver_id: int):
    """One parent's private letter with the sensitive referrals they accepted."""
    db = get_db()
    caregiver = one(
        db,
        "SELECT id, language FROM caregivers WHERE id = ? AND family_id = ?",
        [caregiver_id, family_id],
    )
    if caregiver is None:
        abort(404)
    built = letter_data.build_letter(
        db, family_id, head=_head(), secret=secret(),
        language=_requested_lang() or caregiver["language"], caregiver_id=caregiver_id,
        printed_by=g.user,
    )  # fmt: skip
    if built is None or not built.services:
        return _nothing_to_print(family_id)
    data = letters.render([built])
    detail = f"kind=private caregiver={caregiver_id} lang={built.language}"
    audit.record("letter", "family", family_id, detail=detail)
    return pdf_response(data, "referral-letter")


@allow("social_worker")
def batch():
    """Today's family letters behind a staff cover sheet (?private=1: the private letters)."""
    db = get_db()
    day = timeutil.today()
    private = request.args.get("private") == "1"
    if private:
        pairs = letter_data.private_accepted_on(db, day)
    else:
        pairs = [(fid, None) for fid in letter_data.families_accepted_on(db, day)]
    built, rows = [], []
    for family_id, caregiver_id in pairs:
        one_letter = letter_data.build_letter(
            db, family_id, head=_head(), secret=secret(), caregiver_id=caregiver_id,
            printed_by=g.user, day=day,
        )  # fmt: skip
        if one_letter is None or not one_letter.services:
            continue
        built.append(one_letter)
        rows.append(letter_data.cover_row(db, family_id, one_letter.family_code, caregiver_id))
    data = letter_batch.render_batch(built, rows, wording.cover_words())
    kind = "private" if private else "family"
    for family_id, _caregiver in pairs:
        audit.record("letter", "family", family_id, detail=f"kind={kind} batch=today")
    return pdf_response(data, "referral-letters")


def _instruments() -> list[tuple[str, str]]:
    registry = get_registry()
    return [(i, registry.get(i).title["en"]) for i in registry.instruments]


@allow("social_worker")
def paper_forms_index():
    """Blank paper forms of every instrument, in English and Spanish."""
    return render_template("referrals/paper_forms.html", instruments=_instruments())


@allow("social_worker")
def paper_form(instrument_id: str):
    """A blank printable copy of an instrument (?lang=es), for when the tablet is down."""
    registry = get_registry()
    if instrument_id not in registry.instruments:
        abort(404)
    lang = _requested_lang() or "en"
    with force_locale(lang):
        words = wording.paper_words()
    data = paper_forms.render(
        registry.get(instrument_id), lang, words=words,
        unit_name=current_app.config.get("UNIT_NAME") or "",
    )  # fmt: skip
    audit.record("paper_form", "instrument", instrument_id, detail=f"lang={lang}")
    return pdf_response(data, "paper-form")


def register(bp: Blueprint) -> None:
    """Add the letter and paper-form pages to the referrals blueprint (same endpoint names)."""
    bp.add_url_rule("/referrals/families/<int:family_id>/letter", view_func=letter)
    bp.add_url_rule(
        "/referrals/families/<int:family_id>/caregivers/<int:caregiver_id>/letter",
        view_func=private_letter,
    )
    bp.add_url_rule("/referrals/letters/today", view_func=batch)
    bp.add_url_rule("/referrals/paper", view_func=paper_forms_index)
    bp.add_url_rule("/referrals/paper/<instrument_id>", view_func=paper_form)
