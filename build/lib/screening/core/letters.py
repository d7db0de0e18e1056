"""Referral letters as PDF (reportlab) with an embedded TTF font, in English or Spanish.

The caller decides what goes on a letter (privacy rules live in screening.referrals); this
module only lays it out. Every piece of text is treated as untrusted: escaped for reportlab's
Paragraph markup and stripped of characters the font cannot draw.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable
from reportlab.platypus import HRFlowable
from reportlab.platypus import Image
from reportlab.platypus import KeepTogether
from reportlab.platypus import PageBreak
from reportlab.platypus import Paragraph
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import Spacer

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
VERA = Path(reportlab.__file__).parent / "fonts"
FONT = "LetterSans"
FONT_BOLD = "LetterSans-Bold"
LANGUAGES = ("en", "es")
INK = colors.HexColor("#12355b")

MONTHS = {
    "en": "January February March April May June July August September October November "
    "December".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre".split(),
}
TEXT = {
    "en": {
        "title": "Services to help your family",
        "private_title": "Services for you (private)",
        "greeting": "Dear family,",
        "private_greeting": "This letter is for you alone.",
        "intro": "These are the services we talked about. Contacting them is your choice, "
        "and they are here to help you and your baby.",
        "private_intro": "These are the services we talked about. Keep this letter in a "
        "private place. You can call any of them when it is safe for you.",
        "none": "No services have been chosen yet. Your social worker can help you find "
        "services at any time.",
        "for": "What it is for",
        "phone": "Phone",
        "website": "Website",
        "address": "Address",
        "hours": "Hours",
        "bring": "What to bring",
        "eligibility": "Who can use it",
        "worker": "Your social worker",
        "contact": "Questions? Call us.",
        "unit_phone": "Unit phone",
        "emergency": "In an emergency, call 911.",
    },
    "es": {
        "title": "Servicios para ayudar a su familia",
        "private_title": "Servicios para usted (privado)",
        "greeting": "Estimada familia:",
        "private_greeting": "Esta carta es solo para usted.",
        "intro": "Estos son los servicios de los que hablamos. Usted decide si los "
        "contacta; están para ayudarle a usted y a su bebé.",
        "private_intro": "Estos son los servicios de los que hablamos. Guarde esta carta en "
        "un lugar privado. Puede llamar a cualquiera de ellos cuando sea seguro para usted.",
        "none": "Todavía no se ha elegido ningún servicio. Su trabajador social puede "
        "ayudarle a encontrar servicios en cualquier momento.",
        "for": "Para qué sirve",
        "phone": "Teléfono",
        "website": "Sitio web",
        "address": "Dirección",
        "hours": "Horario",
        "bring": "Qué llevar",
        "eligibility": "Quién puede usarlo",
        "worker": "Su trabajador social",
        "contact": "¿Preguntas? Llámenos.",
        "unit_phone": "Teléfono de la unidad",
        "emergency": "En una emergencia, llame al 911.",
    },
}


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


@dataclass(frozen=True)
class Letter:
    """One letter: a family letter, or a private one for a single parent."""

    language: str
    letterhead: Letterhead
    date: dt.date
    worker_name: str = ""
    worker_phone: str = ""
    services: Sequence[LetterService] = field(default_factory=tuple)
    private: bool = False


@functools.cache
def register_fonts() -> tuple[str, str]:
    """Register and return (regular, bold) font names; DejaVu when installed, else Vera."""
    if (DEJAVU / "DejaVuSans.ttf").exists() and (DEJAVU / "DejaVuSans-Bold.ttf").exists():
        regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    else:
        regular, bold = VERA / "Vera.ttf", VERA / "VeraBd.ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )
    return FONT, FONT_BOLD


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


def format_date(day: dt.date, language: str) -> str:
    """A date written out the way a family reads it, in English or Spanish."""
    month = MONTHS[language][day.month - 1]
    if language == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{month} {day.day}, {day.year}"


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


def letter_flowables(letter: Letter) -> list[Flowable]:
    """Everything one letter prints, starting on a fresh page."""
    lang = letter.language if letter.language in LANGUAGES else "en"
    words = TEXT[lang]
    st = styles()
    story = letterhead_flowables(letter.letterhead)
    story.append(Paragraph(clean(format_date(letter.date, lang)), st["body"]))
    story.append(Paragraph(words["private_title" if letter.private else "title"], st["title"]))
    story.append(Paragraph(words["private_greeting" if letter.private else "greeting"], st["body"]))
    story.append(Paragraph(words["private_intro" if letter.private else "intro"], st["body"]))
    if not letter.services:
        story.append(Paragraph(words["none"], st["body"]))
    for service in letter.services:
        block = [Paragraph(clean(service.name), st["service"])]
        details = (
            ("for", service.description),
            ("phone", service.phone),
            ("website", service.website),
            ("address", service.address),
            ("hours", service.hours),
            ("eligibility", service.eligibility),
            ("bring", service.what_to_bring),
        )
        for key, value in details:
            if value:
                block.append(Paragraph(f"{label(words[key])} {clean(value)}", st["detail"]))
        # keepWithNext on the heading instead of KeepTogether: a block that fits is rarely
        # split anyway, and KeepTogether lays every block out twice (half the render time).
        story.extend(block)
    story.append(Spacer(1, 12))
    contact = []
    if letter.worker_name:
        worker = clean(letter.worker_name)
        if letter.worker_phone:
            worker += " · " + clean(letter.worker_phone)
        contact.append(f"{label(words['worker'])} {worker}")
    if letter.letterhead.phone:
        contact.append(f"{label(words['unit_phone'])} {clean(letter.letterhead.phone)}")
    story.append(
        KeepTogether(
            [Paragraph(words["contact"], st["body"])]
            + [Paragraph(line, st["body"]) for line in contact]
            + [Paragraph(words["emergency"], st["small"])]
        )
    )
    return story


def _document(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
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


def render(letters: Sequence[Letter]) -> bytes:
    """One PDF holding every letter, each starting on a new page."""
    buffer = io.BytesIO()
    story: list[Flowable] = []
    for index, letter in enumerate(letters):
        if index:
            story.append(PageBreak())
        story.extend(letter_flowables(letter))
    if not story:
        story.append(Paragraph("No letters to print.", styles()["body"]))
    title = TEXT.get(letters[0].language, TEXT["en"])["title"] if letters else "Letters"
    _document(buffer, title).build(story)
    return buffer.getvalue()


def build_document(story: list[Flowable], title: str) -> bytes:
    """Lay out any story on the letter page format (used by paper forms)."""
    buffer = io.BytesIO()
    _document(buffer, title).build(story)
    return buffer.getvalue()


def random_filename(prefix: str) -> str:
    """A download name that says nothing about the family: prefix-<random hex>.pdf."""
    return f"{prefix}-{os.urandom(6).hex()}.pdf"
