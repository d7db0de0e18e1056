"""Request ids, structured logs without PHI, security headers, CSRF and error pages."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import sqlite3
import time

from flask import Flask
from flask import abort
from flask import current_app
from flask import g
from flask import has_request_context
from flask import render_template
from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()
log = logging.getLogger("screening.request")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class RequestIdFilter(logging.Filter):
    """Stamp every record logged during a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" not in getattr(record, "fields", {}):
            record.fields = {**getattr(record, "fields", {}), "request_id": g.get("request_id")}
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; only the fields we choose, never request bodies."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage().replace("\r", " ").replace("\n", " "),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            # Type and innermost code line only: messages and locals can carry PHI values.
            data["exc"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
            tb = record.exc_info[2]
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                code = tb.tb_frame.f_code
                data["where"] = f"{os.path.basename(code.co_filename)}:{tb.tb_lineno}"
        return json.dumps(data, default=str)


def configure_logging(app: Flask) -> None:
    """Send app logs as JSON lines to stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger("screening")
    root.handlers = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False
    app.logger.handlers = [handler]
    # Werkzeug's access log prints full URLs and client addresses; ours replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


# The longest value any field legitimately carries (a referral note); the forms' own
# Length validators give friendlier messages below this, this is the floor under all of them.
MAX_FIELD_CHARS = 10_000
MAX_ID = 2**63 - 1
# Form fields that carry a record id or a version: digits only, within SQLite's integer range.
_ID_FIELD = re.compile(r"(^|[_-])(id|version)$")
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: object) -> int:
    """A record id or version from the request, or 400: never a 500 from int() or SQLite."""
    text = value if isinstance(value, str) else str(value)
    if not _DIGITS.fullmatch(text) or int(text) > MAX_ID:
        abort(400)
    return int(text)


def refuse_bad_input():
    """before_request: one place that refuses NUL bytes, over-long fields and malformed ids.

    Views then never see a value SQLite, a PDF or a CSV cannot hold, whatever form it
    came through.
    """
    for args in (request.args, request.form):
        for name, value in args.items(multi=True):
            if "\x00" in name or "\x00" in value or len(value) > MAX_FIELD_CHARS:
                abort(400)
            if value and _ID_FIELD.search(name):
                parse_id(value)
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            abort(400)
    return None


def start_request():
    """before_request: give the request an id and refuse to serve without a secret key."""
    g.request_id = secrets.token_hex(8)
    g.started = time.perf_counter()
    if not current_app.secret_key and request.endpoint != "health.healthz":
        return error_page(
            503,
            _("Not set up"),
            _("Run %(command)s to create the secret key.", command="flask --app screening init-db"),
        )
    return None


def finish_request(response):
    """Add security headers and write one access-log line (endpoint, not the URL)."""
    h = response.headers
    h["Content-Security-Policy"] = CSP
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "no-referrer"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Cross-Origin-Resource-Policy"] = "same-origin"
    h["X-Request-Id"] = g.get("request_id", "")
    if request.is_secure:
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Every page may hold PHI; none should sit in a browser or proxy cache.
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    user = g.get("user")
    log.info(
        "request",
        extra={
            "fields": {
                "request_id": g.get("request_id"),
                "method": request.method,
                "endpoint": request.endpoint,
                "status": response.status_code,
                "user_id": user["id"] if user else None,
                "ms": round(
                    (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1
                ),
            }
        },
    )
    return response


def error_page(status: int, title: str, message: str):
    """A generic error page: never the exception text, which can hold PHI."""
    # A family page may have switched the language (use_locale): the page says which it is in.
    locale = get_locale()
    lang = locale.language if locale else None
    page = render_template("errors.html", status=status, title=title, message=message, lang=lang)
    return page, status


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """True when SQLite gave up waiting for another connection's lock."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def log_exception(exc_info) -> None:
    """Replaces Flask's exception log, which writes the URL path and the exception message."""
    log.error(
        "unhandled exception",
        exc_info=exc_info,
        extra={"fields": {"endpoint": request.endpoint, "method": request.method}},
    )


def init_app(app: Flask) -> None:
    """Register CSRF protection, headers, logging and generic error pages."""
    trusted = int(app.config.get("TRUSTED_PROXIES", 0) or 0)
    if trusted:
        # Behind a TLS-terminating proxy: trust its X-Forwarded-Proto/For so HSTS and
        # secure-cookie decisions see https (README "Deployment").
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)
    app.log_exception = log_exception
    csrf.init_app(app)
    configure_logging(app)
    app.before_request(start_request)
    app.before_request(refuse_bad_input)
    app.after_request(finish_request)

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return error_page(
            400,
            _("Form expired"),
            _(
                "This form was open too long or came from elsewhere. Go back, reload the page "
                "and submit again. Nothing was saved from this submission."
            ),
        )

    @app.errorhandler(400)
    def bad_request(_e):
        return error_page(
            400,
            _("Not accepted"),
            _("Something in this request was not valid. Go back and try again."),
        )

    @app.errorhandler(403)
    def forbidden(_e):
        return error_page(403, _("Not allowed"), _("Your role does not give access to this page."))

    @app.errorhandler(404)
    def not_found(_e):
        return error_page(404, _("Not found"), _("There is no such page or record."))

    @app.errorhandler(405)
    def bad_method(_e):
        return error_page(
            405, _("Not allowed"), _("This address does not accept that kind of request.")
        )

    @app.errorhandler(413)
    def too_large(_e):
        return error_page(413, _("Too large"), _("The upload is larger than this site accepts."))

    @app.errorhandler(sqlite3.OperationalError)
    def database_error(exc):
        # Another writer (a large import, a backup) held the write lock past the busy timeout:
        # nothing was saved (write() rolled back), and a retry will very likely go through.
        if not is_busy(exc):
            log_exception((type(exc), exc, exc.__traceback__))
            return server_error(exc)
        log.warning("database busy", extra={"fields": {"endpoint": request.endpoint}})
        page, status = error_page(
            503,
            _("Busy for a moment"),
            _(
                "Another save or an import is using the records right now. Nothing from this "
                "step was saved: wait a few seconds, go back and submit again."
            ),
        )
        return page, status, {"Retry-After": "5"}

    @app.errorhandler(500)
    def server_error(_e):
        return error_page(
            500,
            _("Something went wrong"),
            _(
                "The error was logged with reference %(reference)s. Nothing from the last step "
                "was half-saved; try again.",
                reference=g.get("request_id", ""),
            ),
        )
