"""SQL that turns app records and imported history into per-group counts and family rows.

Both sources reduce to the same per-family 0/1 flags, so a family recorded in the app and
one imported from a spreadsheet count the same way:

- screened: a completed or closed screen that included the family social-needs
  instrument (ahc_core); imported rows with status completed.
- declined: offered that screen at least once and declined every offer.
- ask_<domain> / pos_<domain>: screened, and the domain answered (positive or negative) /
  positive in any completed or closed screening; positive_any: positive in any domain.
- referred: positive_any and a referral accepted, sent, connected or not connected;
  sent: a referral sent or later; connected: a connected referral.

Index date (the period filter and the quarter): the admission date for app families, the
first screening offer (earliest screened_on) for imported families, which carry no
admission date.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlite_utils import Database

from screening.core.equity import DIMENSION_COLUMNS
from screening.core.equity import RACE_CODES
from screening.core.equity import Dimension
from screening.core.identifiers import DOMAINS
from screening.core.results_import import FLAGS
from screening.core.results_import import Parsed

SOCIAL_NEEDS_INSTRUMENT = "ahc_core"
CHUNK = 500


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _app_families_sql() -> str:
    """A CTE named fam with one row per app family and the flags above."""
    races = _quoted(RACE_CODES)
    race_json = "CASE WHEN json_valid(f.race_ethnicity) THEN f.race_ethnicity ELSE '[]' END"
    instruments = "CASE WHEN json_valid(s.instruments) THEN s.instruments ELSE '[]' END"
    dom = ",\n".join(
        f"MAX(dr.domain = '{d}' AND dr.status IN ('positive', 'negative')) AS ask_{d}, "
        f"MAX(dr.domain = '{d}' AND dr.status = 'positive') AS pos_{d}"
        for d in DOMAINS
    )
    per_domain = ",\n".join(
        f"COALESCE(o.screened, 0) * COALESCE(d.ask_{d}, 0) AS ask_{d}, "
        f"COALESCE(o.screened, 0) * COALESCE(d.pos_{d}, 0) AS pos_{d}"
        for d in DOMAINS
    )
    # Every interpolated value is a fixed identifier from core.equity, never user input.
    return f"""
    WITH offers AS (
      SELECT s.family_id,
             MAX(s.status IN ('completed', 'closed')) AS screened,
             COUNT(*) AS n_offers,
             SUM(s.status = 'declined') AS n_declined
      FROM screenings s
      WHERE EXISTS (SELECT 1 FROM json_each({instruments})
                    WHERE value = '{SOCIAL_NEEDS_INSTRUMENT}')
      GROUP BY s.family_id
    ),
    dom AS (
      SELECT s.family_id, MAX(dr.status = 'positive') AS pos_any,
      {dom}
      FROM domain_results dr JOIN screenings s ON s.id = dr.screening_id
      WHERE s.status IN ('completed', 'closed')
      GROUP BY s.family_id
    ),
    ref AS (
      SELECT family_id,
             MAX(status IN ('accepted', 'sent', 'connected', 'not_connected')) AS ref_accepted,
             MAX(status IN ('sent', 'connected', 'not_connected')) AS sent,
             MAX(status = 'connected') AS connected
      FROM referrals GROUP BY family_id
    ),
    fam AS (
      SELECT substr(f.admission_date, 1, 10) AS index_date,
             substr(f.admission_date, 1, 4) || 'Q' ||
               ((CAST(substr(f.admission_date, 6, 2) AS INTEGER) + 2) / 3) AS quarter,
             CASE
               WHEN (SELECT count(*) FROM json_each({race_json}) WHERE value IN ({races})) > 1
                 THEN 'multiple'
               WHEN (SELECT count(*) FROM json_each({race_json}) WHERE value IN ({races})) = 1
                 THEN (SELECT value FROM json_each({race_json}) WHERE value IN ({races}))
               WHEN EXISTS (SELECT 1 FROM json_each({race_json}) WHERE value = 'declined')
                 THEN 'declined'
               ELSE 'unknown'
             END AS race_ethnicity,
             f.language, f.insurance, f.interpreter_needed, f.zip,
             COALESCE(o.screened, 0) AS screened,
             COALESCE(o.n_offers > 0 AND o.n_offers = o.n_declined, 0) AS declined,
             COALESCE(o.screened, 0) * COALESCE(d.pos_any, 0) AS positive_any,
             {per_domain},
             COALESCE(r.ref_accepted, 0) AS ref_accepted,
             COALESCE(o.screened, 0) * COALESCE(d.pos_any, 0) * COALESCE(r.ref_accepted, 0)
               AS referred,
             COALESCE(r.sent, 0) AS sent,
             COALESCE(r.connected, 0) AS connected
      FROM families f
      LEFT JOIN offers o ON o.family_id = f.id
      LEFT JOIN dom d ON d.family_id = f.id
      LEFT JOIN ref r ON r.family_id = f.id
    )
    """  # noqa: S608  # nosec B608 - fixed identifiers only


APP_FAMILIES = _app_families_sql()
QUANTITY_SQL = {
    "families": "COUNT(*)",
    "screened": "SUM(screened)",
    "declined": "SUM(declined)",
    "positive_any": "SUM(positive_any)",
    **{f"asked:{d}": f"SUM(ask_{d})" for d in DOMAINS},
    **{f"positive:{d}": f"SUM(pos_{d})" for d in DOMAINS},
    "referred": "SUM(referred)",
    "sent": "SUM(sent)",
    "connected": "SUM(connected)",
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


def grouped_sql(source: str, column: str, where: str, by_quarter: bool = True) -> str:
    """The one GROUP BY that yields every quantity per (group value, quarter)."""
    sums = ", ".join(f'{expr} AS "{name}"' for name, expr in QUANTITY_SQL.items())
    quarter = "quarter" if by_quarter else "''"
    return (
        f"SELECT {column} AS grp, {quarter} AS quarter, {sums} FROM {source}{where} "  # noqa: S608  # nosec B608
        "GROUP BY grp, quarter"
    )


def aggregate(
    db: Database, dimension: Dimension, start: str | None = None, end: str | None = None
) -> dict[tuple[object, str], dict[str, int]]:
    """Counts of every quantity per (stored group value, quarter), app and imports added."""
    if dimension.column not in DIMENSION_COLUMNS:
        raise ValueError(f"cannot group by {dimension.column!r}")
    where, params = _period(start, end)
    counts: dict[tuple[object, str], dict[str, int]] = {}
    imported_column = dimension.column if dimension.column in IMPORTED_COLUMNS else "NULL"
    queries = (
        (APP_FAMILIES + grouped_sql("fam", dimension.column, where), params),
        (grouped_sql("imported_families", imported_column, where), params),
    )
    for sql, args in queries:
        cursor = db.execute(sql, args)
        names = [c[0] for c in cursor.description]
        for row in cursor:
            data = dict(zip(names, row, strict=True))
            key = (data.pop("grp"), data.pop("quarter"))
            bucket = counts.setdefault(key, dict.fromkeys(QUANTITY_SQL, 0))
            for name in QUANTITY_SQL:
                bucket[name] += int(data[name] or 0)
    return counts


def family_rows(db: Database, shuffled: bool = False) -> Iterator[dict]:
    """Every family (app and imported) as coded values and flags, for the extract.

    Rows come from a cursor, one at a time. `shuffled` has SQLite order them at random
    (its sorter spills to disk), so a streamed extract never follows admission order or ids.
    """
    columns = "index_date, race_ethnicity, language, insurance, " + ", ".join(FLAGS)
    app_sql = f"SELECT {columns}, interpreter_needed, zip FROM fam"  # noqa: S608  # nosec B608
    unknown = "NULL AS interpreter_needed, NULL AS zip"
    imported_sql = f"SELECT {columns}, {unknown} FROM imported_families"  # noqa: S608  # nosec B608
    if shuffled:
        both = f"SELECT * FROM ({app_sql} UNION ALL {imported_sql}) ORDER BY random()"  # noqa: S608  # nosec B608
        yield from db.query(APP_FAMILIES + both)
        return
    yield from db.query(APP_FAMILIES + app_sql)
    yield from db.query(imported_sql)


def _existing(db: Database, record_ids: list[str]) -> dict[str, dict]:
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
    problems = []
    existing = _existing(db, list(parsed.families))
    for record_id, fam in parsed.families.items():
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
    *FLAGS,
)
_MAX_FLAGS = [f for f in FLAGS if f not in ("declined", "referred")]
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
    "import_id = excluded.import_id"
)


def store_import(db: Database, parsed: Parsed, imported_at: str) -> dict[str, int]:
    """Merge parsed families into imported_families; the caller holds the write transaction.

    A record_id seen in an earlier import gains the new offers (flags are ORed, offers
    added), so importing the same file twice changes no metric.
    """
    existing = _existing(db, list(parsed.families))
    new = len(parsed.families) - len(existing)
    import_id = db.execute(
        "INSERT INTO imports (imported_at, rows, families, new_families) VALUES (?, ?, ?, ?)",
        [imported_at, parsed.rows, len(parsed.families), new],
    ).lastrowid
    db.conn.executemany(
        UPSERT,
        ([*(fam[c] for c in STORED), import_id] for fam in parsed.families.values()),
    )
    return {"rows": parsed.rows, "families": len(parsed.families), "new_families": new}
