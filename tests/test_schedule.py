"""What is due: admission screen, each parent's mental-health screen, pre-discharge, EPDS repeat."""

from __future__ import annotations

import datetime as dt

from screening.core.schedule import due_items

FAMILY = {"admission_date": "2026-11-01", "discharge_date": None}
MOM = {"id": 1, "respondent": "birthing_parent"}
DAD = {"id": 2, "respondent": "partner"}
GRAN = {"id": 3, "respondent": "other_caregiver"}
KW = {
    "family_instruments": ("ahc_core", "nicu_needs"),
    "mental_health_instruments": ("phq9", "gad7", "epds"),
    "epds_borderline": {"birthing_parent": (10, 12), "partner": (7, 9)},
}


def screening(caregiver, instruments, status="completed", timepoint="admission", **extra):
    return {
        "caregiver_id": caregiver["id"],
        "instruments": instruments,
        "status": status,
        "timepoint": timepoint,
        "completed_at": "2026-11-03T10:00:00Z",
        "result": None,
    } | extra


def kinds(items):
    return sorted((d.kind, d.caregiver_id) for d in items)


def test_new_family_owes_admission_screen_within_seven_days_and_each_parent():
    items = due_items(FAMILY, [MOM, DAD, GRAN], [], **KW)
    assert kinds(items) == [
        ("admission", None),
        ("parent_mental_health", 1),
        ("parent_mental_health", 2),
    ]
    admission = next(d for d in items if d.kind == "admission")
    assert admission.due == dt.date(2026, 11, 8)
    assert not admission.overdue(dt.date(2026, 11, 8))
    assert admission.overdue(dt.date(2026, 11, 9))


def test_declined_or_unfinished_screens_do_not_count_as_done():
    done = [
        screening(MOM, ["ahc_core", "phq9"], status="declined"),
        screening(MOM, ["ahc_core", "phq9"], status="in_progress"),
    ]
    assert ("admission", None) in kinds(due_items(FAMILY, [MOM], done, **KW))


def test_completed_screens_clear_what_they_cover():
    done = [screening(MOM, ["ahc_core", "nicu_needs", "phq9", "gad7"], status="closed")]
    assert kinds(due_items(FAMILY, [MOM, DAD], done, **KW)) == [("parent_mental_health", 2)]


def test_discharge_date_makes_a_pre_discharge_screen_due_by_that_date():
    family = FAMILY | {"discharge_date": "2026-12-01"}
    done = [screening(MOM, ["ahc_core", "phq9"])]
    items = due_items(family, [MOM], done, **KW)
    assert kinds(items) == [("pre_discharge", None)]
    assert items[0].due == dt.date(2026, 12, 1)
    done.append(screening(MOM, ["ahc_core"], timepoint="pre_discharge"))
    assert due_items(family, [MOM], done, **KW) == []


def epds(caregiver, total):
    return screening(caregiver, ["epds"], result={"instruments": {"epds": {"total": total}}})


def test_borderline_epds_is_repeated_two_weeks_later():
    base = [screening(MOM, ["ahc_core", "phq9"])]
    for total, due in ((9, False), (10, True), (12, True), (13, False)):
        items = due_items(FAMILY, [MOM], base + [epds(MOM, total)], **KW)
        repeats = [d for d in items if d.kind == "epds_repeat"]
        assert bool(repeats) is due, total
        if due:
            assert repeats[0].due == dt.date(2026, 11, 17)


def test_partner_borderline_band_is_lower():
    base = [screening(MOM, ["ahc_core", "phq9"]), screening(DAD, ["phq9"])]
    items = due_items(FAMILY, [MOM, DAD], base + [epds(DAD, 8)], **KW)
    assert kinds(items) == [("epds_repeat", 2)]
    assert due_items(FAMILY, [MOM, DAD], base + [epds(DAD, 10)], **KW) == []
