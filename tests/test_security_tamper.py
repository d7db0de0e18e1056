"""Object-level checks: a tampered caregiver, infant or screening id in a form, or a parent
on the tablet reaching for another screening, never touches someone else's record.

Ids are real ids of real records in the test database; what counts is what happened to
the other family's rows and what the response shows, not the status code alone.
"""

from __future__ import annotations

import re

from screening.platform.db import connect
from tests.factories.web import in_progress_screenings

FIELD_RE = re.compile(r"<(input|select|textarea)\b[^>]*>", re.S)
ATTR_RE = re.compile(r'([\w-]+)="([^"]*)"')


def form_data(html: str) -> dict[str, str | list[str]]:
    """What the browser would send for the page's main (largest) form, as it was rendered."""
    form = max(html.split("<form")[1:] or [html], key=len).split("</form>", 1)[0]
    data: dict[str, str | list[str]] = {}
    for tag in FIELD_RE.finditer(form):
        attrs = dict(ATTR_RE.findall(tag.group(0)))
        name = attrs.get("name")
        if not name:
            continue
        kind = attrs.get("type", "text")
        if tag.group(1) == "select":
            rest = form[tag.end() :].split("</select>", 1)[0]
            options = re.findall(r"<option\b[^>]*>", rest)
            chosen = [o for o in options if re.search(r"\sselected\b", o)] or options[:1]
            value = re.search(r'value="([^"]*)"', chosen[0]) if chosen else None
            data[name] = value.group(1) if value else ""
        elif tag.group(1) == "textarea":
            data[name] = form[tag.end() :].split("</textarea>", 1)[0]
        elif kind in ("checkbox", "radio"):
            if re.search(r"\schecked\b", tag.group(0)):
                value = attrs.get("value", "y")
                data[name] = [*data[name], value] if isinstance(data.get(name), list) else [value]
        elif kind != "submit":
            data[name] = attrs.get("value", "")
    return data


def two_families(app) -> tuple[int, int]:
    db = connect(app.config["DATABASE"])
    try:
        rows = db.execute(
            "SELECT family_id FROM caregivers GROUP BY family_id "
            "HAVING family_id IN (SELECT family_id FROM infants) ORDER BY family_id LIMIT 2"
        ).fetchall()
    finally:
        db.close()
    return rows[0][0], rows[1][0]


def rows_of(app, table: str, family_id: int) -> list[tuple]:
    db = connect(app.config["DATABASE"])
    try:
        return db.execute(
            f"SELECT * FROM {table} WHERE family_id = ? ORDER BY id",  # noqa: S608
            [family_id],
        ).fetchall()
    finally:
        db.close()


def tamper_family_edit(app, sw_client, table: str, prefix: str):
    mine, theirs = two_families(app)
    before = rows_of(app, table, theirs)
    their_id = before[0][0]
    # Control: the form as rendered saves, so a refusal below is the ownership check's.
    untouched = form_data(sw_client.get(f"/families/{mine}/edit").get_data(as_text=True))
    assert sw_client.post(f"/families/{mine}/edit", data=untouched).status_code == 302
    data = form_data(sw_client.get(f"/families/{mine}/edit").get_data(as_text=True))
    assert f"{prefix}-0-id" in data, sorted(data)
    data[f"{prefix}-0-id"] = str(their_id)
    data[f"{prefix}-0-name"] = "Tampered Name"
    response = sw_client.post(f"/families/{mine}/edit", data=data)
    assert rows_of(app, table, theirs) == before
    assert "Tampered Name" not in str(rows_of(app, table, mine))
    return response


def test_a_tampered_caregiver_id_moves_no_other_familys_parent(app, sw_client):
    tamper_family_edit(app, sw_client, "caregivers", "caregivers")


def test_a_tampered_infant_id_moves_no_other_familys_baby(app, sw_client):
    tamper_family_edit(app, sw_client, "infants", "infants")


def test_a_screening_cannot_start_for_another_familys_caregiver(app, sw_client):
    mine, theirs = two_families(app)
    their_caregiver = rows_of(app, "caregivers", theirs)[0][0]
    db = connect(app.config["DATABASE"])
    count = db.execute("SELECT count(*) FROM screenings").fetchone()[0]
    db.close()
    sw_client.post(
        f"/families/{mine}/screenings",
        data={
            "caregiver_id": str(their_caregiver),
            "request_token": "tamper-token-0001",
            "timepoint": "admission",
            "mode": "interview",
            "language": "en",
            "instruments": ["ahc_core"],
            "action": "start",
        },
    )
    db = connect(app.config["DATABASE"])
    after = db.execute("SELECT count(*) FROM screenings").fetchone()[0]
    db.close()
    assert after == count


def test_a_parent_on_the_tablet_cannot_open_another_screening(app, sw_client):
    own, other = in_progress_screenings(app)
    assert sw_client.post(f"/screenings/{own}/handover").status_code == 302
    assert sw_client.get(f"/screenings/{own}/page/1").status_code == 200
    for url in (f"/screenings/{other}/page/1", f"/screenings/{other}/welcome", "/families"):
        response = sw_client.get(url)
        assert response.status_code == 302, url
        assert f"/screenings/{own}/" in response.headers["Location"], url


def test_a_referral_cannot_be_handed_to_a_manager_or_admin(app, sw_client):
    db = connect(app.config["DATABASE"])
    referral, version, owner = db.execute(
        "SELECT id, version, owner_id FROM referrals ORDER BY id LIMIT 1"
    ).fetchone()
    outsiders = [r[0] for r in db.execute("SELECT id FROM users WHERE role != 'social_worker'")]
    db.close()
    for outsider in outsiders:
        sw_client.post(
            f"/referrals/{referral}/owner", data={"owner": str(outsider), "version": str(version)}
        )
    db = connect(app.config["DATABASE"])
    after = db.execute(
        "SELECT owner_id, version FROM referrals WHERE id = ?", [referral]
    ).fetchone()
    db.close()
    assert after == (owner, version)
