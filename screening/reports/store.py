"""SQL that turns app records and imported history into per-group counts and family rows.

Both sources reduce to the same per-family 0/1 flags (app_families.py documents them), so a
family recorded in the app and one imported from a spreadsheet count the same way.

Index date (the period filter, the quarter and the month): the admission date for app
families; for imported families the admission date when the file gives one, else the first
screening offer (earliest screened_on).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass

from sqlite_utils import Database

from screening.core.equity import DIMENSION_COLUMNS
from screening.core.equity import Dimension
from screening.core.equity import quarter_of
from screening.core.equity_metrics import FLAG_OF_QUANTITY
from screening.core.results_import import ADMISSION_SCREEN_DAYS
from screening.core.results_import import ALL_FLAGS
from screening.core.results_import import CASCADE_FIELDS
from screening.core.results_import import FLAGS
from screening.core.results_import import Parsed
from screening.core.results_import import cascade_flags
from screening.reports import family_flags

CHUNK = 500


@dataclass(frozen=True)
class UnitCalendar:
    """How the unit reads dates: days allowed for the admission screen and its time zone."""

    admission_days: int = ADMISSION_SCREEN_DAYS
    timezone: str = "UTC"

    @classmethod
    def from_config(cls, config) -> UnitCalendar:
        return cls(
            int(config.get("ADMISSION_SCREEN_DAYS", ADMISSION_SCREEN_DAYS)),
            str(config.get("UNIT_TIMEZONE") or "UTC"),
        )


def app_families(db: Database, calendar: UnitCalendar) -> str:
    """The table of app families' flags, brought up to date first (family_flags.py)."""
    family_flags.refresh(db, calendar.admission_days, calendar.timezone)
    return family_flags.TABLE


# Every quantity of core.equity_metrics.QUANTITIES as a SUM over its per-family flag.
QUANTITY_SQL = {
    q: "COUNT(*)" if flag is None else f"SUM({flag})" for q, flag in FLAG_OF_QUANTITY.items()
}
IMPORTED_COLUMNS = ("race_ethnicity", "language", "insurance")


def _period(start: str | None, end: str | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    if start:
        clauses.append("index_date >= ?")
        params.append(start)
    if end:
        clauses.append("index_date <= ?")
        params.append(end)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def grouped_sql(
    source: str, column: str, where: str, by_quarter: bool = True, *, period: str | None = None
) -> str:
    """The one GROUP BY that yields every quantity per (group value, quarter or month)."""
    sums = ", ".join(f'{expr} AS "{name}"' for name, expr in QUANTITY_SQL.items())
    period = period if period is not None else ("quarter" if by_quarter else "")
    quarter = {"quarter": "quarter", "month": "substr(index_date, 1, 7)", "": "''"}[period]
    # By position: a bare `quarter` in GROUP BY names the table's own quarter column, not
    # the alias, so monthly counts came out one row per quarter under one of its months.
    return (
        f"SELECT {column} AS grp, {quarter} AS quarter, {sums} FROM {source}{where} "  # noqa: S608  # nosec B608
        "GROUP BY 1, 2"
    )


def aggregate(
    db: Database,
    dimension: Dimension | None,
    start: str | None = None,
    end: str | None = None,
    *,
    period: str = "quarter",
    calendar: UnitCalendar = UnitCalendar(),
) -> dict[tuple[object, str], dict[str, int]]:
    """Counts of every quantity per (stored group value, quarter or month), app and imports.

    With no dimension every family falls in one group, None (the `trend` of everyone).
    """
    column = dimension.column if dimension else "NULL"
    if dimension and column not in DIMENSION_COLUMNS:
        raise ValueError(f"cannot group by {column!r}")
    where, params = _period(start, end)
    counts: dict[tuple[object, str], dict[str, int]] = {}
    imported_column = column if column in IMPORTED_COLUMNS else "NULL"
    app_sql = grouped_sql(app_families(db, calendar), column, where, period=period)
    imported_sql = grouped_sql("imported_families", imported_column, where, period=period)
    for names, rows in (_rows(db, app_sql, params), _imported_rows(db, imported_sql, params)):
        for row in rows:
            data = dict(zip(names, row, strict=True))
            key = (data.pop("grp"), data.pop("quarter"))
            bucket = counts.setdefault(key, dict.fromkeys(QUANTITY_SQL, 0))
            for name in QUANTITY_SQL:
                bucket[name] += int(data[name] or 0)
    return counts


def _rows(db: Database, sql: str, params: list) -> tuple[list[str], list[tuple]]:
    cursor = db.execute(sql, params)
    return [c[0] for c in cursor.description], cursor.fetchall()


# Imported history changes only through an import, yet summing it is half of every equity
# page, CSV and PDF at 100,000 families: its GROUP BY is kept per (database, import state,
# query). The state changes with every import and with any row added or removed.
_IMPORTED_CACHE: dict[tuple, tuple[list[str], list[tuple]]] = {}
_IMPORTED_CACHE_SIZE = 32
_IMPORTED_CACHE_LOCK = threading.Lock()
_IMPORT_STATE = (
    "SELECT (SELECT json_array(max(id), count(*), sum(rows), max(imported_at)) FROM imports), "
    "(SELECT json_array(max(id), count(*)) FROM imported_families)"
)


def _imported_rows(db: Database, sql: str, params: list) -> tuple[list[str], list[tuple]]:
    path = db.execute("PRAGMA database_list").fetchone()[2]
    key = (path, *db.execute(_IMPORT_STATE).fetchone(), sql, tuple(params))
    if not path or key not in _IMPORTED_CACHE:
        result = _rows(db, sql, params)
        if not path:  # an in-memory database has no lasting identity to key on
            return result
        with _IMPORTED_CACHE_LOCK:
            while len(_IMPORTED_CACHE) >= _IMPORTED_CACHE_SIZE:
                _IMPORTED_CACHE.pop(next(iter(_IMPORTED_CACHE)))
            _IMPORTED_CACHE[key] = result
        return result
    return _IMPORTED_CACHE[key]


def family_rows(
    db: Database, calendar: UnitCalendar = UnitCalendar(), shuffled: bool = False
) -> Iterator[dict]:
    """Every family (app and imported) as coded values and flags, for the extract.

    Rows come from a cursor, one at a time. `shuffled` has SQLite order them at random
    (its sorter spills to disk), so a streamed extract never follows admission order or ids.
    """
    columns = "index_date, race_ethnicity, language, insurance, " + ", ".join(FLAGS)
    app_sql = f"SELECT {columns}, interpreter_needed, zip FROM fam"  # noqa: S608  # nosec B608
    unknown = "NULL AS interpreter_needed, NULL AS zip"
    imported_sql = f"SELECT {columns}, {unknown} FROM imported_families"  # noqa: S608  # nosec B608
    app_sql = app_sql.replace("FROM fam", "FROM " + app_families(db, calendar))
    if shuffled:
        both = f"SELECT * FROM ({app_sql} UNION ALL {imported_sql}) ORDER BY random()"  # noqa: S608  # nosec B608
        yield from db.query(both)
        return
    yield from db.query(app_sql)
    yield from db.query(imported_sql)


def key_record_ids(parsed: Parsed, key: Callable[[str], str]) -> None:
    """Replace each family's record_id by `key(record_id)` before anything is stored or
    compared: sites fill that column with MRNs and names, and history must not carry them."""
    parsed.families = {
        key(record_id): {**fam, "record_id": key(record_id)}
        for record_id, fam in parsed.families.items()
    }


def existing_rows(db: Database, record_ids: list[str]) -> dict[str, dict]:
    """The stored group values of those record_ids imported before."""
    found = {}
    for i in range(0, len(record_ids), CHUNK):
        chunk = record_ids[i : i + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for row in db.query(
            "SELECT record_id, race_codes, language, insurance FROM imported_families "  # noqa: S608  # nosec B608
            f"WHERE record_id IN ({marks})",
            chunk,
        ):
            found[row["record_id"]] = row
    return found


def conflicts(db: Database, parsed: Parsed) -> list[str]:
    """Problems where a record_id imported before now arrives with other group values."""
    return group_conflicts(parsed.families, existing_rows(db, list(parsed.families)))


def group_conflicts(families: dict[str, dict], existing: dict[str, dict]) -> list[str]:
    """The conflicts of `families` with their `existing` stored rows, in the families' order."""
    problems = []
    for record_id, fam in families.items():
        old = existing.get(record_id)
        if old is None:
            continue
        for column, key in (
            ("race_ethnicity", "race_codes"),
            ("language", "language"),
            ("insurance", "insurance"),
        ):
            if old[key] != fam[key]:
                problems.append(
                    f"row {fam['first_row']}, column {column}: differs from an earlier "
                    "import of the same record_id"
                )
    return problems


STORED = (
    "record_id",
    "index_date",
    "quarter",
    "race_codes",
    "race_ethnicity",
    "language",
    "insurance",
    "n_offers",
    "n_declined",
    *ALL_FLAGS,
    *CASCADE_FIELDS,
)
# Flags that only ever turn on; the rest follow from merged counts, dates and reasons.
_MAX_FLAGS = [
    *(f for f in FLAGS if f not in ("declined", "referred")),
    "help_asked",
    "wants_help",
    "outcome_known",
    "need_met",
]
UPSERT = (
    f"INSERT INTO imported_families ({', '.join(STORED)}, import_id) "  # noqa: S608  # nosec B608
    f"VALUES ({', '.join('?' for _ in STORED)}, ?) "
    "ON CONFLICT(record_id) DO UPDATE SET "
    "quarter = CASE WHEN excluded.index_date < index_date THEN excluded.quarter ELSE quarter END, "
    "index_date = min(index_date, excluded.index_date), "
    "n_offers = n_offers + excluded.n_offers, "
    "n_declined = n_declined + excluded.n_declined, "
    "declined = (n_offers + excluded.n_offers) = (n_declined + excluded.n_declined), "
    + "".join(f"{f} = max({f}, excluded.{f}), " for f in _MAX_FLAGS)
    + "referred = max(positive_any, excluded.positive_any) "
    "* max(ref_accepted, excluded.ref_accepted), "
    "admitted_on = CASE WHEN excluded.admitted_on != '' THEN excluded.admitted_on "
    "ELSE admitted_on END, "
    "first_completed_on = CASE WHEN first_completed_on = '' THEN excluded.first_completed_on "
    "WHEN excluded.first_completed_on = '' THEN first_completed_on "
    "ELSE min(first_completed_on, excluded.first_completed_on) END, "
    "last_decline_reason = CASE WHEN excluded.last_offer_on >= last_offer_on "
    "THEN excluded.last_decline_reason ELSE last_decline_reason END, "
    "last_offer_on = max(last_offer_on, excluded.last_offer_on), "
    "import_id = excluded.import_id"
)
_DERIVED = (
    "index_date",
    "quarter",
    "admission_known",
    "screened_on_time",
    "declined_family",
    "declined_system",
)


def rederive(db: Database, record_ids: list[str], admission_days: int) -> None:
    """Index date, quarter and cascade flags of re-imported families, from merged fields."""
    for i in range(0, len(record_ids), CHUNK):
        chunk = record_ids[i : i + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows = list(
            db.query(
                "SELECT * FROM imported_families WHERE record_id IN "  # noqa: S608  # nosec B608
                f"({marks})",
                chunk,
            )
        )
        for fam in rows:
            if fam["admitted_on"]:
                fam["index_date"] = fam["admitted_on"]
            fam["quarter"] = quarter_of(fam["index_date"])
            cascade_flags(fam, admission_days)
        assignments = ", ".join(f"{c} = ?" for c in _DERIVED)
        db.conn.executemany(
            f"UPDATE imported_families SET {assignments} WHERE id = ?",  # noqa: S608  # nosec B608
            ([*(fam[c] for c in _DERIVED), fam["id"]] for fam in rows),
        )


def upsert(db: Database, families: Iterable[dict], import_id: int) -> None:
    """Insert or merge folded families (UPSERT); merged rows then need `rederive`."""
    db.conn.executemany(UPSERT, ([*(fam[c] for c in STORED), import_id] for fam in families))


def store_import(
    db: Database, parsed: Parsed, imported_at: str, admission_days: int = ADMISSION_SCREEN_DAYS
) -> dict[str, int]:
    """Merge parsed families into imported_families; the caller holds the write transaction.

    A record_id seen in an earlier import gains the new offers (flags are ORed, offers
    added), so importing the same file twice changes no metric.
    """
    existing = existing_rows(db, list(parsed.families))
    new = len(parsed.families) - len(existing)
    import_id = db.execute(
        "INSERT INTO imports (imported_at, rows, families, new_families) VALUES (?, ?, ?, ?)",
        [imported_at, parsed.rows, len(parsed.families), new],
    ).lastrowid
    upsert(db, parsed.families.values(), import_id)
    rederive(db, list(existing), admission_days)
    return {"rows": parsed.rows, "families": len(parsed.families), "new_families": new}
