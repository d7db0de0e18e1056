"""/healthz: database reachable and migrated; reveals no data."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import jsonify

from screening.platform.db import get_db
from screening.platform.db import is_migrated
from screening.platform.roles import PUBLIC
from screening.platform.roles import allow

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    """Liveness and readiness for monitoring."""
    try:
        db = get_db()
        quick = db.execute("PRAGMA quick_check").fetchone()[0]
        migrated = is_migrated(db)
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return jsonify({"status": "error", "database": "unreachable"}), 503
    ok = quick == "ok" and migrated
    body = {"status": "ok" if ok else "error", "database": quick, "migrated": migrated}
    return jsonify(body), 200 if ok else 503


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
