"""Referrals: suggestions after a screen, lifecycle to the end, worklist, letters, paper forms."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from screening.core import letters
from screening.core import referral_rules as rules
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import StaleEdit
from screening.platform.db import connect
from screening.platform.db import get_db
from screening.platform.db import one
from screening.platform.roles import allow
from screening.referrals.store import add_note
from screening.referrals.store import build_letter
from screening.referrals.store import change_status
from screening.referrals.store import families_accepted_on
from screening.referrals.store import letterhead
from screening.referrals.store import reassign
from screening.referrals.store import worklist_rows

bp = Blueprint("referrals", __name__)

STALE_MESSAGE = (
    "Someone else changed this referral since you opened the page (it is now {status}). "
    "Nothing was saved: check it below and try again."
)


def _pdf_response(data: bytes, prefix: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{letters.random_filename(prefix)}"',
            "Cache-Control": "no-store",
        },
    )


# ---------------------------------------------------------------------------
# Views


class TransitionForm(FlaskForm):
    to = StringField("New status", validators=[DataRequired(), AnyOf(rules.STATUSES)])
    reason = StringField("Reason", validators=[Optional(), AnyOf(rules.REASONS)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
    version = IntegerField(validators=[DataRequired()])
    back = HiddenField()


class NoteForm(FlaskForm):
    note = TextAreaField("Note", validators=[DataRequired(), Length(max=2000)])
    version = IntegerField(validators=[DataRequired()])
    back = HiddenField()


class OwnerForm(FlaskForm):
    owner = IntegerField(validators=[DataRequired()])
    version = IntegerField(validators=[DataRequired()])
    back = HiddenField()


def _back(target: str | None, referral: dict) -> str:
    parts = urlsplit(target or "")
    # Local paths only: the value comes from the form and must not redirect off-site.
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        if not target.startswith("//") and "\\" not in target:
            return target
    return url_for("families.show", family_id=referral["family_id"])


def _referral_or_404(referral_id: int) -> dict:
    referral = one(get_db(), "SELECT * FROM referrals WHERE id = ?", [referral_id])
    if referral is None:
        abort(404)
    return referral


def _errors(form: FlaskForm) -> str:
    return "; ".join(
        f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items()
    )


@bp.route("/referrals")
@allow("social_worker")
def worklist():
    """Referrals due for follow-up, oldest first."""
    db = get_db()
    rows = worklist_rows(db, timeutil.today())
    workers = list(
        db.query(
            "SELECT id, display_name FROM users WHERE role = 'social_worker' AND active = 1 "
            "ORDER BY display_name"
        )
    )
    return render_template(
        "referrals/worklist.html",
        referrals=rows,
        workers=workers,
        instruments=_instruments(),
        today=timeutil.today(),
    )


@bp.route("/referrals/<int:referral_id>/status", methods=["POST"])
@allow("social_worker")
def transition(referral_id: int):
    """Change a referral's status (accept, decline, sent, connected, not connected)."""
    referral = _referral_or_404(referral_id)
    form = TransitionForm()
    back = _back(form.back.data, referral)
    if not form.validate_on_submit():
        flash(f"Nothing was saved. {_errors(form)}", "error")
        return redirect(back, code=303)
    try:
        change_status(
            get_db(),
            referral_id,
            form.to.data,
            version=form.version.data,
            user=g.user,
            follow_up_days=current_app.config["REFERRAL_FOLLOW_UP_DAYS"],
            reason=form.reason.data or None,
            note=form.note.data or "",
        )
    except StaleEdit as exc:
        flash(STALE_MESSAGE.format(status=exc.args[0]), "error")
    except rules.TransitionError as exc:
        flash(f"Nothing was saved. {exc}", "error")
    else:
        flash(f"Referral marked {rules.LABELS[form.to.data].lower()}.", "success")
    return redirect(back, code=303)


@bp.route("/referrals/<int:referral_id>/note", methods=["POST"])
@allow("social_worker")
def note(referral_id: int):
    """Add a note to a referral."""
    referral = _referral_or_404(referral_id)
    form = NoteForm()
    back = _back(form.back.data, referral)
    if not form.validate_on_submit():
        flash(f"Nothing was saved. {_errors(form)}", "error")
        return redirect(back, code=303)
    try:
        add_note(get_db(), referral_id, form.note.data, version=form.version.data, user=g.user)
    except StaleEdit as exc:
        flash(STALE_MESSAGE.format(status=exc.args[0]), "error")
    else:
        flash("Note added.", "success")
    return redirect(back, code=303)


@bp.route("/referrals/<int:referral_id>/owner", methods=["POST"])
@allow("social_worker")
def owner(referral_id: int):
    """Hand a referral to another social worker."""
    referral = _referral_or_404(referral_id)
    form = OwnerForm()
    back = _back(form.back.data, referral)
    if not form.validate_on_submit():
        flash(f"Nothing was saved. {_errors(form)}", "error")
        return redirect(back, code=303)
    try:
        reassign(get_db(), referral_id, form.owner.data, version=form.version.data, user=g.user)
    except StaleEdit as exc:
        flash(STALE_MESSAGE.format(status=exc.args[0]), "error")
    except rules.TransitionError as exc:
        flash(f"Nothing was saved. {exc}", "error")
    else:
        flash("Owner changed.", "success")
    return redirect(back, code=303)


def _requested_lang() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in letters.LANGUAGES else None


@bp.route("/referrals/families/<int:family_id>/letter")
@allow("social_worker")
def letter(family_id: int):
    """The family's referral letter as PDF (?lang=es|en overrides the family's language)."""
    db = get_db()
    built = build_letter(
        db,
        family_id,
        head=letterhead(current_app.config, current_app.instance_path),
        language=_requested_lang(),
        printed_by=g.user,
    )
    if built is None:
        abort(404)
    data = letters.render([built])
    audit.record("letter", "family", family_id, detail=f"kind=family lang={built.language}")
    return _pdf_response(data, "referral-letter")


@bp.route("/referrals/families/<int:family_id>/caregivers/<int:caregiver_id>/letter")
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
    built = build_letter(
        db,
        family_id,
        head=letterhead(current_app.config, current_app.instance_path),
        language=_requested_lang() or caregiver["language"],
        caregiver_id=caregiver_id,
        printed_by=g.user,
    )
    data = letters.render([built])
    audit.record(
        "letter",
        "family",
        family_id,
        detail=f"kind=private caregiver={caregiver_id} lang={built.language}",
    )
    return _pdf_response(data, "referral-letter")


@bp.route("/referrals/letters/today")
@allow("social_worker")
def batch():
    """One PDF with the family letter of every family with a referral accepted today."""
    db = get_db()
    day = timeutil.today()
    head = letterhead(current_app.config, current_app.instance_path)
    family_ids = families_accepted_on(db, day)
    built = [build_letter(db, fid, head=head, printed_by=g.user, day=day) for fid in family_ids]
    data = letters.render([b for b in built if b is not None])
    for fid in family_ids:
        audit.record("letter", "family", fid, detail="kind=family batch=today")
    return _pdf_response(data, "referral-letters")


def _instruments() -> list[tuple[str, str]]:
    try:
        from screening.platform.instruments import get_registry

        registry = get_registry()
    except (ImportError, RuntimeError):
        return []
    return [(i, registry.get(i).title["en"]) for i in getattr(registry, "instruments", {})]


@bp.route("/referrals/paper/<instrument_id>")
@allow("social_worker")
def paper_form(instrument_id: str):
    """A blank printable copy of an instrument (?lang=es), for when the tablet is down."""
    from screening.core import paper_forms
    from screening.platform.instruments import get_registry

    registry = get_registry()
    if instrument_id not in getattr(registry, "instruments", {}):
        abort(404)
    lang = _requested_lang() or "en"
    data = paper_forms.render(
        registry.get(instrument_id), lang, unit_name=current_app.config.get("UNIT_NAME") or ""
    )
    audit.record("paper_form", "instrument", instrument_id, detail=f"lang={lang}")
    return _pdf_response(data, "paper-form")


# ---------------------------------------------------------------------------
# Command line


@click.command("letter")
@click.argument("family_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(letters.LANGUAGES),
    default=None,
    help="Letter language; default: the family's preferred language.",
)
@click.option(
    "--caregiver",
    type=int,
    default=None,
    help="Print this parent's private letter (sensitive referrals) instead.",
)
@with_appcontext
def letter_command(family_id: int, out: Path, lang: str | None, caregiver: int | None) -> None:
    """Write the family's referral letter as a PDF.

    A family with no accepted referrals still gets a letter that says so and gives the unit's
    contact details.
    """
    db = connect(current_app.config["DATABASE"])
    try:
        if (
            caregiver is not None
            and one(
                db,
                "SELECT id FROM caregivers WHERE id = ? AND family_id = ?",
                [caregiver, family_id],
            )
            is None
        ):
            click.echo(f"letter: family {family_id} has no caregiver {caregiver}", err=True)
            raise SystemExit(2)
        built = build_letter(
            db,
            family_id,
            head=letterhead(current_app.config, current_app.instance_path),
            language=lang,
            caregiver_id=caregiver,
        )
        if built is None:
            click.echo(f"letter: no family with id {family_id}", err=True)
            raise SystemExit(2)
        out.write_bytes(letters.render([built]))
        kind = "private" if caregiver is not None else "family"
        audit.record(
            "letter", "family", family_id, detail=f"kind={kind} lang={built.language} cli", db=db
        )
    finally:
        db.close()
    note = "" if built.services else " (no accepted referrals: the letter says so)"
    click.echo(f"wrote {out} ({built.language}, {len(built.services)} services){note}")


def init_app(app: Flask) -> None:
    """Register the referral pages, the letter command and the template helpers."""
    app.register_blueprint(bp)
    app.cli.add_command(letter_command)
    app.context_processor(
        lambda: {
            "referral_reasons": rules.REASON_LABELS,
            "referral_labels": rules.LABELS,
        }
    )
