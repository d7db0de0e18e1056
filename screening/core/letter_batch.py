"""A day's batch of letters: a staff cover sheet with each family's pages, then the letters.

The cover sheet names families (staff only); each letter carries only a family code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace

from reportlab.platypus import Flowable
from reportlab.platypus import PageBreak
from reportlab.platypus import Paragraph

from screening.core import letters
from screening.core.letters import Letter

COVER_KEYS = ("cover_title", "cover_warning", "pages")


@dataclass(frozen=True)
class CoverRow:
    """One family on the staff cover sheet of a batch (staff only: it names the family)."""

    name: str
    mrn: str
    bed: str
    family_code: str
    key: object = None


def cover_flowables(
    rows: Sequence[CoverRow], pages: Mapping[object, tuple[int, int]], words: Mapping[str, str]
) -> list[Flowable]:
    """The cover sheet: a title, a warning, and one line per family with its letter's pages."""
    st = letters.styles()
    story: list[Flowable] = [
        Paragraph(letters.clean(words["cover_title"]), st["title"]),
        Paragraph(letters.clean(words["cover_warning"]), st["body"]),
    ]
    for row in rows:
        first, last = pages.get(row.key, (0, 0))
        span = words["pages"].format(first=first, last=last) if first else ""
        line = " · ".join(
            letters.clean(x) for x in (row.name, row.mrn, row.bed, row.family_code, span) if x
        )
        story.append(Paragraph(line, st["detail"]))
    story.append(PageBreak())
    return story


def family_code(secret: bytes, family_id: int) -> str:
    """Six letters and digits derived from the family id with a secret: no PHI, not guessable."""
    digest = hmac.new(secret, str(family_id).encode(), hashlib.sha256).digest()
    return base64.b32encode(digest)[:6].decode()


def page_spans(batch: Sequence[Letter], marks: Mapping, offset: int = 0) -> dict:
    """(first, last) page of each letter from the marks a build left, shifted by `offset`."""
    starts = [marks[id(letter)] for letter in batch]
    ends = [s - 1 for s in starts[1:]] + [marks["_pages"]]
    return {id(lt): (s + offset, e + offset) for lt, s, e in zip(batch, starts, ends, strict=True)}


def render_batch(
    batch: Sequence[Letter], rows: Sequence[CoverRow], words: Mapping[str, str]
) -> bytes:
    """A staff cover sheet (each family with its letter's pages), then every letter.

    Page numbers are only known after layout, so the letters are laid out once to count
    their pages, the cover once to count its own, and then the whole batch for real.
    """
    if not batch:
        return letters.build(cover_flowables([], {}, words), words["cover_title"])[0]
    _data, marks = letters.render_letters(batch)
    keyed = [replace(r, key=id(lt)) for r, lt in zip(rows, batch, strict=True)]
    spans = page_spans(batch, marks)
    cover_pages = letters.build(cover_flowables(keyed, spans, words)[:-1], "")[1]["_pages"]
    spans = page_spans(batch, marks, offset=cover_pages)
    story = cover_flowables(keyed, spans, words)
    final_marks: dict = {}
    for index, letter in enumerate(batch):
        if index:
            story.append(PageBreak())
        story.extend(letters.letter_flowables(letter, final_marks))
    return letters.build(story, words["cover_title"], final_marks)[0]
