"""Parents' mental-health measure set: the per-role counts (SQL) and the page data.

A mental-health screen is a screening of one parent that includes a mental-health
instrument; positive means its mental_health domain result is positive. A follow-up is a
mental_health referral for that parent accepted or later, dated (accepted, sent, or last
updated) from the first positive screen to FOLLOW_UP_DAYS after it.
"""

from __future__ import annotations

from sqlite_utils import Database

from screening.core.parent_measures import FOLLOW_UP_DAYS
from screening.core.parent_measures import QUANTITIES
from screening.core.parent_measures import ROLES
from screening.core.parent_measures import measure_set

MENTAL_HEALTH_INSTRUMENTS = ("epds", "phq9", "gad7", "phq2", "gad2")


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


# Every interpolated value is a fixed identifier, never user input.
COUNTS_SQL = f"""
WITH mh AS (
  SELECT s.id, s.caregiver_id, s.status, COALESCE(s.completed_at, s.closed_at) AS done
  FROM screenings s
  WHERE EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(s.instruments)
                THEN s.instruments ELSE '[]' END)
                WHERE value IN ({_quoted(MENTAL_HEALTH_INSTRUMENTS)}))
),
per AS (
  SELECT c.id, c.respondent,
         COUNT(mh.id) AS offers,
         COALESCE(SUM(mh.status = 'declined'), 0) AS declined_offers,
         COALESCE(MAX(mh.status IN ('completed', 'closed')), 0) AS screened,
         MIN(CASE WHEN mh.status IN ('completed', 'closed') AND EXISTS (
               SELECT 1 FROM domain_results dr WHERE dr.screening_id = mh.id
               AND dr.domain = 'mental_health' AND dr.status = 'positive')
             THEN mh.done END) AS first_positive
  FROM caregivers c
  JOIN families f ON f.id = c.family_id
  LEFT JOIN mh ON mh.caregiver_id = c.id
  WHERE c.respondent IN ({_quoted(ROLES)})
    AND (:start IS NULL OR substr(f.admission_date, 1, 10) >= :start)
    AND (:end IS NULL OR substr(f.admission_date, 1, 10) <= :end)
  GROUP BY c.id
)
SELECT respondent,
       COUNT(*) AS parents,
       SUM(screened) AS screened,
       SUM(first_positive IS NOT NULL) AS positive,
       SUM(first_positive IS NOT NULL AND EXISTS (
         SELECT 1 FROM referrals r
         WHERE r.caregiver_id = per.id AND r.category = 'mental_health'
           AND r.status IN ('accepted', 'sent', 'connected', 'not_connected')
           AND julianday(COALESCE(r.accepted_at, r.sent_at, r.updated_at))
               BETWEEN julianday(first_positive) - 1
                   AND julianday(first_positive) + {FOLLOW_UP_DAYS})) AS follow_up,
       SUM(offers > 0 AND offers = declined_offers) AS declined
FROM per GROUP BY respondent
"""  # noqa: S608  # nosec B608


def role_counts(db: Database, start: str | None, end: str | None) -> dict[str, dict[str, int]]:
    """Counts of every quantity per parent role for families admitted in the period."""
    out = {}
    for row in db.query(COUNTS_SQL, {"start": start, "end": end}):
        out[row["respondent"]] = {q: int(row[q] or 0) for q in QUANTITIES}
    return out


def measures(db: Database, config, start: str | None, end: str | None) -> dict:
    """The protected measure set (core.parent_measures) for the period."""
    threshold = int(config.get("SUPPRESSION_THRESHOLD", 11))
    return measure_set(role_counts(db, start, end), threshold)
