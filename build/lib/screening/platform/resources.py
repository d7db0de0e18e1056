"""Where the data that ships with the code lives, in a checkout and in an installed wheel.

The design keeps instruments in a top-level `forms/` folder; a wheel carries the same files
inside the package as `screening/_forms` (see pyproject.toml), so one place resolves them.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def _shipped_forms() -> Path:
    installed = PACKAGE / "_forms"
    return installed if installed.is_dir() else PACKAGE.parent / "forms"


SHIPPED_FORMS = _shipped_forms()
