"""Resource directory (admin): add, edit, retire and verify services; HSDS import and export."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import click
import yaml
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask.cli import with_appcontext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from sqlite_utils import Database
from wtforms import BooleanField
from wtforms import DateField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import URLField
from wtforms import widgets
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from . import audit
from . import timeutil
from .auth import allow
from .core import hsds
from .core.identifiers import DOMAINS
from .core.identifiers import REFERRAL_CATEGORIES as CATEGORIES
from .db import connect
from .db import get_db
from .db import one
from .db import write

bp = Blueprint("directory", __name__, url_prefix="/admin/directory")

STARTER = Path(__file__).resolve().parent.parent / "forms" / "directory.yaml"
STALE_AFTER_DAYS = 365
TEXT_FIELDS = (
    "name",
    "organization",
    "description_en",
    "description_es",
    "phone",
    "website",
    "address",
    "city",
    "state",
    "postal_code",
    "eligibility",
    "hours",
    "service_area",
    "what_to_bring",
)


def decode(row: dict) -> dict:
    """A services row with its JSON lists decoded."""
    out = dict(row)
    out["languages"] = json.loads(row.get("languages") or "[]")
    out["domains"] = json.loads(row.get("domains") or "[]")
    return out


def is_stale(service: dict, today: dt.date) -> bool:
    """True when a service was never verified or not verified in the last 12 months."""
    if not service.get("last_verified"):
        return True
    verified = dt.date.fromisoformat(service["last_verified"][:10])
    return (today - verified).days > STALE_AFTER_DAYS


def all_services(db: Database, *, active_only: bool = False) -> list[dict]:
    """Every service (or only active ones), decoded, by name."""
    sql = "SELECT * FROM services WHERE active = 1 OR ? = 0 ORDER BY name, id"
    return [decode(r) for r in db.query(sql, [int(active_only)])]


def _row(record: dict, stamp: str) -> dict:
    row = {k: str(record.get(k) or "") for k in TEXT_FIELDS}
    row.update(
        id=record["id"],
        languages=json.dumps(list(record.get("languages") or ["en"])),
        domains=json.dumps(list(record.get("domains") or [])),
        category=record["category"],
        sensitive=1 if record.get("sensitive") else 0,
        placeholder=1 if record.get("placeholder") else 0,
        last_verified=record.get("last_verified") or None,
        active=0 if record.get("active", 1) in (0, False) else 1,
        updated_at=stamp,
    )
    return row


def save_records(db: Database, records: list[dict]) -> tuple[int, int]:
    """Insert or update directory records by id (inside the caller's transaction)."""
    stamp = timeutil.iso()
    added = updated = 0
    for record in records:
        row = _row(record, stamp)
        if db["services"].count_where("id = ?", [row["id"]]):
            # update, not replace: a replace would give the service a new page number
            db["services"].update(row["id"], row)
            updated += 1
        else:
            db["services"].insert({**row, "created_at": stamp})
            added += 1
    return added, updated


def load_starter(db: Database, path: Path = STARTER) -> int:
    """Add the starter directory's services that are not present yet; returns how many."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["services"]
    with write(db):
        new = [e for e in entries if not db["services"].count_where("id = ?", [e["id"]])]
        for entry in new:
            if entry["category"] not in CATEGORIES or set(entry["domains"]) - set(DOMAINS):
                raise ValueError(f"{path.name}: service {entry['id']}: unknown category or domain")
        save_records(db, new)
    return len(new)


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes for one list value."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ServiceForm(FlaskForm):
    name = StringField("Service name", validators=[DataRequired(), Length(max=200)])
    organization = StringField("Organization", validators=[Optional(), Length(max=200)])
    category = SelectField(
        "Referral category", choices=[SelectChoice(c, c.replace("_", " ")) for c in CATEGORIES]
    )
    domains = MultiCheckboxField(
        "Needs it serves", choices=[SelectChoice(d, d.replace("_", " ")) for d in DOMAINS]
    )
    languages = StringField(
        "Languages (ISO codes, comma-separated)",
        default="en",
        validators=[
            DataRequired(),
            Regexp(r"^\s*[a-z]{2}(\s*,\s*[a-z]{2})*\s*$", message="Use two-letter codes: en, es"),
        ],
    )
    description_en = TextAreaField("What it is for (English)", validators=[Length(max=2000)])
    description_es = TextAreaField("What it is for (Spanish)", validators=[Length(max=2000)])
    phone = StringField("Phone", validators=[Optional(), Length(max=200)])
    website = URLField("Website", validators=[Optional(), Length(max=300)])
    address = StringField("Street address", validators=[Optional(), Length(max=200)])
    city = StringField("City", validators=[Optional(), Length(max=100)])
    state = StringField("State", validators=[Optional(), Length(max=50)])
    postal_code = StringField("ZIP code", validators=[Optional(), Length(max=20)])
    hours = StringField("Hours", validators=[Optional(), Length(max=300)])
    service_area = StringField("Service area", validators=[Optional(), Length(max=300)])
    eligibility = TextAreaField("Who is eligible", validators=[Length(max=2000)])
    what_to_bring = TextAreaField("What to bring", validators=[Length(max=2000)])
    last_verified = DateField("Last verified", validators=[Optional()])
    sensitive = BooleanField("Sensitive (never printed on a family letter)")
    placeholder = BooleanField("Placeholder the unit still has to fill in")


class ActionForm(FlaskForm):
    pass


class ImportForm(FlaskForm):
    archive = FileField("HSDS zip file", validators=[FileRequired()])


def _service_or_404(number: int) -> dict:
    row = one(get_db(), "SELECT * FROM services WHERE number = ?", [number])
    if row is None:
        abort(404)
    return decode(row)


def _record_from_form(form: ServiceForm, service_id: str, active: int) -> dict:
    record = {k: (getattr(form, k).data or "").strip() for k in TEXT_FIELDS}
    record.update(
        id=service_id,
        category=form.category.data,
        domains=form.domains.data or [],
        languages=[c.strip() for c in form.languages.data.split(",") if c.strip()],
        last_verified=form.last_verified.data.isoformat() if form.last_verified.data else None,
        sensitive=form.sensitive.data,
        placeholder=form.placeholder.data,
        active=active,
    )
    return record


@bp.route("/")
@allow("admin")
def services():
    """The directory, with services not verified for 12 months flagged."""
    rows = all_services(get_db())
    today = timeutil.today()
    for row in rows:
        row["stale"] = is_stale(row, today)
    return render_template(
        "directory/services.html",
        services=rows,
        action=ActionForm(),
        upload=ImportForm(),
        problems=None,
        stale_count=sum(r["stale"] and r["active"] for r in rows),
    )


def _edit(service: dict | None):
    form = ServiceForm(data=service) if service else ServiceForm()
    if service and not form.is_submitted():
        form.languages.data = ", ".join(service["languages"])
        if service.get("last_verified"):
            form.last_verified.data = dt.date.fromisoformat(service["last_verified"][:10])
    if form.validate_on_submit():
        service_id = service["id"] if service else str(uuid.uuid4())
        record = _record_from_form(form, service_id, service["active"] if service else 1)
        db = get_db()
        with write(db):
            save_records(db, [record])
            number = one(db, "SELECT number FROM services WHERE id = ?", [service_id])["number"]
            audit.record(
                "service_update" if service else "service_create", "service", number, db=db
            )
        flash(f"Saved {record['name']}.", "success")
        return redirect(url_for("directory.services"))
    return render_template("directory/edit.html", form=form, service=service)


@bp.route("/new", methods=["GET", "POST"])
@allow("admin")
def create():
    """Add a service."""
    return _edit(None)


@bp.route("/<int:number>/edit", methods=["GET", "POST"])
@allow("admin")
def edit(number: int):
    """Edit a service."""
    return _edit(_service_or_404(number))


@bp.route("/<int:number>/retire", methods=["POST"])
@allow("admin")
def retire(number: int):
    """Retire a service (never suggested again) or bring it back."""
    service = _service_or_404(number)
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_db()
    active = 0 if service["active"] else 1
    with write(db):
        db["services"].update(service["id"], {"active": active, "updated_at": timeutil.iso()})
        audit.record(
            "service_retire" if not active else "service_restore", "service", number, db=db
        )
    flash(f"{service['name']} is {'back in use' if active else 'retired'}.", "success")
    return redirect(url_for("directory.services"))


@bp.route("/<int:number>/verify", methods=["POST"])
@allow("admin")
def verify(number: int):
    """Record that the service's details were checked today."""
    service = _service_or_404(number)
    if not ActionForm().validate_on_submit():
        abort(400)
    db = get_db()
    with write(db):
        db["services"].update(
            service["id"],
            {"last_verified": timeutil.today().isoformat(), "updated_at": timeutil.iso()},
        )
        audit.record("service_verify", "service", number, db=db)
    flash(f"{service['name']} marked verified today.", "success")
    return redirect(url_for("directory.services"))


@bp.route("/import", methods=["POST"])
@allow("admin")
def import_hsds():
    """Import an HSDS zip: all of it, or nothing with every problem listed."""
    form = ImportForm()
    problems: list[str] = []
    if not form.validate_on_submit():
        problems = ["Choose an HSDS zip file to upload."]
    else:
        try:
            records = hsds.import_directory(form.archive.data.read())
        except hsds.ImportProblems as exc:
            problems = [str(p) for p in exc.problems]
        else:
            db = get_db()
            with write(db):
                added, updated = save_records(db, records)
                audit.record(
                    "directory_import",
                    "service",
                    "",
                    detail=f"added={added} updated={updated}",
                    db=db,
                )
            flash(f"Imported {len(records)} services: {added} new, {updated} updated.", "success")
            return redirect(url_for("directory.services"))
    rows = all_services(get_db())
    today = timeutil.today()
    for row in rows:
        row["stale"] = is_stale(row, today)
    return (
        render_template(
            "directory/services.html",
            services=rows,
            action=ActionForm(),
            upload=form,
            problems=problems,
            stale_count=sum(r["stale"] and r["active"] for r in rows),
        ),
        400,
    )


@bp.route("/export")
@allow("admin")
def export_hsds():
    """Download the whole directory as HSDS 3.x CSV files in a zip."""
    data = hsds.export_zip(all_services(get_db()))
    audit.record("directory_export", "service", "")
    name = f"directory-hsds-{timeutil.today().isoformat()}.zip"
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@click.command("directory-import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def directory_import_command(source: Path) -> None:
    """Import an HSDS 3.x folder or zip of CSV files into the directory (all or nothing)."""
    db = connect(current_app.config["DATABASE"])
    try:
        records = hsds.import_directory(source)
        with write(db):
            added, updated = save_records(db, records)
    except hsds.ImportProblems as exc:
        for problem in exc.problems:
            click.echo(f"directory-import: {problem}", err=True)
        click.echo("directory-import: nothing was imported", err=True)
        raise SystemExit(2) from None
    finally:
        db.close()
    click.echo(f"imported {len(records)} services: {added} new, {updated} updated")


@click.command("directory-export")
@click.argument("dest", type=click.Path(path_type=Path))
@with_appcontext
def directory_export_command(dest: Path) -> None:
    """Export the directory as HSDS 3.x CSV files: into a folder, or a .zip file."""
    db = connect(current_app.config["DATABASE"])
    try:
        services_list = all_services(db)
    finally:
        db.close()
    if dest.suffix.lower() == ".zip":
        dest.write_bytes(hsds.export_zip(services_list))
    else:
        hsds.export_folder(services_list, dest)
    click.echo(f"exported {len(services_list)} services to {dest}")


def init_app(app: Flask) -> None:
    """Register the directory pages and its commands."""
    app.register_blueprint(bp)
    app.cli.add_command(directory_import_command)
    app.cli.add_command(directory_export_command)
