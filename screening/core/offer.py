"""Which instruments may be offered, and in which order they run."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence

from .instruments import Registry

# Family social needs first (once per family), then each parent's mood, then worry: the
# order a social worker talks through, and the one the issue asks for by default.
DEFAULT_ORDER = ("ahc_core", "nicu_needs", "phq9", "gad7", "epds")


def offerable(registry: Registry) -> list[str]:
    """Instruments that may be offered on the tablet or on paper, in the default order.

    A placeholder file (the EPDS shell before a site installs the licensed wording) would
    show "EPDS item 1 / Answer 1" to a parent and score answers to questions never asked.
    """
    usable = [i for i, inst in registry.instruments.items() if not inst.placeholder]
    return instrument_order(registry, usable)


def instrument_order(
    registry: Registry, chosen: Iterable[str], site_order: Sequence[str] | None = None
) -> list[str]:
    """`chosen` in the site's order (default DEFAULT_ORDER); instruments it does not list
    follow, family-level ones before the parents', each group in the order given."""
    order = list(site_order or DEFAULT_ORDER)
    chosen = list(dict.fromkeys(chosen))

    def key(pair: tuple[int, str]) -> tuple[int, int, int]:
        at, instrument_id = pair
        listed = order.index(instrument_id) if instrument_id in order else len(order)
        instrument = registry.instruments.get(instrument_id)
        family_first = 0 if instrument is not None and instrument.respondent == "family" else 1
        return listed, family_first, at

    return [i for _, i in sorted(enumerate(chosen), key=key)]
