"""Family-facing interface text from forms/ui.yaml, validated at start-up."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import Flask
from flask import current_app

from screening.platform.resources import SHIPPED_FORMS

UI_FILE = SHIPPED_FORMS / "ui.yaml"


class UiTextError(Exception):
    """A problem in forms/ui.yaml, with the key and language named."""


def load(path: Path = UI_FILE) -> dict:
    """Read and check the file: every key in every section has every language."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UiTextError(f"{path.name}: cannot be read: {exc}") from None
    languages = data.get("languages") if isinstance(data, dict) else None
    if not languages:
        raise UiTextError(f"{path.name}: needs a `languages` list")
    problems = []
    for section in ("text", "domains"):
        entries = data.get(section)
        if not isinstance(entries, dict):
            problems.append(f"{path.name}: section `{section}` is missing")
            continue
        for key, texts in entries.items():
            for lang in languages:
                if not isinstance(texts, dict) or not str(texts.get(lang) or "").strip():
                    problems.append(f"{path.name}: {section}.{key}: no `{lang}` text")
    if problems:
        raise UiTextError("\n".join(problems))
    return data


def text(key: str, lang: str, **values) -> str:
    """Interface text in a language (English when the language has none)."""
    entries = current_app.extensions["ui_text"]["text"][key]
    return (entries.get(lang) or entries["en"]).format(**values)


def domain_label(domain: str, lang: str = "en") -> str:
    """A domain's plain-language name."""
    entries = current_app.extensions["ui_text"]["domains"].get(domain)
    if not entries:
        return domain.replace("_", " ")
    return entries.get(lang) or entries["en"]


def languages() -> list[str]:
    """Languages the family-facing text is available in."""
    return list(current_app.extensions["ui_text"]["languages"])


def init_app(app: Flask) -> None:
    """Load the text once and expose t() and domain_label() to templates."""
    app.extensions["ui_text"] = load()
    app.jinja_env.globals.update(t=text, domain_label=domain_label)
