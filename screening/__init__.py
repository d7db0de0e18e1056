"""NICU social-needs screening: Flask application factory."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from flask import Flask

from screening.platform import db as storage
from screening.platform import settings
from screening.schema import MIGRATION_SETS

# Each area registers its blueprint, hooks and CLI commands through init_app(app).
AREAS = (
    "screening.platform.instruments",
    "screening.platform.i18n",
    "screening.platform.wording",
    "screening.platform.timeutil",
    "screening.platform.audit",
    "screening.platform.web_security",
    "screening.platform.health",
    "screening.platform.backup",
    "screening.platform.deploy",
    "screening.accounts.views",
    "screening.accounts.admin_views",
    "screening.accounts.cli",
    "screening.families.views",
    "screening.screenings.views",
    "screening.referrals.views",
    "screening.directory.views",
    "screening.directory.cli",
    "screening.reports.views",
    "screening.reports.cli",
    "screening.exchange.views",
    "screening.exchange.cli",
    "screening.cli",
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

    storage.init_app(app, MIGRATION_SETS)
    for name in AREAS:
        importlib.import_module(name).init_app(app)
    return app
