"""The family's FHIR bundle as a download for the EHR (social workers only)."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import gettext as _

from screening.core.fhir_base import MapError
from screening.exchange import service
from screening.platform import audit
from screening.platform.db import get_db
from screening.platform.instruments import get_registry
from screening.platform.roles import allow

bp = Blueprint("exchange", __name__)


@bp.route("/families/<int:family_id>/fhir.json")
@allow("social_worker")
def family_fhir(family_id: int):
    """The family as a FHIR R4 Bundle (HL7 SDOH Clinical Care), downloaded as a file."""
    try:
        bundle = service.family_fhir(get_db(), family_id, get_registry(), current_app.config)
    except MapError:
        current_app.logger.error("fhir export refused: the FHIR code maps have problems")
        flash(
            _(
                "The EHR download is not available: the unit's FHIR code map has problems. "
                "An admin can list them with check-forms."
            ),
            "error",
        )
        return redirect(url_for("families.show", family_id=family_id))
    if bundle is None:
        abort(404)
    audit.record("fhir_export", "family", family_id)
    return Response(
        service.dumps(bundle),
        mimetype="application/fhir+json",
        headers={
            # The id only: a name or MRN in a file name ends up in download folders and logs.
            "Content-Disposition": f'attachment; filename="family-{family_id}-fhir.json"',
            "Cache-Control": "no-store",
        },
    )


def init_app(app: Flask) -> None:
    """Register the download."""
    app.register_blueprint(bp)
