"""The screening flow: start, answer page by page, decline, results, alerts, close."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask

bp = Blueprint("screenings", __name__)


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
