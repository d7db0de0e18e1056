"""The admin's audit trail viewer (paged by key, CSV streamed) and the access review."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

from flask import Response
from flask import render_template
from flask import request
from flask import stream_with_context
from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import IntegerField
from wtforms import StringField
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp

from screening.accounts import audit_store
from screening.core import csv_safe
from screening.platform import audit
from screening.platform.db import connect
from screening.platform.db import get_db

AUDIT_PAGE_SIZE = 200
AUDIT_CSV_COLUMNS = ("id", *audit.FIELDS, "hash")
VERIFY_COMMAND = "flask --app screening audit-verify"
CODE = Regexp(r"^[a-z_]*$", message=_l("Use the action or record type code, e.g. view."))


class AuditFilterForm(FlaskForm):
    """Filters on staff usernames, action and record type codes: no PHI, so GET is fine.

    Free codes rather than lists read from the trail: a DISTINCT over a million rows is
    the slow part of a page that must cost the same at any size.
    """

    class Meta:
        csrf = False

    user = StringField(
        _l("User"), validators=[Optional(), Length(max=80), Regexp(r"^[A-Za-z0-9._:-]*$")]
    )
    action = StringField(_l("Action"), validators=[Optional(), Length(max=40), CODE])
    record_type = StringField(_l("Record type"), validators=[Optional(), Length(max=40), CODE])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    before = IntegerField(_l("Older than entry"), validators=[Optional(), NumberRange(min=1)])


def _params(form: AuditFilterForm) -> dict:
    to = form.date_to.data
    return {
        "user": form.user.data or None,
        "action": form.action.data or None,
        "record_type": form.record_type.data or None,
        "date_from": form.date_from.data.isoformat() if form.date_from.data else None,
        "date_to": (to + dt.timedelta(days=1)).isoformat() if to else None,
        "before": form.before.data or None,
    }


def audit_view():
    """The audit trail with filters; ?format=csv downloads the filtered rows."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return _audit_page(form=form, rows=[], more=False), 400
    params = _params(form)
    if request.args.get("format") == "csv":
        return _audit_csv({**params, "before": None})
    rows = audit_store.page(get_db(), params, AUDIT_PAGE_SIZE + 1)
    more = len(rows) > AUDIT_PAGE_SIZE
    rows = rows[:AUDIT_PAGE_SIZE]
    args = {k: v for k, v in request.args.items() if k not in ("before", "format")}
    return _audit_page(
        form=form,
        rows=rows,
        more=more,
        older_url=url_for("admin.audit", **args, before=rows[-1]["id"]) if more else None,
        csv_url=url_for("admin.audit", **args, format="csv"),
    )


def _audit_page(**context) -> str:
    # The command is shown as typed, never translated.
    return render_template("admin/audit.html", verify_command=VERIFY_COMMAND, **context)


def _audit_csv(params: dict) -> Response:
    # The export is audited before streaming starts: a download cut short still shows.
    audit.record("audit_export", "audit_log", "", detail="csv")
    database_path = get_db().conn.execute("PRAGMA database_list").fetchone()[2]

    def rows() -> Iterator[str]:
        # The stream outlives the request's connection, so it reads through its own.
        db = connect(database_path)
        try:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(AUDIT_CSV_COLUMNS)
            for row in audit_store.export(db, params):
                writer.writerow([csv_safe.cell(v) for v in row])
                if out.tell() > 64 * 1024:
                    yield out.getvalue()
                    out.seek(0)
                    out.truncate()
            yield out.getvalue()
        finally:
            db.close()

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-trail.csv"},
    )


def access_review():
    """PHI opened by accounts created or reset lately, and by break-glass accounts."""
    db = get_db()
    days = audit_store.REVIEW_DAYS
    accounts = audit_store.review_accounts(db, days)
    rows = audit_store.phi_openings(db, [a["user_id"] for a in accounts], AUDIT_PAGE_SIZE)
    notices = audit_store.self_release_notices(db, days)
    return render_template(
        "admin/access_review.html", accounts=accounts, rows=rows, notices=notices, days=days
    )
