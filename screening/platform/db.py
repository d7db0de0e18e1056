"""Storage: the one place that opens the SQLite database and applies migrations."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable
from collections.abc import Iterator

from flask import Flask
from flask import current_app
from flask import g
from flask import has_request_context
from sqlite_utils import Database
from sqlite_utils import Migrations

BUSY_TIMEOUT_MS = 15000


def connect(path: str) -> Database:
    """Open a connection with the settings every connection needs."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    return Database(conn)


def get_db() -> Database:
    """The request's database connection, opened on first use.

    A request has one connection, its own for as long as it runs. In a request (not a CLI
    command) the connection comes from the serving thread, which keeps it open between
    its requests: opening one costs a schema parse and a cold statement cache, about a
    third of a page save on a unit's schema (bench/README.md). And while one stays open,
    SQLite never takes a request's close for the last one, which would checkpoint the WAL
    into the file, sync twice and delete the WAL: every page appends an audit row.
    """
    if "db" not in g:
        if has_request_context():
            g.db = _thread_connection(current_app.config["DATABASE"])
        else:
            g.db = connect(current_app.config["DATABASE"])
    return g.db


_THREAD = threading.local()
# Connections a forked child inherited: never used, never closed (closing one in the child
# could release locks the parent's copy holds).
_INHERITED: list[Database] = []


def _thread_connection(path: str) -> Database:
    """This thread's connection to this database, opened once per serving process.

    Only the latest database is held: a connection replaced here closes when nothing else
    uses it (a test's app from an earlier test), never under a request still using it.
    """
    key = (os.getpid(), path)
    held = getattr(_THREAD, "held", None)
    if held is not None and held[0] == key:
        return held[1]
    if held is not None and held[0][0] != key[0]:
        _INHERITED.append(held[1])
    db = connect(path)
    _THREAD.held = (key, db)
    return db


class StaleEdit(Exception):
    """The record changed since the form was read (optimistic concurrency)."""


def one(db: Database, sql: str, params: list | dict | None = None) -> dict | None:
    """The first row of a query as a dict, or None."""
    cursor = db.conn.execute(sql, params or [])
    row = cursor.fetchone()
    return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None


# The hot paths (every page save, every audit entry) write through these two rather than
# sqlite-utils' table methods, which look up the schema and open a savepoint on each call.
# Table and column names come from the code, never from input.


def insert_row(db: Database, table: str, row: dict) -> int:
    """Insert one row; returns its rowid."""
    columns = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("?" for _ in row)
    sql = f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'  # noqa: S608  # nosec B608
    return db.conn.execute(sql, list(row.values())).lastrowid


def update_row(db: Database, table: str, row_id: object, changes: dict) -> None:
    """Update columns of the row with this primary key `id`."""
    assignments = ", ".join(f'"{c}" = ?' for c in changes)
    sql = f'UPDATE "{table}" SET {assignments} WHERE id = ?'  # noqa: S608  # nosec B608
    db.conn.execute(sql, [*changes.values(), row_id])


def close_db(exc: BaseException | None = None) -> None:
    """End the request's use of its connection, rolling back anything left open.

    A CLI command's connection is closed. A request's goes back to its thread, unless the
    request failed: a traceback can keep a half-read cursor alive, and with it a read
    snapshot that would show the thread's next request stale data.
    """
    db = g.pop("db", None)
    if db is None:
        return
    db.rollback()
    held = getattr(_THREAD, "held", None)
    if held is not None and held[1] is db:
        if exc is None:
            return
        del _THREAD.held
    db.close()


@contextlib.contextmanager
def write(db: Database | None = None) -> Iterator[Database]:
    """A write transaction that takes the write lock first (BEGIN IMMEDIATE).

    Read-then-write flows would otherwise fail with SQLITE_BUSY when another
    worker commits between the read and the write.
    """
    db = db or get_db()
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        db.conn.execute("COMMIT")


MIGRATION_SETS = "screening.migration_sets"


def migrate(db: Database, sets: Iterable[Migrations]) -> list[str]:
    """Enable WAL and apply pending migrations of each set in order; returns the names applied."""
    with db.ensure_autocommit_on():
        db.execute("PRAGMA journal_mode = WAL")
    applied = []
    for mset in sets:
        pending = [m.name for m in mset.pending(db)]
        mset.apply(db)
        applied.extend(f"{mset.name}:{name}" for name in pending)
    return applied


def is_migrated(db: Database, sets: Iterable[Migrations] | None = None) -> bool:
    """True when every migration (of the app's registered sets by default) has been applied."""
    if sets is None:
        sets = current_app.extensions[MIGRATION_SETS]
    return all(not mset.pending(db) for mset in sets)


def init_app(app: Flask, sets: Iterable[Migrations]) -> None:
    """Register the teardown hook and the migration sets the app's areas declare."""
    app.teardown_appcontext(close_db)
    app.extensions[MIGRATION_SETS] = tuple(sets)
