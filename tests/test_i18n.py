"""Every interface text goes through Flask-Babel, and the Spanish catalogue is complete.

The catalogue must match what `pybabel extract` finds (no stale entry, no missing one), have
no untranslated or fuzzy entry, and the committed .mo must be the compiled .po. Templates are
scanned for English a person would read that is not wrapped in _(); a Spanish family page
and a Spanish letter must carry no English sentence.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale
from flask_babel import format_date

from screening.platform import timeutil
from screening.referrals.store import change_status
from tests.factories import screened_family
from tests.factories import unscreened_family
from tests.factories.web import screening_id

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "screening"
TEMPLATES = PACKAGE / "templates"
CATALOGUE = PACKAGE / "translations" / "es" / "LC_MESSAGES"

# Template folders (and single templates) whose every visible string must be marked.
MARKED = [
    "families",
    "screenings",
    "referrals",
    "directory",
    "auth",
    "admin",
    "reports",
    "base.html",
    "_form.html",
    "errors.html",
]

# Words shown on purpose in their own language: a link to the English letter says so in
# English, whatever the page's language.
OWN_LANGUAGE = {"Letter in English", "English"}
VISIBLE_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")
JINJA = re.compile(r"{#.*?#}|{{.*?}}|{%.*?%}", re.S)
# Blocks that fill an attribute of base.html (a class name, a language code), not text.
ATTRIBUTE_BLOCKS = re.compile(r"{%-?\s*block\s+(?:body_class|lang)\s*-?%}.*?{%-?\s*endblock", re.S)
# A string literal inside a Jinja expression, and the calls that translate one.
LITERAL = re.compile(r"""(['"])((?:\\.|(?!\1).)*)\1""", re.S)
TRANSLATED = re.compile(
    r"""\b(?:_|gettext|ngettext)\(\s*(['"])(?:\\.|(?!\1).)*\1"""
    r"""(?:\s*,\s*(['"])(?:\\.|(?!\2).)*\2)?""",
    re.S,
)
# A literal compared with == or != is a stored code ('temporarily closed'), never shown.
COMPARED = re.compile(
    r"""(?:[!=]=\s*(['"])(?:\\.|(?!\1).)*\1)|(?:(['"])(?:\\.|(?!\2).)*\2\s*[!=]=)""", re.S
)


def _has_words(text: str) -> bool:
    """Text a person would read in a page: two letters in a row, not a number or a sign."""
    text = text.strip()
    return bool(re.search(r"[A-Za-z]{2}", text)) and text not in OWN_LANGUAGE


def _reads_as_english(literal: str) -> bool:
    """A string literal in an expression that is a phrase, not a code ('in_progress')."""
    text = literal.strip()
    if re.fullmatch(r"[A-Z][a-z]+(?:[A-Z][a-z]+)+", text):
        return False  # a class name ('RadioField'), not a word
    return _has_words(text) and (" " in text or text[:1].isupper() or text.endswith("."))


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.langs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in ("br", "hr", "input", "meta", "link", "img"):
            self.langs.append(values.get("lang"))
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name) and _has_words(str(values[name])):
                self.found.append(f"{name}={values[name]!r}")

    def handle_endtag(self, tag: str) -> None:
        if self.langs and tag not in ("br", "hr", "input", "meta", "link", "img"):
            self.langs.pop()

    def handle_data(self, data: str) -> None:
        # Text deliberately in another language (lang="es") is that language's to carry.
        lang = next((x for x in reversed(self.langs) if x), "en")
        if lang.startswith("en") and _has_words(data):
            self.found.append(data.strip())


def unmarked(source: str) -> list[str]:
    """Visible English in a template that is not wrapped in _()/gettext/ngettext."""
    problems = []
    for block in re.findall(r"{{.*?}}|{%.*?%}", source, re.S):
        rest = COMPARED.sub("", TRANSLATED.sub("", block))
        for _quote, literal in LITERAL.findall(rest):
            if _reads_as_english(literal):
                problems.append(f"in {{{{ }}}}: {literal!r}")
    parser = _Visible()
    # Jinja is replaced by a neutral token so attribute values stay well formed.
    parser.feed(JINJA.sub("0", ATTRIBUTE_BLOCKS.sub("", source)))
    return problems + parser.found


def _templates(entry: str) -> list[Path]:
    path = TEMPLATES / entry
    return sorted(path.rglob("*.html")) if path.is_dir() else [path]


@pytest.mark.parametrize("entry", MARKED)
def test_templates_mark_every_visible_string(entry):
    problems = {
        str(path.relative_to(TEMPLATES)): found
        for path in _templates(entry)
        if (found := unmarked(path.read_text(encoding="utf-8")))
    }
    assert not problems, f"wrap these in _(): {problems}"


def test_the_scanner_catches_what_it_should():
    # The template test is only as good as this: it must fail on each kind of leak.
    assert unmarked("<p>Save the family</p>")
    assert unmarked('<a aria-label="Close the panel">x</a>')
    assert unmarked("{{ 'Edit family' if family else 'Add a family' }}")
    assert unmarked("<td>{{ {'yes': 'Yes', 'no': 'No'}[x] }}</td>")
    assert not unmarked("<p>{{ _('Save the family') }} · {{ n }} → #</p>")
    assert not unmarked('<p>{{ _("Part %(n)s of %(total)s", n=1, total=2) }}</p>')
    assert unmarked("<span>retired</span>")
    assert not unmarked('<p lang="es">Carta en español</p>')
    assert not unmarked("{% block body_class %}self-complete{% endblock %}")
    assert not unmarked("{% if f.type == 'RadioField' %}{% endif %}")
    assert not unmarked("{{ _('closed') if s.status == 'temporarily closed' else _('open') }}")
    assert unmarked("{{ 'Closed for now' if s.status != 'temporarily closed' else _('open') }}")
    assert not unmarked("{{ url_for('families.show', family_id=1) }}{{ x|replace('_', ' ') }}")


def _catalogue():
    with (CATALOGUE / "messages.po").open("rb") as fh:
        return read_po(fh, locale="es")


def _key(msgid) -> str | tuple:
    return msgid if isinstance(msgid, str) else tuple(msgid)


def test_spanish_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = _catalogue()
    assert len(catalogue) > 100  # an empty catalogue would pass the checks below
    bad = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            bad.append(message.id)
    assert not bad, f"translate these in messages.po: {bad}"


def test_catalogue_matches_what_extraction_finds(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg"]
        + ["-k", "_l", "-k", "lazy_gettext", "--omit-header", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        extracted = {_key(m.id) for m in read_po(fh) if m.id}
    catalogued = {_key(m.id) for m in _catalogue() if m.id}
    assert not extracted - catalogued, "run `make translations` and translate the new entries"
    assert not catalogued - extracted, "stale entries: run `make translations`"


def test_committed_mo_is_the_compiled_po():
    with (CATALOGUE / "messages.mo").open("rb") as fh:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    source = {_key(m.id): _key(m.string) for m in _catalogue() if m.id}
    assert compiled == source, "the .mo is stale: run `make translations` and commit it"


# --- A Spanish family page and a Spanish letter carry no English sentence ------------------


def _english_sentences() -> list[str]:
    """Every catalogued English phrase whose Spanish differs: none may show on Spanish pages.
    Single words are left out ("No" is Spanish too); instruments' own English is checked by
    the instrument tests."""
    found = []
    for message in _catalogue():
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            fixed = re.split(r"%\(\w+\)[sd]", english)
            for part in fixed:
                part = part.strip(" .,:;()")
                if len(part.split()) >= 3 and all(part not in s for s in strings):
                    found.append(part)
    return found


def _text_of(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text)


def _english_in(text: str) -> list[str]:
    return [sentence for sentence in _english_sentences() if sentence in text]


def test_english_sentence_finder_finds_english():
    # The two checks below are only as good as this list: it must spot an English sentence.
    assert _english_in("Hola. Please check the answers marked below. Adiós")
    assert not _english_in("Por favor, revise las respuestas marcadas abajo.")


def test_spanish_parent_mode_pages_carry_no_english(screen, sw_client, db):
    family_id, caregiver_id = unscreened_family(db)
    started = screen.start(
        family_id, caregiver_id, language="es", mode="self_complete", instruments=["ahc_core"]
    )
    sid = screening_id(started)
    sw_client.post(f"/screenings/{sid}/handover")
    pages = {
        "welcome": sw_client.get(f"/screenings/{sid}/welcome"),
        "questions": sw_client.get(f"/screenings/{sid}/page/1"),
        "locked": sw_client.get(f"/screenings/{sid}/locked"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert '<html lang="es">' in html, name
        assert not _english_in(_text_of(html)), name
    welcome = _text_of(pages["welcome"].get_data(as_text=True))
    assert "Quién verá sus respuestas" in welcome
    assert "Parte 1 de" in _text_of(pages["questions"].get_data(as_text=True))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_spanish_letter_carries_no_english_and_a_spanish_date(app, db, runner, tmp_path):
    fam, ids = screened_family(app, db, "food", "transportation", language="es")
    fid = fam.id
    cursor = db.execute("SELECT * FROM users WHERE role = 'social_worker' ORDER BY id LIMIT 1")
    user = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    with app.app_context():
        for rid in ids:
            version = db.execute("SELECT version FROM referrals WHERE id = ?", [rid]).fetchone()[0]
            change_status(db, rid, "accepted", version=version, user=user, follow_up_days=7)
    out = tmp_path / "carta.pdf"
    result = runner.invoke(args=["letter", str(fid), "--out", str(out), "--lang", "es"])
    assert result.exit_code == 0, result.output
    done = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True)
    text = re.sub(r"\s+", " ", done.stdout.decode("utf-8"))
    assert not _english_in(text)
    with app.test_request_context(), force_locale("es"):
        today = format_date(timeutil.today(), format="long")
    assert " de " in today and today in text  # "14 de mayo de 2026"
