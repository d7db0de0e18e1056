"""Directory commands: HSDS import and export."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from screening.core import hsds
from screening.directory import exchange
from screening.platform.audit import cli_actor
from screening.platform.db import connect
from screening.platform.files import write_private


@click.command("directory-import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@with_appcontext
def directory_import_command(source: Path) -> None:
    """Import an HSDS 3.x folder or zip of CSV files into the directory (all or nothing)."""
    db = connect(current_app.config["DATABASE"])
    try:
        result = exchange.import_package(db, source, user=cli_actor())
    except hsds.ImportProblems as exc:
        for problem in exc.problems:
            click.echo(f"directory-import: {problem}", err=True)
        click.echo("directory-import: nothing was imported", err=True)
        raise SystemExit(2) from None
    finally:
        db.close()
    for line in result.lines():
        click.echo(line)


@click.command("directory-export")
@click.argument("dest", type=click.Path(path_type=Path))
@with_appcontext
def directory_export_command(dest: Path) -> None:
    """Export the directory as HSDS 3.x CSV files: into a folder, or a .zip file."""
    db = connect(current_app.config["DATABASE"])
    try:
        count = db["services"].count
        if dest.suffix.lower() == ".zip":
            write_private(dest, exchange.export_zip(db, user=cli_actor()))
        else:
            exchange.export_folder(db, dest, user=cli_actor())
    finally:
        db.close()
    click.echo(f"exported {count} services to {dest}")


def init_app(app: Flask) -> None:
    """Register the directory commands."""
    app.cli.add_command(directory_import_command)
    app.cli.add_command(directory_export_command)
