"""Referral letters: content, language, privacy, escaping, fonts; checked with poppler tools."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from flask_babel import force_locale
from flask_babel import format_date

from screening.core import letters
from screening.platform.db import one
from screening.referrals import letter_data
from screening.referrals.letter_data import letterhead
from screening.referrals.wording import letter_words
from tests.factories import answers_for
from tests.factories import family as family_
from tests.factories import move_referral
from tests.factories import screened_family
from tests.factories import screening
from tests.factories import user_id
from tests.factories.web import needs_poppler
from tests.factories.web import pdf_text

pytestmark = needs_poppler


def worker(db):
    """The social worker the builders act as (and so the letter's signature)."""
    return one(db, "SELECT * FROM users WHERE id = ?", [user_id(db)])


def accept(app, db, ids, to="accepted"):
    for rid in ids:
        move_referral(app, db, rid, to)


@pytest.fixture
def family(app, db):
    """A Spanish-speaking family: food, lactation, safety and mental health, all accepted."""
    fam = family_(db, name="Rosa Prueba", partner="Pablo Prueba")
    mother, partner = fam.caregivers
    ids = screening(app, db, fam, answers_for("food", "interpersonal_safety", "mental_health"))
    more = screening(app, db, fam, answers_for("lactation"), caregiver=partner)
    accept(app, db, ids.referrals + more.referrals)
    return fam.id, mother, partner


def head(app):
    return letterhead(app.config, app.instance_path)


def build_letter(app, db, fid, **kw):
    with app.test_request_context():
        return letter_data.build_letter(db, fid, head=head(app), secret=b"test", **kw)


def words(app, lang, private=False):
    """The letter's fixed wording as the catalogue gives it in `lang`."""
    with app.test_request_context(), force_locale(lang):
        return letter_words(private=private)


def test_spanish_family_letter_lists_accepted_services_with_accents(app, db, family):
    fid, _mother, _partner = family
    app.config.update(UNIT_NAME="UCIN Hospital Niño Jesús", UNIT_PHONE="(555) 010-2000")
    built = build_letter(app, db, fid)
    assert built.language == "es"
    text = pdf_text(letters.render([built]))
    spanish = words(app, "es")
    assert spanish["title"] in text
    assert "UCIN Hospital Niño Jesús" in text
    assert spanish["for"] in text and spanish["unit_phone"] in text
    # Service names in Spanish from the directory; never the catch-all 211 for food.
    names = [s.name for s in built.services]
    assert "Servicio de lactancia de la unidad" in names
    assert "211" not in names
    # Spanish descriptions from the directory, accents intact.
    assert "extraerse leche" in text.replace("\n", " ")
    assert worker(db)["display_name"] in text


def test_family_letter_never_shows_safety_or_mental_health_services(app, db, family):
    fid, _mother, _partner = family
    text = pdf_text(letters.render([build_letter(app, db, fid)]))
    for secret in (
        "Domestic Violence",
        "799-7233",
        "thehotline",
        "988",
        "Maternal Mental Health",
        "852-6262",
        "Postpartum Support",
        "NICU psychology",
        "interpersonal",
        "mental",
    ):
        assert secret not in text


def test_private_letter_goes_to_the_parent_who_accepted_it(app, db, family):
    fid, mother, partner = family
    mine = build_letter(app, db, fid, caregiver_id=mother, language="en")
    text = pdf_text(letters.render([mine]))
    private = words(app, "en", private=True)
    assert private["title"] in text and private["greeting"] in text
    assert "National Domestic Violence Hotline" in text and "799-7233" in text
    assert "In-unit lactation" not in text  # family services stay on the family letter
    theirs = build_letter(app, db, fid, caregiver_id=partner, language="en")
    assert theirs.services == ()


def test_only_accepted_or_later_referrals_are_listed(app, db):
    fam, ids = screened_family(app, db, "food", "infant_supplies", language="en")
    fid = fam.id
    built = build_letter(app, db, fid)
    assert built.services == ()
    accept(app, db, ids[:1])
    accept(app, db, ids[1:], to="declined")
    assert len(build_letter(app, db, fid).services) == 1


def test_language_override_and_fallback(app, db, family):
    fid, *_ = family
    assert build_letter(app, db, fid, language="en").language == "en"
    db["families"].update(fid, {"language": "vi"})
    assert build_letter(app, db, fid).language == "en"
    assert build_letter(app, db, 999999) is None


def test_hostile_text_is_escaped_and_never_breaks_the_pdf(app, tmp_path):
    nasty = (
        '<b>Tom & "Jerry"</b> <para> </font> 😀👶🏽 שלום עליכם مرحبا \x00\x07 '
        + "Ñ" * 600
        + " 漢字"
    )
    with app.test_request_context(), force_locale("es"):
        day = format_date(dt.date(2026, 11, 22), format="long")
    letter = letters.Letter(
        language="es",
        letterhead=letters.Letterhead(name=nasty, address="<script>", phone="&amp;"),
        date_text=day,
        words=dict.fromkeys(letters.WORD_KEYS, nasty),
        worker_name=nasty,
        services=[letters.LetterService(name=nasty, description=nasty, what_to_bring=nasty)],
    )
    data = letters.render([letter])
    (tmp_path / "letter.pdf").write_bytes(data)
    text = pdf_text(data)
    assert '<b>Tom & "Jerry"</b>' in text
    assert "<script>" in text and "&amp;" in text
    assert "22 de noviembre de 2026" in text
    # A 600-letter word is wrapped, not lost off the page edge.
    assert text.count("Ñ") >= 600 * 3
    png = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-singlefile", str(tmp_path / "letter.pdf"), str(png)],
        check=True,
    )
    assert (tmp_path / "page.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_font_is_embedded(tmp_path, app, db, family):
    fid, *_ = family
    path = tmp_path / "f.pdf"
    path.write_bytes(letters.render([build_letter(app, db, fid)]))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(r[-5] == "yes" for r in rows)  # the "emb" column
    assert not any("Helvetica" in line for line in fonts.splitlines())


def test_page_renders_to_png_with_logo_from_instance_folder(app, db, family, tmp_path):
    fid, *_ = family
    # Make a logo: render a page of a letter to PNG and use it as the unit logo.
    first = tmp_path / "first.pdf"
    first.write_bytes(letters.render([build_letter(app, db, fid)]))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "20", "-singlefile", str(first), app.instance_path + "/logo"],
        check=True,
    )
    app.config["UNIT_LOGO"] = "logo.png"
    with_logo = letters.render([build_letter(app, db, fid)])
    assert len(with_logo) > len(first.read_bytes()) + 500  # the image is in the file
    app.config["UNIT_LOGO"] = "../../etc/passwd"
    assert head(app).logo is None
    out = tmp_path / "page"
    (tmp_path / "l.pdf").write_bytes(with_logo)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-singlefile",
            str(tmp_path / "l.pdf"),
            str(out),
        ],
        check=True,
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_many_letters_in_one_pdf_each_start_a_page(app, db, family, tmp_path):
    fid, *_ = family
    one = build_letter(app, db, fid)
    path = tmp_path / "batch.pdf"
    path.write_bytes(letters.render([one, one, one]))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    single = tmp_path / "one.pdf"
    single.write_bytes(letters.render([one]))
    info1 = subprocess.run(["pdfinfo", str(single)], capture_output=True, check=True).stdout
    assert pages == 3 * int(re.search(rb"Pages:\s+(\d+)", info1).group(1))


def test_cli_writes_a_letter_and_refuses_an_unknown_family(app, db, family, runner, tmp_path):
    fid, *_ = family
    out = tmp_path / "cli.pdf"
    result = runner.invoke(args=["letter", str(fid), "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert words(app, "en")["title"] in pdf_text(out.read_bytes())
    missing = runner.invoke(args=["letter", "999999", "--out", str(tmp_path / "x.pdf")])
    assert missing.exit_code == 2
    assert "no family with id 999999" in missing.output
    assert not (tmp_path / "x.pdf").exists()
    audit = db.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'letter' AND record_id = ?", [str(fid)]
    ).fetchone()[0]
    assert audit == 1
