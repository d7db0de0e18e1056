"""Referral letters as PDF (reportlab) with an embedded TTF font, in English or Spanish.

The caller decides what goes on a letter (privacy rules live in screening.referrals) and
gives every word already in the letter's language; this module only lays it out. Every
piece of text is treated as untrusted: escaped for reportlab's
Paragraph markup and stripped of characters the font cannot draw.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable
from reportlab.platypus import HRFlowable
from reportlab.platypus import Image
from reportlab.platypus import KeepTogether
from reportlab.platypus import PageBreak
from reportlab.platypus import Paragraph
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import Spacer

from .fonts import FONT
from .fonts import FONT_BOLD
from .fonts import register_fonts

LANGUAGES = ("en", "es")
INK = colors.HexColor("#12355b")

# Letter wording is given by the caller already translated (the referrals area renders it
# with Flask-Babel in the letter's language): this module stays free of Flask and of text.
WORD_KEYS = (
    "title",
    "greeting",
    "intro",
    "for",
    "ask_for",
    "phone",
    "website",
    "address",
    "hours",
    "bring",
    "eligibility",
    "worker",
    "contact",
    "unit_phone",
    "emergency",
    "fallback",
    "family_code",
)


@dataclass(frozen=True)
class Letterhead:
    """The unit's name, address, phone and optional logo image."""

    name: str
    address: str = ""
    phone: str = ""
    logo: Path | None = None


@dataclass(frozen=True)
class LetterService:
    """One service as printed: what it is for and how to reach it."""

    name: str
    description: str = ""
    phone: str = ""
    website: str = ""
    address: str = ""
    hours: str = ""
    what_to_bring: str = ""
    eligibility: str = ""
    # The needs, in the letter's language, the family should name when they call.
    ask_for: str = ""
    # True when some field had no text in the letter's language and is printed in English.
    fell_back: bool = False


@dataclass(frozen=True)
class Letter:
    """One letter: a family letter, or a private one for a single parent."""

    language: str
    letterhead: Letterhead
    date_text: str
    words: Mapping[str, str]
    worker_name: str = ""
    worker_title: str = ""
    worker_phone: str = ""
    services: Sequence[LetterService] = field(default_factory=tuple)
    private: bool = False
    # A short code that carries no PHI, printed in the footer to match letter and cover sheet.
    family_code: str = ""


@functools.cache
def covered() -> frozenset[int]:
    """Code points both letter fonts can draw."""
    register_fonts()
    regular = set(pdfmetrics.getFont(FONT).face.charToGlyph)
    return frozenset(regular & set(pdfmetrics.getFont(FONT_BOLD).face.charToGlyph))


@functools.cache
def _plain_chars() -> frozenset[str]:
    # Characters that pass through unchanged: drawable, and not control characters.
    return frozenset(
        chr(c) for c in covered() if c >= 32 and not 0x7F <= c < 0xA0 and not 0xD800 <= c < 0xE000
    ) | {"\n"}


def clean(text: object) -> str:
    """Text made safe for Paragraph markup: escaped, control characters dropped, glyphs the
    font lacks replaced by a visible box, line breaks kept."""
    text = str(text or "")
    if not set(text) <= _plain_chars():
        drawable = covered()
        missing = "\u25a1" if 0x25A1 in drawable else "?"
        out = []
        for ch in text:
            code = ord(ch)
            if ch == "\n":
                out.append(ch)
            elif code < 32 or 0x7F <= code < 0xA0 or 0xD800 <= code < 0xE000:
                continue
            elif code in drawable or ch.isspace():
                out.append(ch)
            else:
                out.append(missing)
        text = "".join(out)
    return escape(text.strip()).replace("\n", "<br/>")


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles letters and paper forms share."""
    # Letters use one font and no inline markup: a second embedded subset (bold) doubles the
    # font work per document and markup splits lines into fragments; both were measured
    # (bench_letters) to add about half again to a letter. Hierarchy comes from size and colour.
    regular, _bold = register_fonts()
    base = ParagraphStyle("body", fontName=regular, fontSize=11, leading=15, spaceAfter=4)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
        "unit": ParagraphStyle("unit", parent=base, fontSize=16, leading=20, textColor=INK),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=19, leading=24, spaceBefore=10, textColor=INK
        ),
        "service": ParagraphStyle(
            "service",
            parent=base,
            fontSize=14,
            textColor=INK,
            leading=17,
            spaceBefore=10,
            keepWithNext=1,
        ),
        "detail": ParagraphStyle("detail", parent=base, leftIndent=12, spaceAfter=2),
    }


def label(text: str) -> str:
    """A field label; plain text, since inline markup makes reportlab lay a line out in pieces."""
    return f"{text}:"


def _logo(path: Path | None) -> list[Flowable]:
    if path is None or not path.is_file():
        return []
    try:
        image = Image(str(path))
    except OSError:
        return []  # an unreadable logo must not stop the letter
    scale = min(1.0, (1.6 * cm) / image.imageHeight, (6 * cm) / image.imageWidth)
    image.drawHeight = image.imageHeight * scale
    image.drawWidth = image.imageWidth * scale
    image.hAlign = "LEFT"
    return [image]


def letterhead_flowables(head: Letterhead) -> list[Flowable]:
    """The unit letterhead: logo, name, address and phone, then a rule."""
    st = styles()
    parts = _logo(head.logo) + [Paragraph(clean(head.name), st["unit"])]
    contact = " · ".join(clean(x) for x in (head.address, head.phone) if x)
    if contact:
        parts.append(Paragraph(contact, st["small"]))
    parts.append(HRFlowable(width="100%", thickness=1, color=colors.grey, spaceAfter=8))
    return parts


class PageMark(Flowable):
    """Zero-size marker: records the page it lands on and sets the footer from there on."""

    def __init__(self, key: object, footer: str, marks: dict) -> None:
        super().__init__()
        self.key, self.footer, self.marks = key, footer, marks
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.marks[self.key] = self.canv.getPageNumber()
        self.marks["_footer"] = self.footer


def letter_flowables(letter: Letter, marks: dict | None = None) -> list[Flowable]:
    """Everything one letter prints, starting on a fresh page."""
    words = letter.words
    st = styles()
    footer = words["family_code"].format(code=letter.family_code) if letter.family_code else ""
    story: list[Flowable] = [PageMark(id(letter), footer, marks if marks is not None else {})]
    story += letterhead_flowables(letter.letterhead)
    story.append(Paragraph(clean(letter.date_text), st["body"]))
    story.append(Paragraph(clean(words["title"]), st["title"]))
    story.append(Paragraph(clean(words["greeting"]), st["body"]))
    story.append(Paragraph(clean(words["intro"]), st["body"]))
    for service in letter.services:
        story.append(Paragraph(clean(service.name), st["service"]))
        details = (
            ("ask_for", service.ask_for),
            ("for", service.description),
            ("phone", service.phone),
            ("website", service.website),
            ("address", service.address),
            ("hours", service.hours),
            ("eligibility", service.eligibility),
            ("bring", service.what_to_bring),
        )
        # keepWithNext on the heading instead of KeepTogether: a block that fits is rarely
        # split anyway, and KeepTogether lays every block out twice (half the render time).
        for key, value in details:
            if value:
                story.append(Paragraph(f"{label(clean(words[key]))} {clean(value)}", st["detail"]))
        if service.fell_back:
            story.append(Paragraph(clean(words["fallback"]), st["small"]))
    story.append(Spacer(1, 12))
    contact = []
    if letter.worker_name:
        worker = clean(letter.worker_name)
        if letter.worker_title:
            worker += ", " + clean(letter.worker_title)
        if letter.worker_phone:
            worker += " · " + clean(letter.worker_phone)
        contact.append(f"{label(clean(words['worker']))} {worker}")
    if letter.letterhead.phone:
        contact.append(f"{label(clean(words['unit_phone']))} {clean(letter.letterhead.phone)}")
    story.append(
        KeepTogether(
            [Paragraph(clean(words["contact"]), st["body"])]
            + [Paragraph(line, st["body"]) for line in contact]
            + [Paragraph(clean(words["emergency"]), st["small"])]
        )
    )
    return story


class _Document(SimpleDocTemplate):
    """The letter page format; draws the current letter's footer on every page it ends."""

    def __init__(self, buffer: io.BytesIO, title: str, marks: dict) -> None:
        super().__init__(
            buffer,
            pagesize=LETTER,
            leftMargin=2 * cm,
            rightMargin=2 * cm,
            topMargin=1.8 * cm,
            bottomMargin=1.8 * cm,
            title=title,
            author="",
            subject="",
            creator="",
            invariant=1,
            # Otherwise the canvas starts every page in Helvetica, a font that is not embedded.
            initialFontName=register_fonts()[0],
        )
        self.marks = marks

    def handle_pageEnd(self) -> None:  # noqa: N802 - reportlab's name
        footer = self.marks.get("_footer")
        if footer:
            self.canv.saveState()
            self.canv.setFont(register_fonts()[0], 8)
            self.canv.drawRightString(LETTER[0] - 2 * cm, 1 * cm, footer)
            self.canv.restoreState()
        super().handle_pageEnd()


def build(story: list[Flowable], title: str, marks: dict | None = None) -> tuple[bytes, dict]:
    buffer = io.BytesIO()
    marks = {} if marks is None else marks
    doc = _Document(buffer, title, marks)
    doc.build(story)
    return buffer.getvalue(), {**marks, "_pages": doc.page}


def render(letters: Sequence[Letter]) -> bytes:
    """One PDF holding every letter, each starting on a new page."""
    return render_letters(letters)[0]


def render_letters(letters: Sequence[Letter]) -> tuple[bytes, dict]:
    marks: dict = {}
    story: list[Flowable] = []
    for index, letter in enumerate(letters):
        if index:
            story.append(PageBreak())
        story.extend(letter_flowables(letter, marks))
    title = letters[0].words["title"] if letters else ""
    return build(story, title, marks)


def build_document(story: list[Flowable], title: str) -> bytes:
    """Lay out any story on the letter page format (used by paper forms)."""
    return build(story, title)[0]


def random_filename(prefix: str) -> str:
    """A download name that says nothing about the family: prefix-<random hex>.pdf."""
    return f"{prefix}-{os.urandom(6).hex()}.pdf"
