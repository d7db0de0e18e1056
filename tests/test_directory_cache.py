"""The directory kept decoded (and prepared for matching) between screenings is never used
after a change, nor on another day (issue 16)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from screening.directory.store import all_services
from screening.directory.store import matching_listings
from screening.platform.db import connect
from screening.platform.db import write


def _database(app):
    return connect(app.config["DATABASE"])


def _by_id(services):
    return {s["id"]: s for s in services}


def test_a_change_by_hand_is_seen_at_once(app):
    db = _database(app)
    first = all_services(db, active_only=True)
    service = first[0]
    # Straight SQL, as an admin's sqlite3 session or a migration would write it.
    with write(db):
        db.execute(
            "UPDATE services SET tags = ?, languages = ? WHERE id = ?",
            ['["changed-tag"]', '["vi"]', service["id"]],
        )
    again = _by_id(all_services(db, active_only=True))[service["id"]]
    assert again["tags"] == ["changed-tag"]
    assert again["languages"] == ["vi"]


def test_another_connection_sees_a_deactivated_service(app):
    reader, writer = _database(app), _database(app)
    before = {s["id"] for s in all_services(reader, active_only=True)}
    gone = sorted(before)[0]
    with write(writer):
        writer.execute("UPDATE services SET active = 0 WHERE id = ?", [gone])
    after = {s["id"] for s in all_services(reader, active_only=True)}
    assert after == before - {gone}
    assert gone in {s["id"] for s in all_services(reader)}


def test_a_rolled_back_change_is_not_kept(app):
    db = _database(app)
    service = all_services(db)[0]
    db.conn.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE services SET domains = '[\"legal\"]' WHERE id = ?", [service["id"]])
    assert _by_id(all_services(db))[service["id"]]["domains"] == ["legal"]
    db.conn.execute("ROLLBACK")
    assert _by_id(all_services(db))[service["id"]]["domains"] == service["domains"]


def test_a_caller_editing_its_list_does_not_change_the_next_read(app):
    db = _database(app)
    mine = all_services(db)
    expected = [dict(s, tags=list(s["tags"])) for s in all_services(db)]
    mine[0]["tags"].append("scribbled")
    mine[0]["name"] = "scribbled"
    mine[0]["priorities"]["food"] = 99
    assert all_services(db) == expected


def test_a_restored_backup_at_the_same_path_is_read_afresh(app):
    db = _database(app)
    original = all_services(db)
    saved = sqlite3.connect(":memory:")
    db.conn.backup(saved)
    with write(db):
        db.execute("UPDATE services SET name = 'Renamed' WHERE id = ?", [original[0]["id"]])
    assert "Renamed" in {s["name"] for s in all_services(db)}
    # The restore writes the old file back under the same path (sqlite's backup, as a
    # restore from a backup file does); the kept copy is of the renamed directory.
    saved.backup(db.conn)
    assert all_services(_database(app)) == original


TODAY = dt.date(2026, 12, 2)


def test_matching_sees_a_deactivated_service_and_a_new_tag_at_once(app):
    reader, writer = _database(app), _database(app)
    listed = {x.service["id"]: x for x in matching_listings(reader, TODAY)}
    gone, retagged = sorted(listed)[:2]
    with write(writer):
        writer.execute("UPDATE services SET active = 0 WHERE id = ?", [gone])
        writer.execute("UPDATE services SET tags = '[\"diapers\"]' WHERE id = ?", [retagged])
    after = {x.service["id"]: x for x in matching_listings(reader, TODAY)}
    assert set(after) == set(listed) - {gone}
    assert after[retagged].tags == frozenset({"diapers"})


def test_matching_ages_each_listing_by_the_day_it_is_asked_on(app):
    db = _database(app)
    with write(db):
        db.execute("UPDATE services SET last_verified = '2026-11-02'")
    assert {x.days for x in matching_listings(db, TODAY)} == {30}
    assert {x.days for x in matching_listings(db, TODAY + dt.timedelta(days=1))} == {31}


def test_the_services_matching_keeps_cannot_be_changed_through_it(app):
    db = _database(app)
    service = matching_listings(db, TODAY)[0].service
    with pytest.raises(TypeError):
        service["name"] = "scribbled"  # type: ignore[index]
    assert all(s["name"] != "scribbled" for s in all_services(db))
