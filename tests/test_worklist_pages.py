"""The worklist separates interrupted from waiting-to-close screenings, names the parent on
every due item, and stays bounded in rows and bytes at 100,000 families."""

from __future__ import annotations

import json
import re
import time

from screening.families import worklist
from screening.platform.db import connect
from screening.platform.db import one
from tests.factories import unscreened_family
from tests.factories.web import completed_screening
from tests.factories.web import screening_id


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"')[1].split("</section>")[0]


def test_interrupted_and_waiting_to_close_are_separate_with_why(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    paused = screening_id(screen.start(family_id, caregiver_id, instruments=["phq9"]))
    screen.answer_page(f"/screenings/{paused}/page/1", {}, action="pause")
    done = completed_screening(
        screen, db, ("phq9",), {"phq9__phq9_1": "3", "phq9__phq9_2": "3", "phq9__phq9_9": "1"}
    )
    html = sw_client.get("/families").get_data(as_text=True)
    interrupted = section(html, "interrupted-h")
    waiting = section(html, "waiting-h")
    assert f'/screenings/{paused}"' in interrupted and f"/screenings/{done}/" not in interrupted
    assert f"/screenings/{done}/results" in waiting and f'/screenings/{paused}"' not in waiting
    row = waiting.split(f"/screenings/{done}/results")[0].rsplit("<tr>", 1)[1]
    assert "1 alert to acknowledge" in row
    assert "Resume" not in waiting


def test_every_due_item_names_the_parent(sw_client, db):
    html = sw_client.get("/families").get_data(as_text=True)
    due = section(html, "due-h")
    items = re.findall(r"<li>(.*?)</li>", due, re.S)
    assert items
    names = {r["name"] for r in db.query("SELECT name FROM caregivers")}
    for item in items:
        assert any(name in item for name in names), item


def test_worklist_is_bounded_at_100000_families(app, sw_client):
    db = connect(app.config["DATABASE"])
    start_id = (
        1
        + one(
            db, "SELECT max((SELECT max(id) FROM families), (SELECT max(id) FROM caregivers)) AS m"
        )["m"]
    )
    user = one(db, "SELECT id FROM users LIMIT 1")["id"]
    ids = range(start_id, start_id + 100_000)
    with db.conn:
        db.conn.executemany(
            "INSERT INTO families (id, mrn, admission_date, created_at, updated_at) "
            "VALUES (?, ?, '2026-01-01', '', '')",
            [(n, f"B{n:08d}") for n in ids],
        )
        db.conn.executemany(
            "INSERT INTO caregivers (id, family_id, name, respondent, created_at) "
            "VALUES (?, ?, ?, 'birthing_parent', '')",
            [(n, n, f"Synthetic Parent {n}") for n in ids],
        )
        # Years of data: every family has one interrupted and one completed screening.
        rows = []
        for n in ids:
            for status in ("in_progress", "completed"):
                rows.append((n, n, status, json.dumps(["phq9"]), user))
        db.conn.executemany(
            "INSERT INTO screenings (family_id, caregiver_id, timepoint, mode, language, "
            "instruments, status, started_by, started_at, updated_at) "
            "VALUES (?, ?, 'admission', 'interview', 'en', ?, ?, ?, '2026-01-02T00:00:00Z', "
            "'2026-01-02T00:00:00Z')",
            [(r[0], r[1], r[3], r[2], r[4]) for r in rows],
        )
    db.close()
    started = time.perf_counter()
    response = sw_client.get("/families")
    elapsed = time.perf_counter() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for heading in ("interrupted-h", "waiting-h", "due-h"):
        assert section(html, heading).count("<tr>") <= worklist.PAGE_SIZE + 1
    assert "Show more" in html
    assert len(response.data) < 250_000, len(response.data)
    assert elapsed < 3.0, elapsed
    # The next page continues where the first stopped.
    nxt = re.search(r'href="(/families\?due=\d+)"', html).group(1)
    second = sw_client.get(nxt).get_data(as_text=True)
    first_mrns = set(re.findall(r"MRN (B\d{8})", section(html, "due-h")))
    second_mrns = set(re.findall(r"MRN (B\d{8})", section(second, "due-h")))
    assert second_mrns and not first_mrns & second_mrns
