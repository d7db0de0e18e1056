"""Builders for the i18n work (to fold into tests/factories.py)."""

from __future__ import annotations

from flask import Flask

from screening.platform import i18n
from screening.platform import wording


def core_words() -> dict[str, dict[str, str]]:
    """The wording dict core functions take, from the shipped catalogue (no database)."""
    app = Flask(__name__)
    i18n.init_app(app)
    with app.app_context():
        return wording.words()
