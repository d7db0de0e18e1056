"""Builder for the crisis-lock tests: a parent in parent mode gives a self-harm answer.

Same steps as `run_parent_mode` in tests/test_bedside_safety.py; fold the two together
into tests/factories.py.
"""

from __future__ import annotations

from tests.factories_bedside import SELF_HARM
from tests.factories_bedside import screening_id
from tests.factories_bedside import unscreened_family


def parent_answers_self_harm(screen, client, db, language: str = "es"):
    """Hand the tablet over and answer PHQ-9 with a self-harm answer; (screening id, last
    response), the last response being the redirect that ended the questions."""
    family_id, caregiver_id = unscreened_family(db)
    sid = screening_id(
        screen.start(
            family_id, caregiver_id, instruments=["phq9"], language=language, mode="self_complete"
        )
    )
    assert client.post(f"/screenings/{sid}/handover").status_code == 302
    url, last = f"/screenings/{sid}/page/1", None
    for _ in range(10):
        last = screen.answer_page(url, SELF_HARM)
        url = last.headers.get("Location", "")
        if "/page/" not in url:
            break
    return sid, last
