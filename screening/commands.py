"""Account commands: create-user and demo-accounts."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask import current_app

from . import passwords
from . import timeutil
from .auth import ROLES
from .db import connect


def insert_user(db, username: str, role: str, password: str, **extra) -> int:
    """Insert one account and return its id; the caller checks the policy."""
    row = {
        "username": username,
        "display_name": extra.pop("display_name", username),
        "role": role,
        "password_hash": passwords.hash_password(password),
        "created_at": timeutil.iso(),
        "password_changed_at": timeutil.iso(),
        **extra,
    }
    return db["users"].insert(row).last_pk


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The account's role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name", default=None, help="Full name shown on letters and pages.")
def create_user_command(name: str, role: str, password_stdin: bool, display_name: str | None):
    """Add an account with a role."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problems = passwords.policy_problems(password, name)
    if problems:
        for p in problems:
            click.echo(f"create-user: password: {p}", err=True)
        raise SystemExit(2)
    db = connect(current_app.config["DATABASE"])
    try:
        if db["users"].count_where("username = ?", [name]):
            click.echo(f"create-user: the username {name!r} is taken", err=True)
            raise SystemExit(2)
        insert_user(db, name, role, password, display_name=display_name or name)
    finally:
        db.close()
    click.echo(f"created {role} {name}")


@click.command("demo-accounts")
def demo_accounts_command() -> None:
    """Print the demo accounts that init-db --demo creates."""
    from .demo import DEMO_ACCOUNTS

    click.echo("Demo accounts (synthetic data only; change or remove before real use):")
    for username, role, password, _name in DEMO_ACCOUNTS:
        click.echo(f"  {role:<14} {username:<10} {password}")
    click.echo("Open http://127.0.0.1:5000/login")


def init_app(app: Flask) -> None:
    """Register the account commands."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_accounts_command)
