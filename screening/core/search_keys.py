"""Search keys that forgive: accents, case, punctuation, MRN ends and phone digits.

People type on a tablet without accents ("rodriguez" for Rodríguez), remember the end of an
MRN from a wristband, or read a phone number in any format. Each family gets a set of
prefix-searchable terms; an MRN and a phone number are also stored reversed so that their
last characters are a prefix too. The terms are plain strings so one B-tree index serves
every kind of lookup.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Kinds of term, best match first (ranking uses this order).
MRN, MRN_END, PHONE, PHONE_END, NAME = "mrn", "mrn_end", "phone", "phone_end", "name"
RANK = {MRN: 0, MRN_END: 1, PHONE: 2, PHONE_END: 2, NAME: 3}
# Shorter digit runs match too many numbers to be worth a phone lookup.
MIN_PHONE_DIGITS = 4
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces: 'Rodríguez-Peña' -> 'rodriguez pena'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(bare.casefold()))


def digits(text: str) -> str:
    """Only the digits of a phone number, whatever its format."""
    return "".join(c for c in text or "" if c.isdigit())


def mrn_key(mrn: str) -> str:
    """An MRN as compared: upper case, letters and digits only."""
    return "".join(c for c in (mrn or "").upper() if c.isalnum())


def term(kind: str, value: str) -> str:
    """The stored form of a term: its kind, then its value (one index serves every kind)."""
    return f"{kind}:{value}"


def family_terms(mrns: Iterable[str], names: Iterable[str], phones: Iterable[str]) -> set[str]:
    """Every term a family can be found by."""
    terms: set[str] = set()
    for mrn in mrns:
        key = mrn_key(mrn)
        if key:
            terms |= {term(MRN, key), term(MRN_END, key[::-1])}
    for name in names:
        terms |= {term(NAME, word) for word in fold(name).split()}
    for phone in phones:
        number = digits(phone)
        if len(number) >= MIN_PHONE_DIGITS:
            terms |= {term(PHONE, number), term(PHONE_END, number[::-1])}
    return terms


@dataclass(frozen=True)
class Probe:
    """One prefix lookup: families with a term starting with `prefix` match `group`.

    A family must match every group (each word of a name query) to be found.
    """

    kind: str
    prefix: str
    group: int


def probes(query: str) -> list[Probe]:
    """The prefix lookups a typed query needs: MRN start or end, phone start or end, and each
    word of a name."""
    found: list[Probe] = []
    key = mrn_key(query)
    words = fold(query).split()
    if key and not any(c.isspace() for c in query.strip()) and any(c.isdigit() for c in key):
        found += [Probe(MRN, term(MRN, key), 0), Probe(MRN_END, term(MRN_END, key[::-1]), 0)]
    number = digits(query)
    if len(number) >= MIN_PHONE_DIGITS and not any(c.isalpha() for c in query):
        found += [
            Probe(PHONE, term(PHONE, number), 0),
            Probe(PHONE_END, term(PHONE_END, number[::-1]), 0),
        ]
    if not found:
        found += [Probe(NAME, term(NAME, word), n) for n, word in enumerate(words)]
    return found


def rank(hits: Iterable[tuple[int, Probe, bool]], groups: int) -> dict[int, int]:
    """{family id: score} for families matching every group; lower scores are better.

    `hits` are (family id, probe, exact) rows: an exact MRN or word beats a prefix, an MRN
    beats a phone number, a phone number beats a name.
    """
    best: dict[int, dict[int, int]] = {}
    for family_id, probe, exact in hits:
        score = RANK[probe.kind] * 2 + (0 if exact else 1)
        per_group = best.setdefault(family_id, {})
        per_group[probe.group] = min(score, per_group.get(probe.group, score))
    return {
        family_id: sum(scores.values())
        for family_id, scores in best.items()
        if len(scores) == groups
    }
