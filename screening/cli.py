"""Commands that span every area: init-db and demo-accounts."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from screening import demo as demo_data
from screening.directory import store as directory_store
from screening.platform import settings
from screening.platform.db import connect
from screening.reports import family_flags
from screening.schema import migrate


@click.command("init-db")
@click.option("--demo", is_flag=True, help="Load deterministic synthetic families and accounts.")
@with_appcontext
def init_db_command(demo: bool) -> None:
    """Create or migrate the database (idempotent); --demo loads demo data."""
    if settings.ensure_secret_key(current_app):
        click.echo("Generated a new secret key in the instance folder.")
    path = current_app.config["DATABASE"]
    os.chmod(current_app.instance_path, 0o700)
    if not os.path.exists(path):
        # The database holds PHI: readable by the service account only. SQLite gives its
        # -wal and -shm files the database file's permissions.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    db = connect(path)
    try:
        applied = migrate(db)
        click.echo(f"Migrations applied: {len(applied)}" if applied else "Database up to date.")
        # The equity summary keeps per-family flags; build them now, not on a manager's first
        # page view (a full build over 100,000 families takes a while).
        family_flags.refresh(
            db, current_app.config["ADMISSION_SCREEN_DAYS"], current_app.config["UNIT_TIMEZONE"]
        )
        added = directory_store.load_starter(db)
        if added:
            click.echo(f"Starter resource directory: {added} services added.")
        if demo:
            counts = demo_data.load(db, current_app.config)
            click.echo(f"Demo data: {counts}")
    finally:
        db.close()


@click.command("demo-accounts")
@with_appcontext
def demo_accounts_command() -> None:
    """Print the demo accounts that init-db --demo creates."""
    click.echo("Demo accounts (synthetic data only; change or remove before real use):")
    for username, role, password, _name in demo_data.DEMO_ACCOUNTS:
        click.echo(f"  {role:<14} {username:<10} {password}")
    click.echo(
        "Admins also give a 6-digit code: at the first admin sign-in the site shows a key to\n"
        "add to any authenticator (TOTP) app; later sign-ins ask for the app's current code."
    )
    click.echo("Open http://127.0.0.1:5000/login")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(demo_accounts_command)
