"""Plain-text renderings of HSDS detail rows for the directory's one-line fields.

The directory page and letters show one line for phone, hours, address and languages; the
rows stay the data. Export compares these renderings with the stored line to tell whether a
person edited the line in the app since the import (then the edit wins).
"""

from __future__ import annotations

from collections.abc import Iterable

from .checks import LANGUAGE_CODE

# ISO 639-3/-2 codes with an ISO 639-1 equivalent, for the family-language match (the app's
# preferred language is ISO 639-1). Others (hmn, yue, ...) stay as given.
TO_639_1 = {
    "eng": "en", "spa": "es", "vie": "vi", "zho": "zh", "chi": "zh", "ara": "ar", "fra": "fr",
    "fre": "fr", "por": "pt", "rus": "ru", "kor": "ko", "hat": "ht", "tgl": "tl", "pol": "pl",
    "urd": "ur", "hin": "hi", "ben": "bn", "fas": "fa", "per": "fa", "som": "so", "swa": "sw",
    "amh": "am", "nep": "ne", "jpn": "ja", "deu": "de", "ger": "de", "ita": "it", "tur": "tr",
}  # fmt: skip
LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "hmn": "Hmong"}
DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}


def language_code(row: dict[str, str]) -> str | None:
    """The matching code of a language row: ISO 639-1 where one exists; None without a code."""
    code = (row.get("code") or "").lower()
    if not LANGUAGE_CODE.match(code):
        return None
    return TO_639_1.get(code, code)


def languages(rows: Iterable[dict[str, str]]) -> list[str]:
    out: list[str] = []
    for row in rows:
        code = language_code(row)
        if code and code not in out:
            out.append(code)
    return out


def phone(row: dict[str, str]) -> str:
    text = row.get("number", "")
    if row.get("extension"):
        text += f" ext. {row['extension']}"
    return text


def phones(rows: Iterable[dict[str, str]]) -> str:
    return "; ".join(p for p in map(phone, rows) if p)


def _clock(value: str) -> str:
    return value[:5]


def schedule(row: dict[str, str]) -> str:
    """One schedule as text: its description, else its days and opening times."""
    if row.get("description"):
        return row["description"]
    days = [DAYS.get(d.strip()[-2:].upper(), d.strip()) for d in row.get("byday", "").split(",")]
    parts = [", ".join(d for d in days if d)]
    if row.get("opens_at") or row.get("closes_at"):
        parts.append(f"{_clock(row.get('opens_at', ''))}-{_clock(row.get('closes_at', ''))}")
    return " ".join(p for p in parts if p)


def schedules(rows: Iterable[dict[str, str]]) -> str:
    return "; ".join(s for s in map(schedule, rows) if s)


def joined(rows: Iterable[dict[str, str]], *columns: str) -> str:
    """First non-empty column of each row, joined (service areas, documents)."""
    values = (next((r[c] for c in columns if r.get(c)), "") for r in rows)
    return "; ".join(v for v in values if v)


def street(row: dict[str, str]) -> str:
    return ", ".join(v for v in (row.get("address_1", ""), row.get("address_2", "")) if v)
