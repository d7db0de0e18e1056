"""The `fam` CTE: one row per family recorded in the app, reduced to the summary's 0/1 flags.

Flags (each a 0/1 integer, summed by the equity GROUP BY):

- screened: a completed or closed screen that included the family social-needs instrument;
  declined: offered that screen at least once and declined every offer;
  declined_family / declined_system: declined every offer, the latest offer's reason being a
  family or a system reason (DESIGN.md "Quality and equity reporting").
- admission_known: the admission date is recorded; screened_on_time: the first completed or
  closed family screen finished by the end of admission day + ADMISSION_SCREEN_DAYS, read in
  the unit's calendar (the SQL function `screen_deadline`, registered by `register`).
- ask_<domain> / pos_<domain>: screened and the domain answered / positive; positive_any.
- help_asked / wants_help: screened, positive somewhere, and wants-help asked there (yes, no,
  later) / answered yes or later.
- ref_accepted: a referral accepted or later; referred: positive_any and ref_accepted;
  sent: a referral sent or later; connected: a connected referral.
- outcome_known / need_met: a connected referral whose outcome is met, partly met or not
  met / met. The outcome column arrives with the referrals area's migration; until then
  both flags are 0 (see `referral_outcome_column`).

Index date (the period filter, quarter and month): the admission date.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from screening.core.equity import RACE_CODES
from screening.core.identifiers import DECLINE_REASONS_FAMILY
from screening.core.identifiers import DECLINE_REASONS_SYSTEM
from screening.core.identifiers import DOMAINS
from screening.core.identifiers import OUTCOMES_KNOWN

SOCIAL_NEEDS_INSTRUMENT = "ahc_core"


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def referral_outcome_column(db: Database) -> bool:
    """True once referrals has its `outcome` column (added by the referrals area)."""
    return any(row[1] == "outcome" for row in db.execute("PRAGMA table_info(referrals)"))


def register(db: Database, admission_days: int, unit_timezone: str) -> None:
    """Give this connection `screen_deadline(admission_date)`: the first UTC instant too late.

    The deadline is the unit's local midnight ending day admission + admission_days, as the
    same ISO text timeutil.iso() stores, so the comparison is a plain string compare and the
    conversion runs once per distinct admission day, not once per family.
    """
    zone = ZoneInfo(unit_timezone)

    @functools.lru_cache(maxsize=8192)
    def deadline(admitted: str | None) -> str | None:
        try:
            day = dt.date.fromisoformat((admitted or "")[:10])
        except ValueError:
            return None
        local = dt.datetime.combine(day + dt.timedelta(days=admission_days + 1), dt.time())
        return local.replace(tzinfo=zone).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    db.conn.create_function("screen_deadline", 1, deadline, deterministic=True)


STALE = "family_flags_stale"
BATCH = "temp.family_flags_batch"


def app_families_sql(with_outcome: bool, scoped: str | None = None) -> str:
    """The CTE chain ending in `fam` (see the module docstring for each flag).

    scoped: a table of family_id; only those families, each CTE narrowed before it
    aggregates, so refreshing a few changed families does not scan every screening.
    """
    only = f"IN (SELECT family_id FROM {scoped})" if scoped else "IS NOT NULL"  # noqa: S608  # nosec B608
    races = _quoted(RACE_CODES)
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
    carried = ", ".join(f"ask_{d}, pos_{d}" for d in DOMAINS)
    race_json = "CASE WHEN json_valid(race_raw) THEN race_raw ELSE '[]' END"
    outcome = (
        f"MAX(status = 'connected' AND outcome IN ({_quoted(OUTCOMES_KNOWN)})) AS outcome_known, "
        "MAX(status = 'connected' AND outcome = 'need_met') AS need_met"
        if with_outcome
        else "0 AS outcome_known, 0 AS need_met"
    )
    # The latest offer's reason rides behind its start time and id, so MAX() picks it.
    last = "s.started_at || printf('%012d', s.id) || '|' || COALESCE(s.decline_reason, '')"
    # Every interpolated value is a fixed identifier from core, never user input.
    return f"""
    WITH offers AS (
      SELECT s.family_id,
             MAX(s.status IN ('completed', 'closed')) AS screened,
             COUNT(*) = SUM(s.status = 'declined') AS declined,
             MIN(CASE WHEN s.status IN ('completed', 'closed')
                      THEN COALESCE(s.completed_at, s.closed_at) END) AS first_done,
             MAX({last}) AS last_offer
      FROM screenings s
      WHERE s.family_id {only}
        AND EXISTS (SELECT 1 FROM json_each({instruments})
                    WHERE value = '{SOCIAL_NEEDS_INSTRUMENT}')
      GROUP BY s.family_id
    ),
    dom AS (
      SELECT s.family_id, MAX(dr.status = 'positive') AS pos_any,
             MAX(dr.status = 'positive' AND dr.wants_help IN ('yes', 'no', 'later'))
               AS help_asked,
             MAX(dr.status = 'positive' AND dr.wants_help IN ('yes', 'later')) AS wants_help,
      {dom}
      FROM domain_results dr JOIN screenings s ON s.id = dr.screening_id
      WHERE s.status IN ('completed', 'closed') AND s.family_id {only}
      GROUP BY s.family_id
    ),
    ref AS (
      SELECT family_id,
             MAX(status IN ('accepted', 'sent', 'connected', 'not_connected')) AS ref_accepted,
             MAX(status IN ('sent', 'connected', 'not_connected')) AS sent,
             MAX(status = 'connected') AS connected,
             {outcome}
      FROM referrals WHERE family_id {only} GROUP BY family_id
    ),
    fam0 AS (
      SELECT f.id AS family_id,
             substr(f.admission_date, 1, 10) AS index_date,
             f.race_ethnicity AS race_raw,
             f.language, f.insurance, f.interpreter_needed, f.zip,
             COALESCE(o.screened, 0) AS screened,
             COALESCE(o.declined, 0) AS declined,
             substr(o.last_offer, instr(o.last_offer, '|') + 1) AS last_reason,
             (f.admission_date IS NOT NULL AND f.admission_date != '') AS admission_known,
             COALESCE(o.first_done < screen_deadline(f.admission_date), 0) AS screened_on_time,
             COALESCE(o.screened, 0) * COALESCE(d.pos_any, 0) AS positive_any,
             COALESCE(o.screened, 0) * COALESCE(d.help_asked, 0) AS help_asked,
             COALESCE(o.screened, 0) * COALESCE(d.wants_help, 0) AS wants_help,
             {per_domain},
             r.ref_accepted, r.sent, r.connected, r.outcome_known, r.need_met
      FROM families f
      LEFT JOIN offers o ON o.family_id = f.id
      LEFT JOIN dom d ON d.family_id = f.id
      LEFT JOIN ref r ON r.family_id = f.id
      WHERE f.id {only}
    ),
    fam AS (
      SELECT family_id, index_date,
             substr(index_date, 1, 4) || 'Q' ||
               ((CAST(substr(index_date, 6, 2) AS INTEGER) + 2) / 3) AS quarter,
             substr(index_date, 1, 7) AS month,
             CASE
               WHEN race_raw = '[]' OR race_raw = '["unknown"]' THEN 'unknown'
               WHEN (SELECT count(*) FROM json_each({race_json})
                     WHERE value IN ({races})) > 1 THEN 'multiple'
               ELSE COALESCE(
                 (SELECT value FROM json_each({race_json})
                  WHERE value IN ({races})),
                 CASE WHEN EXISTS (SELECT 1 FROM json_each({race_json})
                                   WHERE value = 'declined') THEN 'declined' END,
                 'unknown')
             END AS race_ethnicity,
             language, insurance, interpreter_needed, zip,
             screened, declined,
             declined * COALESCE(last_reason IN ({_quoted(DECLINE_REASONS_FAMILY)}), 0)
               AS declined_family,
             declined * COALESCE(last_reason IN ({_quoted(DECLINE_REASONS_SYSTEM)}), 0)
               AS declined_system,
             admission_known, screened_on_time, positive_any, help_asked, wants_help,
             {carried},
             COALESCE(ref_accepted, 0) AS ref_accepted,
             positive_any * COALESCE(ref_accepted, 0) AS referred,
             COALESCE(sent, 0) AS sent,
             COALESCE(connected, 0) AS connected,
             COALESCE(outcome_known, 0) AS outcome_known,
             COALESCE(need_met, 0) AS need_met
      FROM fam0
    )
    """  # noqa: S608  # nosec B608 - fixed identifiers only
