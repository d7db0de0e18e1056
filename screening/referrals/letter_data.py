"""What goes on a referral letter: which referrals, in which language, signed by whom.

Privacy: the family letter lists accepted-or-later referrals that are not sensitive; sensitive
ones (safety, mental health, services flagged sensitive) only ever go on the private letter
of the parent who accepted them. Screening answers and scores are never read.
"""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

from flask_babel import force_locale
from flask_babel import format_date
from sqlite_utils import Database

from screening.core import letters
from screening.core import referral_rules as rules
from screening.core.letter_batch import CoverRow
from screening.core.letter_batch import family_code
from screening.directory.store import localized
from screening.platform import timeutil
from screening.platform.db import one
from screening.referrals import wording


def _logo_path(config, instance_path: str) -> Path | None:
    name = config.get("UNIT_LOGO")
    if not name:
        return None
    root = Path(instance_path).resolve()
    path = (root / name).resolve()
    # Only files inside the instance folder: the setting must not read arbitrary files.
    return path if path.is_relative_to(root) and path.is_file() else None


def letterhead(config, instance_path: str) -> letters.Letterhead:
    """The unit letterhead from the app config."""
    return letters.Letterhead(
        name=config.get("UNIT_NAME") or "",
        address=config.get("UNIT_ADDRESS") or "",
        phone=config.get("UNIT_PHONE") or "",
        logo=_logo_path(config, instance_path),
    )


def letter_language(family: dict, requested: str | None) -> str:
    """The letter's language: the one asked for, else the family's, else English."""
    for lang in (requested, family.get("language")):
        if lang in letters.LANGUAGES:
            return lang
    return "en"


LETTER_SQL = """
SELECT r.id AS referral_id, r.domain, r.owner_id, r.service_text, r.service_id, s.*
FROM referrals r LEFT JOIN services s ON s.id = r.service_id
"""


def _rows(db: Database, family_id: int, caregiver_id: int | None) -> list[dict]:
    marks = ",".join("?" * len(rules.ON_LETTER))
    if caregiver_id is None:
        privacy = "r.sensitive = 0 AND COALESCE(s.sensitive, 0) = 0"
        params: list = [family_id, *rules.ON_LETTER]
    else:
        privacy = "(r.sensitive = 1 OR s.sensitive = 1) AND r.caregiver_id = ?"
        params = [family_id, *rules.ON_LETTER, caregiver_id]
    # Only fixed fragments and placeholders are formatted into the query.
    where = f"r.family_id = ? AND r.status IN ({marks}) AND {privacy}"
    sql = f"{LETTER_SQL} WHERE {where} ORDER BY r.accepted_at, r.id"  # noqa: S608
    return list(db.query(sql, params))


def _service(rows: list[dict], lang: str) -> letters.LetterService:
    """One block for one service, however many needs it was chosen for."""
    first = rows[0]
    needs = ", ".join(dict.fromkeys(str(wording.NEEDS[r["domain"]]) for r in rows))
    if not first["service_id"]:
        return letters.LetterService(name=first["service_text"], ask_for=needs)
    text, fell_back = localized(first, lang)
    place = ", ".join(x for x in (first["address"], first["city"]) if x)
    place = " ".join(x for x in (place, first["state"], first["postal_code"]) if x)
    return letters.LetterService(
        name=text["name"],
        description=text["description"],
        phone=first["phone"],
        website=first["website"],
        address=place,
        hours=text["hours"],
        what_to_bring=text["what_to_bring"],
        eligibility=text["eligibility"],
        ask_for=needs,
        fell_back=bool(fell_back - {"name"}),
    )


def _worker(db: Database, rows: list[dict], printed_by: dict | None, lang: str) -> dict:
    owners = collections.Counter(r["owner_id"] for r in rows if r["owner_id"])
    worker = None
    if owners:
        worker = one(
            db,
            "SELECT u.id, u.display_name, u.phone, t.title_en, t.title_es FROM users u "
            "LEFT JOIN worker_titles t ON t.user_id = u.id WHERE u.id = ?",
            [owners.most_common(1)[0][0]],
        )
    elif printed_by:
        worker = one(
            db,
            "SELECT u.id, u.display_name, u.phone, t.title_en, t.title_es FROM users u "
            "LEFT JOIN worker_titles t ON t.user_id = u.id WHERE u.id = ?",
            [printed_by["id"]],
        )
    worker = dict(worker or {})
    worker["title"] = worker.get(f"title_{lang}") or worker.get("title_en") or ""
    return worker


def build_letter(
    db: Database,
    family_id: int,
    *,
    head: letters.Letterhead,
    secret: bytes,
    language: str | None = None,
    caregiver_id: int | None = None,
    printed_by: dict | None = None,
    day: dt.date | None = None,
) -> letters.Letter | None:
    """The family letter (or, with caregiver_id, that parent's private letter); None if no family.

    Needs an app context: the wording is rendered with Flask-Babel in the letter's language.
    """
    family = one(db, "SELECT id, language FROM families WHERE id = ?", [family_id])
    if family is None:
        return None
    lang = letter_language(family, language)
    rows = _rows(db, family_id, caregiver_id)
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["service_id"] or f"text:{row['service_text']}", []).append(row)
    worker = _worker(db, rows, printed_by, lang)
    with force_locale(lang):
        services = tuple(_service(group, lang) for group in groups.values())
        words = wording.letter_words(private=caregiver_id is not None)
        date_text = format_date(day or timeutil.today(), format="long")
    return letters.Letter(
        language=lang,
        letterhead=head,
        date_text=date_text,
        words=words,
        worker_name=worker.get("display_name", ""),
        worker_title=worker["title"],
        worker_phone=worker.get("phone", ""),
        services=services,
        private=caregiver_id is not None,
        family_code=family_code(secret, family_id),
    )


def families_accepted_on(db: Database, day: dt.date) -> list[int]:
    """Families with a non-sensitive referral accepted on the given day."""
    return [
        r["family_id"]
        for r in db.query(
            "SELECT DISTINCT r.family_id FROM referrals r LEFT JOIN services s "
            "ON s.id = r.service_id WHERE substr(r.accepted_at, 1, 10) = ? AND r.status IN "
            "('accepted', 'sent', 'connected') AND r.sensitive = 0 "
            "AND COALESCE(s.sensitive, 0) = 0 ORDER BY r.family_id",
            [day.isoformat()],
        )
    ]


def private_accepted_on(db: Database, day: dt.date) -> list[tuple[int, int]]:
    """(family, caregiver) pairs with a sensitive referral accepted on the given day."""
    return [
        (r["family_id"], r["caregiver_id"])
        for r in db.query(
            "SELECT DISTINCT r.family_id, r.caregiver_id FROM referrals r LEFT JOIN services s "
            "ON s.id = r.service_id WHERE substr(r.accepted_at, 1, 10) = ? AND r.status IN "
            "('accepted', 'sent', 'connected') AND (r.sensitive = 1 OR s.sensitive = 1) "
            "AND r.caregiver_id IS NOT NULL ORDER BY r.family_id, r.caregiver_id",
            [day.isoformat()],
        )
    ]


def cover_row(db: Database, family_id: int, code: str, caregiver_id: int | None = None) -> CoverRow:
    """The staff cover sheet's line for one family (or one parent's private letter)."""
    row = one(
        db,
        "SELECT f.mrn, f.bed, (SELECT name FROM caregivers c WHERE c.family_id = f.id "
        "AND (? IS NULL OR c.id = ?) ORDER BY c.respondent != 'birthing_parent', c.id LIMIT 1) "
        "AS name FROM families f WHERE f.id = ?",
        [caregiver_id, caregiver_id, family_id],
    )
    row = row or {}
    return CoverRow(
        name=row.get("name") or "",
        mrn=row.get("mrn") or "",
        bed=row.get("bed") or "",
        family_code=code,
    )


def set_title(db: Database, user_id: int, title_en: str, title_es: str) -> None:
    """The title printed under the social worker's name (inside the caller's transaction)."""
    db["worker_titles"].upsert(
        {"user_id": user_id, "title_en": title_en.strip(), "title_es": title_es.strip()},
        pk="user_id",
    )
