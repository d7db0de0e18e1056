"""Refuse free text that names a family: their names or record numbers, however written.

Quality notes and action plans are read by managers and leadership, who must never see PHI.
A note is compared, word by word, with the names and record numbers the database holds:
case, accents and punctuation do not hide a match ("GARCÍA" = "garcia", "mrn-123" = "MRN123"),
and a name matches as a whole word, so "Rose" is refused but "rosemary" is not. Words that are
also everyday words in a quality note (see COMMON_WORDS) match only as part of a full name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

# Parts of names that are also words a plan uses ("Baby", "Parent", "Will", "May").
COMMON_WORDS = frozenset(
    """baby babies boy girl twin twins parent parents mother father mom dad partner family
    test demo patient unknown will may june april august rose grace hope joy faith case
    care plan goal target month year week day team unit nicu staff nurse doctor""".split()
)
MIN_PART = 3
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case, accents removed (NFKD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of a text, punctuation dropped."""
    return _WORD.findall(fold(text))


def compact(text: str) -> str:
    """A record number with case and punctuation dropped ("MRN-00123" -> "mrn00123")."""
    return "".join(words(text))


@dataclass(frozen=True)
class Identifiers:
    """What to look for: whole names (as word tuples), single name parts, record numbers."""

    names: Mapping[str, frozenset[tuple[str, ...]]]  # full names by their first word
    parts: frozenset[str]
    numbers: frozenset[str]

    @classmethod
    def build(cls, names: Iterable[str], numbers: Iterable[str]) -> Identifiers:
        full: dict[str, set[tuple[str, ...]]] = {}
        parts: set[str] = set()
        for name in names:
            ws = tuple(words(name or ""))
            if len(ws) > 1:
                full.setdefault(ws[0], set()).add(ws)
            parts.update(w for w in ws if len(w) >= MIN_PART and w not in COMMON_WORDS)
        kept = {compact(n) for n in numbers if n and len(compact(n)) >= MIN_PART}
        by_first = {k: frozenset(v) for k, v in full.items()}
        return cls(by_first, frozenset(parts), frozenset(kept))


def findings(text: str, ids: Identifiers) -> list[str]:
    """Why the text is refused: "a name", "a record number" (empty when it may be stored).

    The finding never repeats what matched, so the message cannot itself leak it.
    """
    ws = words(text)
    found = []
    if any(w in ids.parts for w in ws) or any(
        tuple(ws[i : i + len(n)]) == n for i, w in enumerate(ws) for n in ids.names.get(w, ())
    ):
        found.append("a name")
    # Adjacent words joined too, so "MRN 00123" matches the stored "MRN00123".
    joined = set(ws) | {a + b for a, b in zip(ws, ws[1:], strict=False)}
    if joined & ids.numbers:
        found.append("a record number")
    return found
