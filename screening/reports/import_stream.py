"""`import-results` for a file of any length: one batch of rows in memory, all or nothing.

The rows are checked and folded batch by batch (core.results_import.parse_batches); what
each record_id's earlier rows said lives in a temporary table rather than in memory, and
each clean batch is merged into imported_families at once. The caller holds the write
transaction: a problem anywhere raises ImportRejected, whose rollback takes back every batch
already merged. Problems are the ones the in-memory parse lists, in the same order;
conflicts with earlier imports are reported only when the file itself has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterable

from sqlite_utils import Database

from screening.core.results_import import ADMISSION_SCREEN_DAYS
from screening.core.results_import import BATCH_ROWS
from screening.core.results_import import Seen
from screening.core.results_import import parse_batches
from screening.reports import store

_SEEN = "temp.import_seen"
_COLUMNS = (
    "record_id",
    "first_row",
    "race",
    "language",
    "insurance",
    "first_day",
    "first_day_row",
    "admitted_on",
    "admitted_row",
    "merged",
)
_UPDATED = ("first_day", "first_day_row", "admitted_on", "admitted_row", "merged")
_REMEMBER = (
    f"INSERT INTO {_SEEN} ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "  # noqa: S608  # nosec B608
    "ON CONFLICT(record_id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
)


class ImportRejected(Exception):
    """The file has problems; raised inside the caller's transaction so nothing is kept."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


class TableLedger:
    """core.results_import.Ledger in a temporary table (SQLite spills it to disk)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.execute(f"DROP TABLE IF EXISTS {_SEEN}")
        db.execute(
            f"CREATE TABLE {_SEEN} (record_id TEXT PRIMARY KEY, first_row INTEGER, race TEXT, "
            "language TEXT, insurance TEXT, first_day TEXT, first_day_row INTEGER, "
            "admitted_on TEXT, admitted_row INTEGER, merged INTEGER, "
            "existed INTEGER NOT NULL DEFAULT 0)"
        )

    def earlier(self, record_ids: list[str]) -> dict[str, Seen]:
        found = {}
        for i in range(0, len(record_ids), store.CHUNK):
            chunk = record_ids[i : i + store.CHUNK]
            marks = ", ".join("?" for _ in chunk)
            cursor = self.db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM {_SEEN} WHERE record_id IN ({marks})",  # noqa: S608  # nosec B608
                chunk,
            )
            for rid, row, race, lang, insurance, day, day_row, admitted, a_row, merged in cursor:
                found[rid] = Seen(
                    row,
                    tuple(race.split(";")),
                    lang,
                    insurance,
                    day,
                    day_row,
                    admitted,
                    a_row,
                    bool(merged),
                )
        return found

    def remember(self, seen: dict[str, Seen]) -> None:
        self.db.conn.executemany(
            _REMEMBER,
            (
                (
                    rid,
                    s.first_row,
                    ";".join(s.race),
                    s.language,
                    s.insurance,
                    s.first_day,
                    s.first_day_row,
                    s.admitted_on,
                    s.admitted_row,
                    int(s.merged),
                )
                for rid, s in seen.items()
            ),
        )

    def late_admissions(self) -> Iterable[tuple[int, int]]:
        yield from self.db.execute(
            f"SELECT admitted_row, first_day_row FROM {_SEEN} "  # noqa: S608  # nosec B608
            "WHERE admitted_on != '' AND admitted_on > first_day ORDER BY admitted_row"
        )

    def mark_existed(self, record_ids: Iterable[str]) -> None:
        self.db.conn.executemany(
            f"UPDATE {_SEEN} SET existed = 1 WHERE record_id = ?",  # noqa: S608  # nosec B608
            ((rid,) for rid in record_ids),
        )

    def to_rederive(self, after: int, limit: int) -> list[tuple[int, str]]:
        """(rowid, record_id) of families merged from several batches or earlier imports."""
        return self.db.execute(
            f"SELECT rowid, record_id FROM {_SEEN} WHERE rowid > ? AND (merged OR existed) "  # noqa: S608  # nosec B608
            "ORDER BY rowid LIMIT ?",
            [after, limit],
        ).fetchall()

    def counts(self) -> tuple[int, int]:
        families, existed = self.db.execute(
            f"SELECT count(*), coalesce(sum(existed), 0) FROM {_SEEN}"  # noqa: S608  # nosec B608
        ).fetchone()
        return int(families), int(existed)

    def drop(self) -> None:
        self.db.execute(f"DROP TABLE {_SEEN}")


def import_csv(
    db: Database,
    lines: Iterable[str],
    imported_at: str,
    *,
    key: Callable[[str], str],
    today: dt.date | None = None,
    admission_days: int = ADMISSION_SCREEN_DAYS,
    batch_rows: int = BATCH_ROWS,
) -> dict[str, int]:
    """Check and merge an import-results CSV batch by batch; returns rows, families and
    new families. The caller holds the write transaction and lets ImportRejected roll it
    back. `key` turns each record_id into what is stored (settings.keyed_record_id)."""
    ledger = TableLedger(db)
    import_id = db.execute(
        "INSERT INTO imports (imported_at, rows, families, new_families) VALUES (?, 0, 0, 0)",
        [imported_at],
    ).lastrowid
    rows = 0
    problems: list[str] = []
    conflicts: list[str] = []
    batches = parse_batches(
        lines, today, admission_days=admission_days, size=batch_rows, ledger=ledger, key=key
    )
    for batch in batches:
        rows += batch.rows
        problems.extend(batch.problems)
        if problems:
            continue
        fresh = {rid: batch.families[rid] for rid in batch.fresh}
        existing = store.existing_rows(db, list(fresh))
        ledger.mark_existed(existing)
        conflicts.extend(store.group_conflicts(fresh, existing))
        if not conflicts:
            store.upsert(db, batch.families.values(), import_id)
    if problems or conflicts:
        raise ImportRejected(problems or conflicts)
    after = 0
    while chunk := ledger.to_rederive(after, batch_rows):
        store.rederive(db, [rid for _rowid, rid in chunk], admission_days)
        after = chunk[-1][0]
    families, existed = ledger.counts()
    ledger.drop()
    db.execute(
        "UPDATE imports SET rows = ?, families = ?, new_families = ? WHERE id = ?",
        [rows, families, families - existed, import_id],
    )
    return {"rows": rows, "families": families, "new_families": families - existed}
