"""This product's own directory fields that HSDS has no column for, as HSDS attributes.

Referral category, need domains, the sensitive/placeholder flags, resource tags, the unit's
priority per need and the Spanish text of name, description, hours, eligibility and what to
bring travel as `attributes` rows pointing at `taxonomy_terms` rows of the product's own
taxonomy (`taxonomy` = "nicu-screening"); the Spanish text, the tag and `need=priority` are
the attribute's `value`. This is HSDS's own extension point, so other tools
keep (or safely skip) these rows, and no extra table is needed.
"""

from __future__ import annotations

import re
import uuid

from ..identifiers import DOMAINS
from ..identifiers import REFERRAL_CATEGORIES

TAXONOMY = "nicu-screening"
NAMESPACE = uuid.UUID("5b0e7c52-0f0c-4b57-9d7e-2f4a3f1c9a10")
FLAGS = ("sensitive", "placeholder")
# directory field -> attribute term code
SPANISH = {
    "name_es": "translation:name:es",
    "description_es": "translation:description:es",
    "hours_es": "translation:hours:es",
    "eligibility_es": "translation:eligibility:es",
    "what_to_bring_es": "translation:what_to_bring:es",
}


TAG = "tag"
PRIORITY = "priority"
# Codes a service may carry more than once (one row per value): the value is part of the id.
MULTI = frozenset({TAG, PRIORITY})
_PRIORITY = re.compile(r"^([a-z_*]+)=(-?\d{1,9})$")


def uid(*parts: str) -> str:
    """A stable id for a row this product generates (the same input gives the same id)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _terms() -> list[tuple[str, str, str]]:
    rows = [("domain:" + d, d.replace("_", " "), "Need domain served") for d in DOMAINS]
    rows += [
        ("category:" + c, c.replace("_", " "), "Referral category") for c in REFERRAL_CATEGORIES
    ]
    rows.append(("flag:sensitive", "sensitive", "Never printed on a family letter"))
    rows.append(("flag:placeholder", "placeholder", "The site fills in its own details"))
    for field, code in SPANISH.items():
        label = field.removesuffix("_es").replace("_", " ")
        rows.append((code, f"{label} (Spanish)", f"The service's {label} in Spanish"))
    rows.append((TAG, "resource tag", "A resource tag used to match needs (the value)"))
    rows.append((PRIORITY, "unit priority", "need=number: higher is offered first"))
    return rows


TERMS = _terms()
CODES = frozenset(code for code, _, _ in TERMS)


def term_rows() -> list[dict[str, str]]:
    return [
        {
            "id": uid("term", code),
            "code": code,
            "name": name,
            "description": description,
            "taxonomy": TAXONOMY,
            "language": "en",
        }
        for code, name, description in TERMS
    ]


def attributes_of(record: dict) -> list[tuple[str, str]]:
    """(term code, value) pairs describing a directory record's own fields."""
    pairs = [("category:" + record["category"], "")]
    domains = sorted(record.get("domains") or [], key=DOMAINS.index)
    pairs += [("domain:" + d, "") for d in domains]
    pairs += [("flag:" + f, "") for f in FLAGS if record.get(f)]
    pairs += [(code, record[field]) for field, code in SPANISH.items() if record.get(field)]
    pairs += [(TAG, tag) for tag in record.get("tags") or []]
    pairs += [(PRIORITY, f"{k}={v}") for k, v in sorted((record.get("priorities") or {}).items())]
    return pairs


def attribute_id(service_id: str, code: str, value: str) -> str:
    """The stable id of one of our attribute rows."""
    if code in MULTI:
        return uid("attribute", service_id, code, value)
    return uid("attribute", service_id, code)


def apply(record: dict, code: str, value: str) -> str | None:
    """Set a record's field from one of our attributes; a problem message if it conflicts."""
    kind, _, name = code.partition(":")
    if kind == "translation":
        field = next(f for f, c in SPANISH.items() if c == code)
        record[field] = value
    elif kind == "domain" and name not in record["domains"]:
        record["domains"].append(name)
    elif kind == "flag":
        record[name] = 1
    elif code == TAG:
        if value and value not in record["tags"]:
            record["tags"].append(value)
    elif code == PRIORITY:
        match = _PRIORITY.match(value)
        if match is None:
            return f"{value[:60]!r} is not need=number"
        record["priorities"][match[1]] = int(match[2])
    elif kind == "category":
        if record["category"] not in (None, name):
            return "a second referral category for the same service"
        record["category"] = name
    return None
