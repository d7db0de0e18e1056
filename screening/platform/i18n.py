"""Translations (Flask-Babel): staff pages in the staff language, family pages in theirs.

Views showing text to a family set `g.locale` (the screening's or the family's language);
letters and paper forms rendered outside a request use `flask_babel.force_locale`.
"""

from __future__ import annotations

from flask import Flask
from flask import g
from flask_babel import Babel
from flask_babel import refresh

from screening.platform.resources import PACKAGE

# Languages with a complete interface catalogue; instruments may carry more.
LANGUAGES = ("en", "es")
DEFAULT = "en"


def select_locale() -> str:
    """The language of the text being rendered now."""
    locale = g.get("locale") if g else None
    return locale if locale in LANGUAGES else DEFAULT


def use_locale(lang: str | None) -> None:
    """Render the rest of this request in `lang` (a family-facing page)."""
    g.locale = lang if lang in LANGUAGES else DEFAULT
    # Flask-Babel caches the locale on first use in a request; a flash or a staff label may
    # already have been translated in the staff language.
    refresh()


def init_app(app: Flask) -> None:
    """Install gettext in Python and Jinja (`_`, `gettext`, `ngettext`)."""
    Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PACKAGE / "translations"),
    )
