"""The screenings blueprint and the helpers every screenings view module shares."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import session

from screening.platform.db import get_db
from screening.screenings import store as screening_data

bp = Blueprint("screenings", __name__)


def load_screening_or_404(screening_id: int) -> dict:
    """The screening, or a 404 page."""
    screening = screening_data.get_screening(get_db(), screening_id)
    if screening is None:
        abort(404)
    return screening


def handing_over(screening_id: int) -> bool:
    """True while the parent holds the tablet for this screening."""
    return session.get("handover") == screening_id
