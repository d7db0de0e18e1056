"""Resource directory storage: services, the starter directory, imports."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from types import MappingProxyType

import yaml
from sqlite_utils import Database

from screening.core import matching
from screening.core.identifiers import DOMAINS
from screening.core.identifiers import REFERRAL_CATEGORIES as CATEGORIES
from screening.platform import timeutil
from screening.platform.db import one
from screening.platform.db import write
from screening.platform.resources import SHIPPED_FORMS

STARTER = SHIPPED_FORMS / "directory.yaml"
STALE_AFTER_DAYS = 365
TEXT_FIELDS = (
    "name",
    "organization",
    "description_en",
    "description_es",
    "phone",
    "website",
    "address",
    "city",
    "state",
    "postal_code",
    "eligibility",
    "hours",
    "service_area",
    "what_to_bring",
    "name_es",
    "hours_es",
    "eligibility_es",
    "what_to_bring_es",
    "email",
)
# Fields printed on a letter that have a Spanish column (`<field>_es`; description is `_en`).
BILINGUAL = ("name", "description", "hours", "eligibility", "what_to_bring")


def decode(row: dict) -> dict:
    """A services row with its JSON lists decoded."""
    out = dict(row)
    out["languages"] = json.loads(row.get("languages") or "[]")
    out["domains"] = json.loads(row.get("domains") or "[]")
    out["tags"] = json.loads(row.get("tags") or "[]")
    out["priorities"] = json.loads(row.get("priorities") or "{}")
    return out


def is_stale(service: dict, today: dt.date) -> bool:
    """True when a service was never verified or not verified in the last 12 months."""
    if not service.get("last_verified"):
        return True
    verified = dt.date.fromisoformat(service["last_verified"][:10])
    return (today - verified).days > STALE_AFTER_DAYS


# The decoded directory per database file, with the token it was read at (see the
# directory migration 0005), and the same services prepared for matching on one day: every
# finished screening ranks every service, and decoding and preparing them each time was a
# good part of a submit. Waitress serves from threads.
_DECODED: dict[str, tuple[str, list[dict]]] = {}
_LISTINGS: dict[str, tuple[str, dt.date, list[matching.Listing]]] = {}
_DECODED_LOCK = threading.Lock()


def _token(db: Database) -> str | None:
    row = db.execute("SELECT token FROM services_token WHERE id = 1").fetchone()
    return None if row is None else row[0]


def _decoded(db: Database, token: str | None) -> list[dict]:
    if token is None:
        # A database from before the token table: no way to tell a change, so read it.
        return [decode(r) for r in db.query("SELECT * FROM services ORDER BY name, id")]
    path = _database_path(db)
    with _DECODED_LOCK:
        kept = _DECODED.get(path)
    if kept is not None and kept[0] == token:
        return kept[1]
    rows = [decode(r) for r in db.query("SELECT * FROM services ORDER BY name, id")]
    with _DECODED_LOCK:
        _DECODED[path] = (token, rows)
    return rows


def matching_listings(db: Database, today: dt.date) -> list[matching.Listing]:
    """The active services as matching reads them on `today`, kept until the directory changes.

    The services inside are read-only views of the kept rows.
    """
    token = _token(db)
    if token is None:
        # A database from before the token table: nothing tells a change, so nothing is kept.
        return matching.listings([MappingProxyType(s) for s in _decoded(db, None)], today)
    path = _database_path(db)
    with _DECODED_LOCK:
        kept = _LISTINGS.get(path)
    if kept is not None and kept[:2] == (token, today):
        return kept[2]
    ready = matching.listings([MappingProxyType(s) for s in _decoded(db, token)], today)
    with _DECODED_LOCK:
        _LISTINGS[path] = (token, today, ready)
    return ready


def _database_path(db: Database) -> str:
    # "main" is the file this connection reads; an in-memory database has no path and its
    # token alone (random per write) keeps the copies apart.
    for _seq, name, file in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return file or ":memory:"
    return ":memory:"


def _copy(service: dict) -> dict:
    """A caller's own copy: the kept one must not change when a caller edits theirs."""
    out = dict(service)
    for key in ("languages", "domains", "tags"):
        out[key] = list(service[key])
    out["priorities"] = dict(service["priorities"])
    return out


def all_services(db: Database, *, active_only: bool = False) -> list[dict]:
    """Every service (or only active ones), decoded, by name."""
    return [_copy(s) for s in _decoded(db, _token(db)) if not active_only or s["active"] == 1]


def _domain_order(domain: str) -> int:
    return DOMAINS.index(domain) if domain in DOMAINS else len(DOMAINS)


def _row(record: dict, stamp: str) -> dict:
    row = {k: str(record.get(k) or "") for k in TEXT_FIELDS}
    active = 0 if record.get("active", 1) in (0, False) else 1
    row.update(
        id=record["id"],
        # An empty list is kept: an HSDS service may name its languages without any code.
        languages=json.dumps(list(record.get("languages", ["en"]) or [])),
        # One order (the domain list's) so an HSDS round trip, which cannot keep order, is equal.
        domains=json.dumps(sorted(record.get("domains") or [], key=_domain_order)),
        tags=json.dumps(list(record.get("tags") or [])),
        priorities=json.dumps(dict(record.get("priorities") or {})),
        category=record.get("category") or "community",
        sensitive=1 if record.get("sensitive") else 0,
        placeholder=1 if record.get("placeholder") else 0,
        last_verified=record.get("last_verified") or None,
        active=active,
        status=record.get("status") or ("active" if active else "inactive"),
        organization_id=str(record.get("organization_id") or ""),
        source=record.get("source") or "local",
        updated_at=stamp,
    )
    return row


# Columns a record may leave out (an HSDS file, or an older export): an update keeps them.
KEPT_WHEN_ABSENT = (
    "name_es",
    "hours_es",
    "eligibility_es",
    "what_to_bring_es",
    "tags",
    "priorities",
    "email",
    "status",
    "organization_id",
)


# And the product's own fields: an HSDS feed that does not describe them leaves them out.
OPTIONAL_ON_UPDATE = (
    *KEPT_WHEN_ABSENT,
    "category",
    "domains",
    "sensitive",
    "placeholder",
    "description_es",
)


def save_records(db: Database, records: list[dict]) -> tuple[int, int]:
    """Insert or update directory records by id (inside the caller's transaction).

    Written in bulk: an HSDS import of 20,000 services must not pay a query per column.
    """
    stamp = timeutil.iso()
    existing = {r[0] for r in db.execute("SELECT id FROM services")}
    new: list[dict] = []
    updates: dict[tuple[str, ...], list[list]] = {}
    for record in records:
        row = _row(record, stamp)
        if row["id"] not in existing:
            new.append({**row, "created_at": stamp})
            existing.add(row["id"])
            continue
        # A service keeps where it came from; a record without a column keeps the stored one.
        row.pop("source")
        for name in OPTIONAL_ON_UPDATE:
            if name not in record:
                row.pop(name)
        sid = row.pop("id")
        updates.setdefault(tuple(row), []).append([*row.values(), sid])
    if new:
        # Plain executemany: sqlite-utils' insert_all costs a third of a large import.
        columns = list(new[0])
        names = ", ".join(f"[{c}]" for c in columns)  # our own column names, never input
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO services ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
        db.conn.executemany(sql, [[row[c] for c in columns] for row in new])
    for columns, values in updates.items():
        # update, not replace: a replace would give the service a new page number
        sets = ", ".join(f"[{c}] = ?" for c in columns)  # our own column names, never input
        sql = f"UPDATE services SET {sets} WHERE id = ?"  # noqa: S608  # nosec B608
        db.conn.executemany(sql, values)
    return len(new), sum(len(v) for v in updates.values())


def load_starter(db: Database, path: Path = STARTER) -> int:
    """Add the starter directory's services that are not present yet; returns how many.

    Services already present keep every edit the site made; only fields still blank there
    (Spanish text, tags, priorities added by a later starter file) are filled in.
    """
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["services"]
    for entry in entries:
        if entry["category"] not in CATEGORIES or set(entry["domains"]) - set(DOMAINS):
            raise ValueError(f"{path.name}: service {entry['id']}: unknown category or domain")
    with write(db):
        new = [e for e in entries if not db["services"].count_where("id = ?", [e["id"]])]
        save_records(db, new)
        for entry in entries:
            if entry not in new:
                _fill_blanks(db, entry)
    return len(new)


def _fill_blanks(db: Database, entry: dict) -> None:
    current = one(db, "SELECT * FROM services WHERE id = ?", [entry["id"]]) or {}
    blank = ("", "[]", "{}")
    changes = {
        k: v
        for k, v in _row(entry, "").items()
        if k in KEPT_WHEN_ABSENT and k in entry and current.get(k) in blank and v not in blank
    }
    if changes:
        db["services"].update(entry["id"], changes)


def localized(service: dict, lang: str) -> tuple[dict, set[str]]:
    """The service's printed fields in `lang`, and the fields that fell back to English."""
    out = dict(service)
    fell_back = set()
    if lang == "en":
        out["description"] = service.get("description_en") or ""
        return out, fell_back
    for name in BILINGUAL:
        english = service.get(f"{name}_en" if name == "description" else name) or ""
        own = service.get(f"{name}_{lang}") or ""
        out[name] = own or english
        if english and not own:
            fell_back.add(name)
    return out, fell_back


def parse_priorities(text: str) -> dict[str, int]:
    """`food=10, mental_health=5` as a mapping (the form's regex has checked the shape)."""
    pairs = (part.split("=", 1) for part in text.split(",") if "=" in part)
    return {k.strip(): int(v) for k, v in pairs}


def record_gap(
    db: Database, domain: str, *, user_id: int, referral_id: int | None = None, note: str = ""
) -> int:
    """Record that no suitable service exists for a need (inside the caller's transaction)."""
    if domain not in DOMAINS:
        raise ValueError(domain)
    return (
        db["directory_gaps"]
        .insert(
            {
                "domain": domain,
                "referral_id": referral_id,
                "note": note.strip(),
                "at": timeutil.iso(),
                "user_id": user_id,
            }
        )
        .last_pk
    )


def gaps_by_domain(db: Database) -> list[dict]:
    """Directory gaps counted by domain, most first, with the latest date (no family data)."""
    return list(
        db.query(
            "SELECT domain, COUNT(*) AS gaps, MAX(substr(at, 1, 10)) AS latest "
            "FROM directory_gaps GROUP BY domain ORDER BY gaps DESC, domain"
        )
    )


def service_by_number(db: Database, number: int) -> dict | None:
    """One service by its page number, decoded, or None."""
    row = one(db, "SELECT * FROM services WHERE number = ?", [number])
    return decode(row) if row else None


PAGE_SIZE = 50


def services_page(db: Database, page: int, size: int = PAGE_SIZE) -> tuple[list[dict], int]:
    """One page of services by name, each with its `stale` flag, and the number of services.

    A regional directory holds tens of thousands of services: the page shows 50 at a time.
    """
    total = db["services"].count
    page = min(max(page, 1), max(1, -(-total // size)))
    sql = "SELECT * FROM services ORDER BY name, id LIMIT ? OFFSET ?"
    rows = [decode(r) for r in db.query(sql, [size, (page - 1) * size])]
    today = timeutil.today()
    for row in rows:
        row["stale"] = is_stale(row, today)
    return rows, total


def stale_count(db: Database) -> int:
    """Active services never verified or not verified in the last 12 months."""
    cutoff = (timeutil.today() - dt.timedelta(days=STALE_AFTER_DAYS)).isoformat()
    sql = (
        "SELECT COUNT(*) FROM services WHERE active = 1 AND "
        "(last_verified IS NULL OR last_verified = '' OR substr(last_verified, 1, 10) < ?)"
    )
    return int(db.execute(sql, [cutoff]).fetchone()[0])
