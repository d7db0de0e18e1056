"""Demo versus production: the demo mark, the DEMO banner and `check-deploy`.

A database loaded by `init-db --demo` carries a mark in its header (SQLite's
application_id), so it stays recognisable after copies, backups and restores; every page
of a marked instance says DEMO, and `check-deploy` refuses it.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask import g
from flask.cli import with_appcontext
from sqlite_utils import Database

from screening.platform import db as storage
from screening.platform.settings import SECRET_FILE

# "DEMO" in ASCII: what `sqlite3 file 'PRAGMA application_id'` shows for a demo database.
DEMO_APPLICATION_ID = 0x44454D4F
MIN_SECRET_LENGTH = 32


def mark_demo(db: Database) -> None:
    """Mark the database as a demo (synthetic data and published passwords)."""
    db.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")


def is_demo(db: Database) -> bool:
    return db.execute("PRAGMA application_id").fetchone()[0] == DEMO_APPLICATION_ID


@dataclass(frozen=True)
class Problem:
    what: str
    fix: str


def _readable_by_others(path: Path) -> bool:
    return path.exists() and bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def _file_problems(app: Flask) -> list[Problem]:
    problems = []
    instance = Path(app.instance_path)
    secret = instance / SECRET_FILE
    if _readable_by_others(secret):
        problems.append(Problem(f"{secret} is readable by other users", f"chmod 600 {secret}"))
    configured = app.config.get("SECRET_KEY")
    if not configured:
        problems.append(Problem("there is no secret key", "run `flask --app screening init-db`"))
    elif len(str(configured)) < MIN_SECRET_LENGTH:
        problems.append(
            Problem(
                f"the secret key is shorter than {MIN_SECRET_LENGTH} characters",
                f"delete SECRET_KEY from config.py and let init-db write {secret}",
            )
        )
    database = Path(app.config["DATABASE"])
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if _readable_by_others(path):
            problems.append(
                Problem(f"{path} (PHI) is readable by other users", f"chmod 600 {path}")
            )
    if _readable_by_others(instance):
        problems.append(Problem(f"{instance} is open to other users", f"chmod 700 {instance}"))
    return problems


def _setting_problems(app: Flask) -> list[Problem]:
    problems = []
    if app.debug or app.config.get("DEBUG") or os.environ.get("FLASK_DEBUG") not in (None, "", "0"):
        problems.append(
            Problem("debug mode is on", "remove DEBUG from config.py and unset FLASK_DEBUG")
        )
    if app.config.get("TESTING"):
        problems.append(Problem("TESTING is on", "remove TESTING from config.py"))
    if not app.config.get("SESSION_COOKIE_SECURE"):
        problems.append(
            Problem(
                "the session cookie is sent over plain HTTP",
                "set SESSION_COOKIE_SECURE = True in config.py (serve through TLS)",
            )
        )
    if not int(app.config.get("TRUSTED_PROXIES") or 0):
        problems.append(
            Problem(
                "TRUSTED_PROXIES is unset: behind the TLS proxy the app sees http and the "
                "proxy's address",
                "set TRUSTED_PROXIES = 1 in config.py (the number of proxies in front)",
            )
        )
    if app.config.get("WTF_CSRF_ENABLED") is False:
        problems.append(Problem("CSRF protection is off", "remove WTF_CSRF_ENABLED from config.py"))
    return problems


def _database_problems(db: Database) -> list[Problem]:
    problems = []
    if not storage.is_migrated(db):
        problems.append(
            Problem("the database is not migrated", "run `flask --app screening init-db`")
        )
        return problems
    if is_demo(db):
        problems.append(
            Problem(
                "this database was made with `init-db --demo`: demo accounts with published "
                "passwords and synthetic families",
                "use a new instance folder; run `flask --app screening init-db` without --demo",
            )
        )
    demo_rows = db.execute("SELECT count(*) FROM families WHERE mrn LIKE 'DEMO%'").fetchone()[0]
    if demo_rows:
        problems.append(
            Problem(f"{demo_rows} demo families are present", "use a database made without --demo")
        )
    admins = list(
        db.execute(
            "SELECT username, totp_secret IS NOT NULL FROM users "
            "WHERE role = 'admin' AND active = 1"
        )
    )
    if not any(has_totp for _name, has_totp in admins):
        problems.append(
            Problem(
                "no active admin has a second factor",
                "`flask --app screening create-user NAME --role admin`, sign in, set up codes",
            )
        )
    for name, has_totp in admins:
        if not has_totp:
            problems.append(
                Problem(f"admin {name} has no second factor", f"sign in as {name} and set up codes")
            )
    return problems


def deployment_problems(app: Flask) -> list[Problem]:
    """Every deployment problem found, each with its fix."""
    problems = _setting_problems(app) + _file_problems(app)
    if not Path(app.config["DATABASE"]).exists():
        return [*problems, Problem("there is no database", "run `flask --app screening init-db`")]
    db = storage.connect(app.config["DATABASE"])
    try:
        problems += _database_problems(db)
    finally:
        db.close()
    return problems


@click.command("check-deploy")
@with_appcontext
def check_deploy_command() -> None:
    """List deployment problems with their fixes; exit 1 when there is any."""
    problems = deployment_problems(current_app)
    for p in problems:
        click.echo(f"check-deploy: {p.what}\n    fix: {p.fix}", err=True)
    if problems:
        click.echo(
            f"check-deploy: {len(problems)} problem(s); do not serve real families yet", err=True
        )
        raise SystemExit(1)
    click.echo("check-deploy: no problems found")


def _demo_flag() -> dict:
    # Read from the database header on each page: cheap, and right after a restore too.
    if "db" not in g and not current_app.config.get("DATABASE"):
        return {"demo_instance": False}
    try:
        return {"demo_instance": is_demo(storage.get_db())}
    except sqlite3.Error:  # no database yet: the setup error page says so
        return {"demo_instance": False}


def init_app(app: Flask) -> None:
    """Register check-deploy and the DEMO banner's flag."""
    app.cli.add_command(check_deploy_command)
    app.context_processor(_demo_flag)
