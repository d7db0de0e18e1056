"""Append-only audit trail with a hash chain that `audit-verify` checks."""

from __future__ import annotations

import hashlib
import json

import click
from flask import Flask
from flask import current_app
from flask import g
from flask import has_request_context

from . import db as storage
from . import timeutil

GENESIS = "0" * 64
FIELDS = (
    "at",
    "user_id",
    "username",
    "role",
    "action",
    "record_type",
    "record_id",
    "outcome",
    "detail",
    "request_id",
)


def row_hash(prev_hash: str, row: dict) -> str:
    """The chain hash of one row: sha256 of the previous hash and the row's fields."""
    payload = json.dumps([prev_hash] + [row.get(f) for f in FIELDS], separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    action: str,
    record_type: str = "",
    record_id: object = "",
    outcome: str = "ok",
    detail: str = "",
    *,
    user: dict | None = None,
    db=None,
) -> None:
    """Append one audit event. Never pass PHI values in `detail`: ids and codes only."""
    if user is None and has_request_context():
        user = g.get("user")
    row = {
        "at": timeutil.iso(),
        "user_id": user["id"] if user else None,
        "username": user["username"] if user else "",
        "role": user["role"] if user else "",
        "action": action,
        "record_type": record_type,
        "record_id": "" if record_id is None else str(record_id),
        "outcome": outcome,
        "detail": detail,
        "request_id": g.get("request_id", "") if has_request_context() else "",
    }
    database = db or storage.get_db()
    # The write lock serialises writers, so two workers never chain onto the same row.
    with storage.write(database):
        last = database.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        row["prev_hash"] = last[0] if last else GENESIS
        row["hash"] = row_hash(row["prev_hash"], row)
        database["audit_log"].insert(row)


def verify(database) -> list[str]:
    """Problems found walking the chain (empty when every row is intact and present)."""
    problems = []
    prev = GENESIS
    expected_id = None
    cursor = database.execute("SELECT * FROM audit_log ORDER BY id")
    columns = [c[0] for c in cursor.description]
    for values in cursor:
        row = dict(zip(columns, values, strict=True))
        if expected_id is not None and row["id"] != expected_id:
            problems.append(f"rows {expected_id}..{row['id'] - 1} are missing")
        if row["prev_hash"] != prev:
            problems.append(f"row {row['id']}: does not follow the previous row")
        if row_hash(row["prev_hash"], row) != row["hash"]:
            problems.append(f"row {row['id']}: contents were changed")
        prev = row["hash"]
        expected_id = row["id"] + 1
    return problems


@click.command("audit-verify")
def audit_verify_command() -> None:
    """Check the audit trail's hash chain; exit 1 on any edited or missing row."""
    database = storage.connect(current_app.config["DATABASE"])
    try:
        count = database.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        problems = verify(database)
    finally:
        database.close()
    if problems:
        for p in problems:
            click.echo(f"audit-verify: {p}", err=True)
        raise SystemExit(1)
    click.echo(f"audit trail intact: {count} rows")


def init_app(app: Flask) -> None:
    """Register the audit-verify command."""
    app.cli.add_command(audit_verify_command)
