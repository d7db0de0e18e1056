"""Online backup and restore of the live database (`backup DEST`, `restore SRC`).

Both go through SQLite's online backup API, which copies a consistent snapshot while
other workers keep writing; a plain file copy of a WAL database can be torn.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from screening.platform import audit
from screening.platform import timeutil
from screening.platform.db import connect
from screening.platform.db import is_migrated
from screening.platform.db import write


def check_copy(path: str | Path) -> list[str]:
    """integrity_check and foreign_key_check on a database file; problems as messages."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problems = []
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if rows != ["ok"]:
            problems.extend(f"integrity_check: {r}" for r in rows)
        for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"foreign_key_check: {table} row {rowid} points to a missing {parent}")
        return problems
    except sqlite3.DatabaseError as exc:
        return [f"not a readable SQLite database ({exc.__class__.__name__})"]
    finally:
        conn.close()


def _default_name() -> str:
    return f"screening-{timeutil.now().strftime('%Y%m%dT%H%M%SZ')}.sqlite"


def backup_to(source_path: str, dest: str | Path) -> tuple[Path, list[str]]:
    """Copy the live database to dest (a file, or a folder for a dated name); 0600.

    Returns the final path and the problems found on the copy; on problems the copy is
    removed, so a bad backup is never left looking like a good one.
    """
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / _default_name()
    tmp = dest.with_name(f".{dest.name}.partial")
    tmp.unlink(missing_ok=True)
    # Create the file 0600 before SQLite opens it: backups hold PHI.
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    source = connect(source_path)
    target = sqlite3.connect(tmp)
    try:
        source.conn.backup(target)
        # A self-contained single file: no -wal beside it to lose on the way off-host.
        target.execute("PRAGMA journal_mode = DELETE")
        target.commit()
    finally:
        target.close()
        source.close()
    problems = check_copy(tmp)
    if problems:
        tmp.unlink(missing_ok=True)
        return dest, problems
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dest)
    os.chmod(dest, 0o600)
    return dest, []


def restore_from(source: str | Path, live_path: str, config) -> list[str]:
    """Replace the live database's contents with a checked backup; returns problems.

    Every session is revoked (everyone signs in again) and a `restore` entry, which re-signs
    the audit anchor, says how many audit rows the backup held.
    """
    source = Path(source)
    if not source.is_file():
        return [f"{source} is not a file"]
    problems = check_copy(source)
    if problems:
        return problems
    backup_db = connect(str(source))
    try:
        if not is_migrated(backup_db):
            return ["the backup is from an older version: restore it, then run init-db"]
        chain = audit.verify(backup_db, config, check_anchor=False)
        if chain:
            return [f"audit trail in the backup: {p}" for p in chain]
        live = connect(live_path)
        try:
            backup_db.conn.backup(live.conn)
            with write(live):
                live.execute(
                    "UPDATE user_sessions SET revoked_at = ? WHERE revoked_at IS NULL",
                    [timeutil.iso()],
                )
            rows = live.execute("SELECT count(*) FROM audit_log").fetchone()[0]
            audit.record(
                "restore",
                "database",
                "",
                detail=f"audit_rows={rows}",
                user=audit.cli_actor(),
                db=live,
            )
        finally:
            live.close()
    finally:
        backup_db.close()
    return []


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(dir_okay=True, file_okay=True))
def backup_command(dest: str) -> None:
    """Online backup of the live database to DEST (file or folder), integrity-checked, 0600."""
    path, problems = backup_to(current_app.config["DATABASE"], dest)
    if problems:
        for p in problems:
            click.echo(f"backup: {p}", err=True)
        click.echo("backup: FAILED, no backup file was kept", err=True)
        raise SystemExit(1)
    live = connect(current_app.config["DATABASE"])
    try:
        audit.record("backup", "database", "", user=audit.cli_actor(), db=live)
    finally:
        live.close()
    click.echo(f"backup ok: {path} ({path.stat().st_size} bytes; integrity and foreign keys ok)")


@click.command("restore")
@with_appcontext
@click.argument("src", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm: the live data is replaced by the backup.")
def restore_command(src: str, yes: bool) -> None:
    """Replace the live database with a checked backup; a safety copy of the live one is kept."""
    if not yes:
        click.echo("restore: this replaces every record with the backup's; add --yes", err=True)
        raise SystemExit(2)
    live_path = current_app.config["DATABASE"]
    safety, problems = backup_to(live_path, Path(live_path).parent)
    if problems:
        click.echo("restore: could not make a safety copy of the live database first:", err=True)
        for p in problems:
            click.echo(f"restore: {p}", err=True)
        raise SystemExit(1)
    click.echo(f"safety copy of the live database: {safety}")
    problems = restore_from(src, live_path, current_app.config)
    if problems:
        for p in problems:
            click.echo(f"restore: {p}", err=True)
        click.echo("restore: nothing was changed", err=True)
        raise SystemExit(1)
    click.echo("restore ok: everyone must sign in again; run audit-verify to confirm")


def init_app(app: Flask) -> None:
    """Register the backup and restore commands."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
