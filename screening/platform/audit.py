"""Append-only audit trail: a keyed hash chain plus a tail anchor that `audit-verify` checks.

Each row's hash is an HMAC (key derived from the instance secret key) over the previous
hash and the row, so someone holding only the database file cannot rewrite a row and
recompute the chain. Deleting rows at the end leaves a valid shorter chain, so every
append also rewrites, in the same transaction, a one-row anchor (row count, last id and
hash, HMAC-signed with the same key); verify fails when the table holds fewer rows than the
anchor vouches for, and a forged anchor fails its MAC. Being in the same transaction, the
anchor never lags or runs ahead of the trail and costs no extra disk sync.

An append reads only the last row and the anchor (two primary-key look-ups) and derives
the new count from the anchor's, so it costs the same at zero and ten million rows.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pwd

import click
from flask import Flask
from flask import current_app
from flask import g
from flask import has_request_context
from flask.cli import with_appcontext

from screening.platform import db as storage
from screening.platform import timeutil

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


def chain_key(config) -> bytes:
    """The HMAC key of the chain: AUDIT_KEY if set, else derived from SECRET_KEY."""
    secret = config.get("AUDIT_KEY") or config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError("no SECRET_KEY: run `flask --app screening init-db` first")
    if isinstance(secret, str):
        secret = secret.encode()
    return hmac.new(secret, b"screening audit chain v1", hashlib.sha256).digest()


def row_hash(key: bytes, prev_hash: str, row: dict) -> str:
    """The chain hash of one row: HMAC-SHA256 over the previous hash and the row's fields."""
    payload = json.dumps([prev_hash] + [row.get(f) for f in FIELDS], separators=(",", ":"))
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _anchor_mac(key: bytes, count: int, last_id: int, last_hash: str) -> str:
    return hmac.new(key, f"anchor:{count}:{last_id}:{last_hash}".encode(), "sha256").hexdigest()


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
    elif user is None:
        # A command with no account behind it: the operating-system user who ran it.
        user = cli_actor()
    row = {
        "at": timeutil.iso(),
        "user_id": user["id"] if user else None,
        "username": user["username"] if user else "",
        "role": user["role"] if user else "",
        "action": action,
        "record_type": record_type,
        "record_id": "" if record_id is None else str(record_id),
        "outcome": outcome,
        "detail": " ".join(str(detail).split())[:500],
        "request_id": g.get("request_id", "") if has_request_context() else "",
    }
    config = current_app.config
    key = chain_key(config)
    database = db or storage.get_db()
    # The write lock serialises writers, so two workers never chain onto the same row.
    with storage.write(database):
        last = database.execute(
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
        prev_hash: str = last[1] if last else GENESIS
        row["prev_hash"] = prev_hash
        row["hash"] = digest = row_hash(key, prev_hash, row)
        before = _count_before(database, last is not None)
        new_id = storage.insert_row(database, "audit_log", row)
        _write_anchor(database, key, before, new_id, digest)


def _count_before(database, has_rows: bool) -> int:
    """Rows before this append, from the anchor rather than by counting.

    The anchor's count is trusted even when its last id is not the last row: then rows
    were removed or added behind the app's back, and carrying the old count forward keeps
    that visible to audit-verify instead of re-anchoring a rewritten trail. Only a trail
    from before anchors existed is counted, once.
    """
    if not has_rows:
        return 0
    anchor = database.execute("SELECT count FROM audit_anchor WHERE id = 1").fetchone()
    if anchor is not None:
        return int(anchor[0])
    return int(database.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def _write_anchor(database, key: bytes, count_before: int, last_id: int, last_hash: str) -> None:
    count = count_before + 1
    database.execute(
        "INSERT OR REPLACE INTO audit_anchor (id, count, last_id, hash, mac) "
        "VALUES (1, ?, ?, ?, ?)",
        [count, last_id, last_hash, _anchor_mac(key, count, last_id, last_hash)],
    )


def read_anchor(database) -> dict | None:
    """The anchor row, or None when there is none."""
    return storage.one(database, "SELECT count, last_id, hash, mac FROM audit_anchor WHERE id = 1")


def verify(database, config, *, check_anchor: bool = True) -> list[str]:
    """Problems found walking the chain (empty when every row is intact and present)."""
    key = chain_key(config)
    problems = []
    prev = GENESIS
    expected_id = None
    hashes: dict[int, str] = {}
    cursor = database.execute("SELECT * FROM audit_log ORDER BY id")
    columns = [c[0] for c in cursor.description]
    count = 0
    for values in cursor:
        row = dict(zip(columns, values, strict=True))
        count += 1
        if expected_id is not None and row["id"] != expected_id:
            problems.append(f"rows {expected_id}..{row['id'] - 1} are missing")
        if row["prev_hash"] != prev:
            problems.append(f"row {row['id']}: does not follow the previous row")
        if not hmac.compare_digest(row_hash(key, row["prev_hash"], row), row["hash"]):
            problems.append(f"row {row['id']}: contents were changed")
        prev = row["hash"]
        expected_id = row["id"] + 1
        hashes[row["id"]] = row["hash"]
    if check_anchor:
        problems.extend(_check_anchor(key, read_anchor(database), count, hashes))
    return problems


def _check_anchor(key: bytes, anchor: dict | None, count: int, hashes: dict[int, str]) -> list[str]:
    if anchor is None:
        return ["the anchor is missing (rows at the end may have been removed)"] if count else []
    try:
        a_count, a_id, a_hash = int(anchor["count"]), int(anchor["last_id"]), str(anchor["hash"])
        mac_ok = hmac.compare_digest(_anchor_mac(key, a_count, a_id, a_hash), str(anchor["mac"]))
    except (KeyError, TypeError, ValueError):
        mac_ok = False
    if not mac_ok:
        return ["the anchor was altered or is unreadable"]
    if a_id not in hashes:
        return [
            f"rows after id {max(hashes, default=0)} are missing (the anchor vouches for id {a_id})"
        ]
    if hashes[a_id] != a_hash:
        return [f"row {a_id}: differs from the anchored copy"]
    if sum(1 for i in hashes if i <= a_id) != a_count:
        return [f"the trail holds a different number of rows up to id {a_id} than anchored"]
    return []


@click.command("audit-verify")
@with_appcontext
def audit_verify_command() -> None:
    """Check the audit trail's hash chain; exit 1 on any edited, deleted or truncated row."""
    database = storage.connect(current_app.config["DATABASE"])
    try:
        count = database.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        problems = verify(database, current_app.config)
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


def cli_actor() -> dict:
    """The audit identity of a command-line operator (no account row).

    From the process's real user id, not LOGNAME/USER, which anyone can set to anything.
    """
    uid = os.getuid()
    try:
        who = pwd.getpwuid(uid).pw_name
    except KeyError:
        who = f"uid{uid}"
    return {"id": None, "username": f"cli:{who}", "role": "cli"}
