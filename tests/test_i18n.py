"""Every interface text goes through Flask-Babel, and the Spanish catalogue is complete.

The catalogue must match what `pybabel extract` finds (no stale entry, no missing one), have
no untranslated or fuzzy entry, and the committed .mo must be the compiled .po. Templates are
scanned for English a person would read that is not wrapped in _(); a Spanish family page
and a Spanish letter must carry no English sentence.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "screening"
TEMPLATES = PACKAGE / "templates"
CATALOGUE = PACKAGE / "translations" / "es" / "LC_MESSAGES"

# Template folders (and single templates) whose every visible string must be marked. The lead
# adds "auth", "admin", "reports" and "base.html" as they are converted.
MARKED = ["families", "screenings", "referrals", "directory", "_form.html", "errors.html"]

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
        rest = TRANSLATED.sub("", block)
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
    assert not unmarked("{{ url_for('families.show', family_id=1) }}{{ x|replace('_', ' ') }}")
