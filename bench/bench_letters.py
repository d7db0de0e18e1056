"""Referral letters: one letter against a bare reportlab document of the same text; 100 in a batch.

Targets (issue 4): one letter <= 2x a bare reportlab document holding the same text, measured in
the same run; 100 letters (database assembly + one PDF) in under 10 s. The bare baseline uses
the same embedded TTF font, since embedding is required; the Helvetica figure is shown too.
"""

from __future__ import annotations

import io
import re
import statistics
import tempfile
import time
from pathlib import Path

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepTogether
from reportlab.platypus import Paragraph
from reportlab.platypus import SimpleDocTemplate

from bench.common import median_seconds
from bench.common import verdict
from screening import create_app
from screening.core import letter_batch
from screening.core import letters
from screening.directory.store import all_services
from screening.directory.store import load_starter
from screening.directory.store import localized
from screening.platform import timeutil
from screening.platform.db import connect
from screening.referrals import letter_data
from screening.referrals import wording
from screening.schema import migrate
from tests.factories import answers_for
from tests.factories import family
from tests.factories import screening

NEEDS = ("food", "infant_supplies", "nicu_visiting", "health_insurance", "lactation", "utilities")


def sample_letter(services: list[dict]) -> letters.Letter:
    """A Spanish letter listing six directory services (needs an app context)."""
    chosen = [localized(s, "es")[0] for s in services if not s["sensitive"]][:6]
    return letters.Letter(
        language="es",
        letterhead=letters.Letterhead("UCIN · Hospital Niño Jesús", "1 Calle Mayor", "555-0100"),
        date_text="22 de noviembre de 2026",
        words=wording.letter_words(private=False),
        worker_name="Ana García",
        worker_title="LCSW",
        worker_phone="(555) 010-4400",
        services=[
            letters.LetterService(
                name=s["name"],
                description=s["description"],
                phone=s["phone"],
                website=s["website"],
                hours=s["hours"],
                what_to_bring=s["what_to_bring"],
                ask_for="comida",
            )
            for s in chosen
        ],
        family_code="ABC234",
    )


def letter_lines(letter: letters.Letter) -> list[str]:
    """Exactly the text the letter prints, one string per paragraph, markup removed."""
    return [
        re.sub(r"<[^>]+>", " ", flowable.text)
        for flowable in letters.letter_flowables(letter)
        if isinstance(flowable, Paragraph)
    ] + [
        re.sub(r"<[^>]+>", " ", inner.text)
        for flowable in letters.letter_flowables(letter)
        if isinstance(flowable, KeepTogether)
        for inner in flowable._content
        if isinstance(inner, Paragraph)
    ]


def bare(lines: list[str], font: str) -> bytes:
    """A plain reportlab document: one Paragraph per line, default layout."""
    buffer = io.BytesIO()
    style = ParagraphStyle("p", fontName=font, fontSize=11, leading=15)
    SimpleDocTemplate(buffer, pagesize=LETTER, initialFontName=font).build(
        [Paragraph(line, style) for line in lines]
    )
    return buffer.getvalue()


def batch_database(app, folder: Path, families: int) -> tuple:
    """A database with the starter directory and `families` families with accepted referrals."""
    db = connect(str(folder / "bench.sqlite"))
    migrate(db)
    load_starter(db)
    stamp = timeutil.iso()
    with db.atomic():
        user = (
            db["users"]
            .insert(
                {
                    "username": "bench",
                    "display_name": "Ana García, LCSW",
                    "role": "social_worker",
                    "password_hash": "x",
                    "phone": "(555) 010-4400",
                    "created_at": stamp,
                }
            )
            .last_pk
        )
    # The same builders as the tests: families saved by the families store, each parent's
    # answers scored by the real scorer and suggestions made by create_suggestions.
    answers = answers_for(*NEEDS)
    ids = []
    for n in range(families):
        language = "es" if n % 3 == 0 else "en"
        fam = family(db, language=language, name=f"P{n}", username="bench")
        screening(app, db, fam, answers, language=language, username="bench")
        ids.append(fam.id)
    with db.atomic():
        db.execute(
            "UPDATE referrals SET status = 'accepted', accepted_at = ?, owner_id = ?", [stamp, user]
        )
    return db, ids


def paired(fns: list, repeat: int = 40) -> list[float]:
    """Median times of several functions run in alternation, so machine load hits all alike."""
    for fn in fns:
        median_seconds(fn, repeat=1, warmup=3)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, bucket in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return [statistics.median(bucket) for bucket in times]


def run() -> list[str]:
    """Measure and print the two letter targets."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "bench", "DATABASE": f"{tmp}/bench.sqlite"}
        )
        with app.app_context():
            out = _measure(app, Path(tmp))
    return out


def _measure(app, folder: Path) -> list[str]:
    out = []
    db, family_ids = batch_database(app, folder, 100)
    letter = sample_letter(all_services(db))
    lines = letter_lines(letter)
    font = letters.register_fonts()[0]
    ours, base, helvetica = paired(
        [
            lambda: letters.render([letter]),
            lambda: bare(lines, font),
            lambda: bare(lines, "Helvetica"),
        ]
    )
    ratio = ours / base
    out.append(
        f"one letter: {ours * 1000:.1f} ms; bare reportlab, same text and font: "
        f"{base * 1000:.1f} ms; ratio {ratio:.2f} (target <= 2.0) {verdict(ratio <= 2.0)}"
    )
    out.append(
        f"   (bare reportlab in Helvetica, not embedded: {helvetica * 1000:.1f} ms; "
        f"ratio {ours / helvetica:.2f}, for information)"
    )
    head = letters.Letterhead("UCIN · Hospital Niño Jesús", "1 Calle Mayor", "555-0100")
    start = time.perf_counter()
    built = [letter_data.build_letter(db, fid, head=head, secret=b"bench") for fid in family_ids]
    rows = [
        letter_data.cover_row(db, fid, b.family_code)
        for fid, b in zip(family_ids, built, strict=True)
    ]
    data = letter_batch.render_batch(built, rows, wording.cover_words())
    batch = time.perf_counter() - start
    pages = data.count(b"/Type /Page\n") or data.count(b"/Type /Page")
    services = sum(len(b.services) for b in built)
    out.append(
        f"100 letters ({services} services, {len(data) // 1024} KiB, ~{pages} page objects) "
        f"from the database into one PDF with its cover sheet: {batch:.2f} s (target < 10 s) "
        f"{verdict(batch < 10)}"
    )
    db.close()
    return out


if __name__ == "__main__":
    for line in run():
        print(line)
