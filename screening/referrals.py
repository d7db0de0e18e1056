"""Referrals: suggestions after a screen, lifecycle to the end, worklist, letters, paper forms."""

from __future__ import annotations

import collections
import datetime as dt
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
from sqlite_utils import Database
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import AnyOf
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from . import audit
from . import timeutil
from .auth import allow
from .core import letters
from .core import matching
from .core import referral_rules as rules
from .db import connect
from .db import get_db
from .db import one
from .db import write
from .directory import all_services

bp = Blueprint("referrals", __name__)

STALE_MESSAGE = (
    "Someone else changed this referral since you opened the page (it is now {status}). "
    "Nothing was saved: check it below and try again."
)


class StaleEdit(Exception):
    """The referral changed since the form was rendered (optimistic concurrency)."""


# ---------------------------------------------------------------------------
# Queries and writes the other areas call


def create_suggestions(
    db: Database,
    *,
    family_id: int,
    screening_id: int,
    caregiver_id: int,
    result: dict,
    language: str,
    user_id: int,
) -> list[int]:
    """Insert `suggested` referrals for a completed screening inside the caller's transaction.

    One per matched domain, pointing at the best-ranked service; a domain that already has an
    open referral for the family (for one-parent domains: for that parent) is skipped.
    """
    suggestions = matching.match(result, all_services(db, active_only=True), language)
    open_rows = db.query(
        "SELECT domain, caregiver_id FROM referrals WHERE family_id = ? AND status IN "
        "('suggested', 'accepted', 'sent')",
        [family_id],
    )
    taken = {_dedupe_key(r["domain"], r["caregiver_id"]) for r in open_rows}
    stamp = timeutil.iso()
    ids = []
    for s in suggestions:
        key = _dedupe_key(s.domain, caregiver_id)
        if key in taken:
            continue
        taken.add(key)
        referral_id = (
            db["referrals"]
            .insert(
                {
                    "family_id": family_id,
                    "screening_id": screening_id,
                    "caregiver_id": caregiver_id,
                    "domain": s.domain,
                    "category": s.category,
                    "service_id": s.service_id,
                    "status": "suggested",
                    "sensitive": int(s.sensitive),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
            .last_pk
        )
        db["referral_events"].insert(
            {
                "referral_id": referral_id,
                "at": stamp,
                "user_id": user_id,
                "from_status": None,
                "to_status": "suggested",
            }
        )
        ids.append(referral_id)
    return ids


def _dedupe_key(domain: str, caregiver_id: int | None) -> tuple:
    return (domain, caregiver_id if domain in matching.INDIVIDUAL_DOMAINS else None)


REFERRAL_SQL = """
SELECT r.*, s.name AS service_name, s.phone AS service_phone, s.number AS service_number,
       s.sensitive AS service_sensitive, u.display_name AS owner_name, c.name AS caregiver_name
FROM referrals r
LEFT JOIN services s ON s.id = r.service_id
LEFT JOIN users u ON u.id = r.owner_id
LEFT JOIN caregivers c ON c.id = r.caregiver_id
"""


EVENTS_SQL = (
    "SELECT e.*, u.display_name AS user_name FROM referral_events e "
    "LEFT JOIN users u ON u.id = e.user_id"
)


def _decorate(db: Database, rows: list[dict]) -> list[dict]:
    today = timeutil.today()
    history = collections.defaultdict(list)
    if rows:
        marks = ",".join("?" * len(rows))
        where = f"e.referral_id IN ({marks})"
        sql = f"{EVENTS_SQL} WHERE {where} ORDER BY e.at, e.id"  # noqa: S608
        events = db.query(sql, [r["id"] for r in rows])
        for event in events:
            history[event["referral_id"]].append(event)
    for r in rows:
        r["history"] = history[r["id"]]
        r["status_label"] = rules.LABELS[r["status"]]
        r["reason_label"] = rules.REASON_LABELS.get(r["reason"] or "", "")
        r["actions"] = [(s, rules.LABELS[s]) for s in rules.allowed(r["status"])]
        r["due"] = rules.is_due(r, today)
        r["overdue"] = bool(
            r["status"] == "sent"
            and r["follow_up_due"]
            and dt.date.fromisoformat(r["follow_up_due"]) < today
        )
        r["sensitive"] = bool(r["sensitive"] or r["service_sensitive"])
        r["service_name"] = r["service_name"] or "No service chosen yet"
    return rows


def family_referrals(db: Database, family_id: int) -> list[dict]:
    """The family's referrals, open ones first, each with its history and allowed actions."""
    rows = list(
        db.query(
            REFERRAL_SQL + " WHERE r.family_id = ? "
            "ORDER BY r.status NOT IN ('suggested', 'accepted', 'sent'), r.id",
            [family_id],
        )
    )
    return _decorate(db, rows)


def screening_referrals(db: Database, screening_id: int) -> list[dict]:
    """The referrals a screening suggested, with history and allowed actions."""
    rows = list(db.query(REFERRAL_SQL + " WHERE r.screening_id = ? ORDER BY r.id", [screening_id]))
    return _decorate(db, rows)


def worklist_rows(db: Database, today: dt.date) -> list[dict]:
    """Referrals needing follow-up, oldest first: accepted but not sent, and sent and due."""
    rows = list(
        db.query(
            REFERRAL_SQL + " WHERE r.status = 'accepted' "
            "OR (r.status = 'sent' AND r.follow_up_due <= ?) "
            "ORDER BY COALESCE(r.follow_up_due, substr(r.accepted_at, 1, 10)), r.id",
            [today.isoformat()],
        )
    )
    return _decorate(db, rows)


def change_status(
    db: Database,
    referral_id: int,
    target: str,
    *,
    version: int,
    user: dict,
    follow_up_days: int,
    reason: str | None = None,
    note: str = "",
) -> dict:
    """Move a referral to `target` if `version` is current; returns the updated row.

    Raises StaleEdit, rules.TransitionError or LookupError; writes nothing when it raises.
    """
    with write(db):
        referral = one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])
        if referral is None:
            raise LookupError(referral_id)
        if referral["version"] != version:
            raise StaleEdit(rules.LABELS[referral["status"]].lower())
        changes, event = rules.transition(
            referral,
            target,
            user_id=user["id"],
            now=timeutil.now(),
            follow_up_days=follow_up_days,
            reason=reason,
            note=note,
        )
        if event["note"]:
            changes["notes"] = _append_note(referral["notes"], event, user)
        changes["version"] = referral["version"] + 1
        db["referrals"].update(referral_id, changes)
        db["referral_events"].insert({"referral_id": referral_id, **event})
        audit.record(
            "referral_status",
            "referral",
            referral_id,
            detail=f"{referral['status']}->{target}" + (f" reason={reason}" if reason else ""),
            user=user,
            db=db,
        )
    return one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])


def _append_note(notes: str, event: dict, user: dict) -> str:
    who = user.get("display_name") or user.get("username", "")
    line = f"{event['at'][:10]} {who}: {event['note']}"
    return (notes + "\n" + line).strip()


def add_note(db: Database, referral_id: int, note: str, *, version: int, user: dict) -> None:
    """Add a note to a referral's history without changing its status."""
    with write(db):
        referral = one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])
        if referral is None:
            raise LookupError(referral_id)
        if referral["version"] != version:
            raise StaleEdit(rules.LABELS[referral["status"]].lower())
        stamp = timeutil.iso()
        event = {
            "referral_id": referral_id,
            "at": stamp,
            "user_id": user["id"],
            "from_status": referral["status"],
            "to_status": referral["status"],
            "note": note.strip(),
        }
        db["referral_events"].insert(event)
        db["referrals"].update(
            referral_id,
            {
                "notes": _append_note(referral["notes"], event, user),
                "updated_at": stamp,
                "version": referral["version"] + 1,
            },
        )
        audit.record("referral_note", "referral", referral_id, user=user, db=db)


def reassign(db: Database, referral_id: int, owner_id: int, *, version: int, user: dict) -> None:
    """Make another social worker the referral's owner."""
    with write(db):
        referral = one(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])
        if referral is None:
            raise LookupError(referral_id)
        if referral["version"] != version:
            raise StaleEdit(rules.LABELS[referral["status"]].lower())
        owner = one(
            db,
            "SELECT id, display_name FROM users WHERE id = ? AND role = 'social_worker' "
            "AND active = 1",
            [owner_id],
        )
        if owner is None:
            raise rules.TransitionError("Choose an active social worker as the new owner.")
        stamp = timeutil.iso()
        db["referral_events"].insert(
            {
                "referral_id": referral_id,
                "at": stamp,
                "user_id": user["id"],
                "from_status": referral["status"],
                "to_status": referral["status"],
                "note": f"Owner changed to {owner['display_name']}",
            }
        )
        db["referrals"].update(
            referral_id,
            {"owner_id": owner_id, "updated_at": stamp, "version": referral["version"] + 1},
        )
        audit.record(
            "referral_owner", "referral", referral_id, detail=f"owner={owner_id}", user=user, db=db
        )


# ---------------------------------------------------------------------------
# Letters


def _logo_path(config, instance_path: str) -> Path | None:
    name = config.get("UNIT_LOGO")
    if not name:
        return None
    root = Path(instance_path).resolve()
    path = (root / name).resolve()
    # Only files inside the instance folder: the setting must not read arbitrary files.
    return path if path.is_relative_to(root) and path.is_file() else None


LETTER_SQL = "SELECT s.*, r.owner_id FROM referrals r JOIN services s ON s.id = r.service_id"


def letterhead(config, instance_path: str) -> letters.Letterhead:
    """The unit letterhead from the app config."""
    return letters.Letterhead(
        name=config.get("UNIT_NAME") or "",
        address=config.get("UNIT_ADDRESS") or "",
        phone=config.get("UNIT_PHONE") or "",
        logo=_logo_path(config, instance_path),
    )


def letter_language(family: dict, requested: str | None) -> str:
    """The letter's language: the one asked for, else the family's, else English."""
    for lang in (requested, family.get("language")):
        if lang in letters.LANGUAGES:
            return lang
    return "en"


def _letter_service(row: dict, lang: str) -> letters.LetterService:
    place = ", ".join(x for x in (row["address"], row["city"]) if x)
    place = " ".join(x for x in (place, row["state"], row["postal_code"]) if x)
    description = row["description_es"] if lang == "es" and row["description_es"] else None
    return letters.LetterService(
        name=row["name"],
        description=description or row["description_en"],
        phone=row["phone"],
        website=row["website"],
        address=place,
        hours=row["hours"],
        what_to_bring=row["what_to_bring"],
        eligibility=row["eligibility"],
    )


def build_letter(
    db: Database,
    family_id: int,
    *,
    head: letters.Letterhead,
    language: str | None = None,
    caregiver_id: int | None = None,
    printed_by: dict | None = None,
    day: dt.date | None = None,
) -> letters.Letter | None:
    """The family letter (or, with caregiver_id, that parent's private letter); None if no family.

    The family letter lists accepted-or-later referrals that are not sensitive; sensitive
    ones (safety, mental health, services flagged sensitive) only ever go on the private
    letter of the parent who accepted them. Screening answers and scores are never read.
    """
    family = one(db, "SELECT id, language FROM families WHERE id = ?", [family_id])
    if family is None:
        return None
    lang = letter_language(family, language)
    marks = ",".join("?" * len(rules.ON_LETTER))
    if caregiver_id is None:
        privacy = "r.sensitive = 0 AND s.sensitive = 0"
        params: list = [family_id, *rules.ON_LETTER]
    else:
        privacy = "(r.sensitive = 1 OR s.sensitive = 1) AND r.caregiver_id = ?"
        params = [family_id, *rules.ON_LETTER, caregiver_id]
    # Only fixed fragments and placeholders are formatted into the query.
    where = f"r.family_id = ? AND r.status IN ({marks}) AND {privacy}"
    sql = f"{LETTER_SQL} WHERE {where} ORDER BY r.accepted_at, r.id"  # noqa: S608
    rows = list(db.query(sql, params))
    seen = set()
    services = []
    for row in rows:
        if row["id"] not in seen:
            seen.add(row["id"])
            services.append(_letter_service(row, lang))
    owners = collections.Counter(r["owner_id"] for r in rows if r["owner_id"])
    worker = None
    if owners:
        worker = one(
            db, "SELECT display_name, phone FROM users WHERE id = ?", [owners.most_common(1)[0][0]]
        )
    worker = worker or printed_by or {}
    return letters.Letter(
        language=lang,
        letterhead=head,
        date=day or timeutil.today(),
        worker_name=worker.get("display_name", ""),
        worker_phone=worker.get("phone", ""),
        services=tuple(services),
        private=caregiver_id is not None,
    )


def families_accepted_on(db: Database, day: dt.date) -> list[int]:
    """Families with a non-sensitive referral accepted on the given day."""
    return [
        r["family_id"]
        for r in db.query(
            "SELECT DISTINCT r.family_id FROM referrals r JOIN services s ON s.id = r.service_id "
            "WHERE substr(r.accepted_at, 1, 10) = ? AND r.status IN ('accepted', 'sent', "
            "'connected') AND r.sensitive = 0 AND s.sensitive = 0 ORDER BY r.family_id",
            [day.isoformat()],
        )
    ]


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
        from .forms_registry import get_registry

        registry = get_registry()
    except (ImportError, RuntimeError):
        return []
    return [(i, registry.get(i).title["en"]) for i in getattr(registry, "instruments", {})]


@bp.route("/referrals/paper/<instrument_id>")
@allow("social_worker")
def paper_form(instrument_id: str):
    """A blank printable copy of an instrument (?lang=es), for when the tablet is down."""
    from .core import paper_forms
    from .forms_registry import get_registry

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
