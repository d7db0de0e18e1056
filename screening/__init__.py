"""NICU social-needs screening: Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import settings

# Each area registers its blueprint, hooks and CLI commands through init_app(app).
AREAS = (
    "screening.db",
    "screening.forms_registry",
    "screening.ui_text",
    "screening.audit",
    "screening.web_security",
    "screening.auth",
    "screening.admin",
    "screening.families",
    "screening.screenings",
    "screening.referrals",
    "screening.directory",
    "screening.reports",
    "screening.health",
    "screening.commands",
)


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the app; test_config replaces instance/config.py under test."""
    instance = os.environ.get("SCREENING_INSTANCE")
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(Path(instance).resolve()) if instance else None,
    )
    app.config.from_object(settings.Defaults)
    app.config["DATABASE"] = os.path.join(app.instance_path, "screening.sqlite")
    app.config["INSTANCE_FORMS"] = os.path.join(app.instance_path, "forms")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    settings.load_secret_key(app)

    import importlib

    for name in AREAS:
        importlib.import_module(name).init_app(app)
    return app
