"""Families: worklist, search, add and edit, the family page."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import render_template

from .auth import allow

bp = Blueprint("families", __name__)


@bp.route("/")
@bp.route("/families")
@allow("social_worker")
def worklist():
    """The unit worklist."""
    return render_template("families/worklist.html")


@bp.route("/families/search", methods=["GET", "POST"])
@allow("social_worker")
def search():
    """Find a family."""
    return render_template("families/worklist.html")


@bp.route("/families/new", methods=["GET", "POST"])
@allow("social_worker")
def create():
    """Add a family."""
    return render_template("families/worklist.html")


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
