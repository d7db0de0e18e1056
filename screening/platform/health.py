"""/healthz: database reachable and migrated; reveals no data.

Monitoring may call it every second and anyone can reach it, so it answers from a result
at most HEALTH_CACHE_SECONDS old: one connection and the migration table per period,
never an integrity scan (that runs with every backup), so it costs the same at any size.
"""

from __future__ import annotations

import sqlite3
import threading
import time

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import jsonify

from screening.platform.db import connect
from screening.platform.db import is_migrated
from screening.platform.roles import PUBLIC
from screening.platform.roles import allow

bp = Blueprint("health", __name__)
HEALTH_CACHE_SECONDS = 10.0
_CACHE = "screening.health"


def _check(path: str) -> tuple[dict, int]:
    try:
        db = connect(path)
        try:
            db.execute("SELECT 1").fetchone()
            migrated = is_migrated(db)
        finally:
            db.close()
    except sqlite3.Error:
        return {"status": "error", "database": "unreachable"}, 503
    body = {"status": "ok" if migrated else "error", "database": "ok", "migrated": migrated}
    return body, 200 if migrated else 503


def cached_health(app: Flask) -> tuple[dict, int]:
    """The last check's answer, refreshed by one caller when it is older than the period."""
    state = app.extensions[_CACHE]
    with state["lock"]:
        if time.monotonic() - state["at"] > HEALTH_CACHE_SECONDS:
            state["answer"] = _check(app.config["DATABASE"])
            state["at"] = time.monotonic()
        return state["answer"]


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    """Liveness and readiness for monitoring."""
    body, status = cached_health(current_app._get_current_object())  # noqa: SLF001
    return jsonify(body), status


def init_app(app: Flask) -> None:
    """Register the blueprint and an empty cache (the first call checks)."""
    app.extensions[_CACHE] = {"lock": threading.Lock(), "at": float("-inf"), "answer": None}
    app.register_blueprint(bp)
