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
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _

from screening.core import hsds
from screening.directory import exchange
from screening.directory.forms import ActionForm
from screening.directory.forms import ImportForm
from screening.directory.forms import ServiceForm
from screening.directory.store import PAGE_SIZE
from screening.directory.store import TEXT_FIELDS
from screening.directory.store import gaps_by_domain
from screening.directory.store import parse_priorities
from screening.directory.store import save_records
from screening.directory.store import service_by_number
from screening.directory.store import services_page
from screening.directory.store import stale_count
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


# A broken package can have a problem in every cell: the page lists this many, then a count.
PROBLEMS_SHOWN = 200
SUMMARY_KEY = "directory_import_summary"


@bp.route("/")
@allow("admin")
def services():
    """The directory, 50 services a page, with services not verified for 12 months flagged."""
    return _services_page(ImportForm(), None)


def _services_page(upload: ImportForm, problems: list[hsds.Problem] | None) -> str:
    db = get_db()
    page = request.args.get("page", 1, type=int) or 1
    rows, total = services_page(db, page)
    return render_template(
        "directory/services.html",
        services=rows,
        page=min(max(page, 1), max(1, -(-total // PAGE_SIZE))),
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        action=ActionForm(),
        upload=upload,
        problems=problems[:PROBLEMS_SHOWN] if problems else problems,
        problem_count=len(problems or ()),
        summary=session.pop(SUMMARY_KEY, None),
        stale_count=stale_count(db),
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
        # HSDS status follows; a service closed for a while reopens as active.
        status = "active" if active else "inactive"
        db["services"].update(
            service["id"], {"active": active, "status": status, "updated_at": timeutil.iso()}
        )
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
    if not form.validate_on_submit():
        problem = hsds.Problem(_("(upload)"), None, "", _("Choose an HSDS zip file to upload."))
        return _services_page(form, [problem]), 400
    try:
        result = exchange.import_package(get_db(), form.archive.data.read())
    except hsds.ImportProblems as exc:
        return _services_page(form, exc.problems), 400
    # Shown once on the next page (the session, like a flash message: counts only, no PHI).
    session[SUMMARY_KEY] = {
        "added": result.added,
        "updated": result.updated,
        "retired": result.retired,
        "tables": sorted(result.tables.items()),
        "ignored": result.ignored[:50],
    }
    flash(
        _(
            "Imported %(n)s services: %(added)s new, %(updated)s updated, %(retired)s retired.",
            n=result.services,
            added=result.added,
            updated=result.updated,
            retired=result.retired,
        ),
        "success",
    )
    return redirect(url_for("directory.services"))


@bp.route("/export")
@allow("admin")
def export_hsds():
    """Download the whole directory as HSDS 3.x CSV files and datapackage.json in a zip."""
    data = exchange.export_zip(get_db())
    name = f"directory-hsds-{timeutil.today().isoformat()}.zip"
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def init_app(app: Flask) -> None:
    """Register the directory pages."""
    app.register_blueprint(bp)
