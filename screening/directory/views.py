"""Resource directory (admin): add, edit, retire and verify services; HSDS import and export."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _

from screening.core import hsds
from screening.directory.forms import ActionForm
from screening.directory.forms import ImportForm
from screening.directory.forms import ServiceForm
from screening.directory.store import TEXT_FIELDS
from screening.directory.store import all_services
from screening.directory.store import gaps_by_domain
from screening.directory.store import parse_priorities
from screening.directory.store import save_records
from screening.directory.store import service_by_number
from screening.directory.store import services_with_staleness
from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import get_db
from screening.platform.db import one
from screening.platform.db import write
from screening.platform.roles import allow

bp = Blueprint("directory", __name__, url_prefix="/admin/directory")


def _service_or_404(number: int) -> dict:
    service = service_by_number(get_db(), number)
    if service is None:
        abort(404)
    return service


def _record_from_form(form: ServiceForm, service_id: str, active: int) -> dict:
    record = {k: (getattr(form, k).data or "").strip() for k in TEXT_FIELDS}
    record.update(
        id=service_id,
        category=form.category.data,
        domains=form.domains.data or [],
        languages=[c.strip() for c in form.languages.data.split(",") if c.strip()],
        tags=[t.strip() for t in (form.tags.data or "").split(",") if t.strip()],
        priorities=parse_priorities(form.priorities.data or ""),
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
    return _services_page(ImportForm(), None)


def _services_page(upload: ImportForm, problems: list[str] | None) -> str:
    db = get_db()
    rows = services_with_staleness(db)
    return render_template(
        "directory/services.html",
        services=rows,
        action=ActionForm(),
        upload=upload,
        problems=problems,
        stale_count=sum(r["stale"] and r["active"] for r in rows),
        gaps=gaps_by_domain(db),
    )


def _as_form_data(service: dict) -> dict:
    # The lists are edited as comma-separated text.
    return {
        **service,
        "languages": ", ".join(service["languages"]),
        "tags": ", ".join(service["tags"]),
        "priorities": ", ".join(f"{k}={v}" for k, v in service["priorities"].items()),
    }


def _edit(service: dict | None):
    form = ServiceForm(data=_as_form_data(service)) if service else ServiceForm()
    if service and not form.is_submitted():
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
        flash(_("Saved %(name)s.", name=record["name"]), "success")
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
    message = _("%(name)s is back in use.") if active else _("%(name)s is retired.")
    flash(message % {"name": service["name"]}, "success")
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
    flash(_("%(name)s marked verified today.", name=service["name"]), "success")
    return redirect(url_for("directory.services"))


@bp.route("/import", methods=["POST"])
@allow("admin")
def import_hsds():
    """Import an HSDS zip: all of it, or nothing with every problem listed."""
    form = ImportForm()
    problems: list[str] = []
    if not form.validate_on_submit():
        problems = [_("Choose an HSDS zip file to upload.")]
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
            flash(
                _(
                    "Imported %(num)s services: %(added)s new, %(updated)s updated.",
                    num=len(records),
                    added=added,
                    updated=updated,
                ),
                "success",
            )
            return redirect(url_for("directory.services"))
    return _services_page(form, problems), 400


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


def init_app(app: Flask) -> None:
    """Register the directory pages."""
    app.register_blueprint(bp)
