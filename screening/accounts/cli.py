"""Account commands: create-user, reset-password, reset-totp, unlock-user, demo-accounts.

The reset commands are the break-glass path when no admin can sign in (README "Security").
Each is written to the audit trail as the operating-system user who ran it.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from screening.accounts import passwords
from screening.accounts import store
from screening.platform import audit
from screening.platform.db import connect
from screening.platform.db import write
from screening.platform.roles import ROLES


def _read_password(password_stdin: bool, username: str) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = passwords.policy_problems(password, username)
    if problems:
        for p in problems:
            click.echo(f"password: {p}", err=True)
        raise SystemExit(2)
    return password


def _user_id(db, name: str) -> int:
    row = db.execute("SELECT id FROM users WHERE username = ?", [name]).fetchone()
    if row is None:
        click.echo(f"no account named {name!r}", err=True)
        raise SystemExit(2)
    return row[0]


@click.command("create-user")
@with_appcontext
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The account's role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name", default=None, help="Full name shown on letters and pages.")
def create_user_command(name: str, role: str, password_stdin: bool, display_name: str | None):
    """Add an account with a role; the person chooses their own password at first sign-in."""

    password = _read_password(password_stdin, name)
    db = connect(current_app.config["DATABASE"])
    try:
        if store.username_taken(db, name):
            click.echo(f"create-user: the username {name!r} is taken", err=True)
            raise SystemExit(2)
        with write(db):
            # The operator typed this password: like the admin page, it is only temporary.
            uid = store.insert_user(
                db, name, role, password, display_name=display_name or name, must_change_password=1
            )
        audit.record(
            "user_create", "user", uid, detail=f"role={role}", user=audit.cli_actor(), db=db
        )
    finally:
        db.close()
    click.echo(f"created {role} {name}")


@click.command("reset-password")
@with_appcontext
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def reset_password_command(name: str, password_stdin: bool) -> None:
    """Set a temporary password, unlock the account and end its sessions (break-glass)."""

    password = _read_password(password_stdin, name)
    db = connect(current_app.config["DATABASE"])
    try:
        uid = _user_id(db, name)
        with write(db):
            store.set_password(db, uid, password, must_change=True)
            store.set_active(db, uid, True)
        audit.record("user_password_reset", "user", uid, user=audit.cli_actor(), db=db)
    finally:
        db.close()
    click.echo(f"temporary password set for {name}; it must be changed at sign-in")


@click.command("reset-totp")
@with_appcontext
@click.argument("name")
def reset_totp_command(name: str) -> None:
    """Clear an account's TOTP second factor; it enrols again at next sign-in (break-glass)."""

    db = connect(current_app.config["DATABASE"])
    try:
        uid = _user_id(db, name)
        store.set_totp(db, uid, None)
        audit.record("user_totp_reset", "user", uid, user=audit.cli_actor(), db=db)
    finally:
        db.close()
    click.echo(f"sign-in codes reset for {name}; they set them up again at next sign-in")


@click.command("unlock-user")
@with_appcontext
@click.argument("name")
def unlock_user_command(name: str) -> None:
    """Clear a lockout after failed sign-ins."""

    db = connect(current_app.config["DATABASE"])
    try:
        uid = _user_id(db, name)
        store.unlock(db, uid)
        audit.record("user_unlock", "user", uid, user=audit.cli_actor(), db=db)
    finally:
        db.close()
    click.echo(f"unlocked {name}")


def init_app(app: Flask) -> None:
    """Register the account commands."""
    for command in (
        create_user_command,
        reset_password_command,
        reset_totp_command,
        unlock_user_command,
    ):
        app.cli.add_command(command)
