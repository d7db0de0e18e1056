"""Placeholder: the manager's equity reports (filled in by the equity work)."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask

from .auth import allow

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/equity")
@allow("manager", "social_worker")
def equity():
    """Equity summary (placeholder)."""
    return "Equity summary: not built yet."


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
