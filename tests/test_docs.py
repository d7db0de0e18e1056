"""The README documents every setting the code reads and every command the app offers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from screening.platform.settings import Defaults

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Keys Flask or the app factory set for themselves, not a site's settings.
INTERNAL = {"DATABASE", "INSTANCE_FORMS", "TESTING", "SECRET_KEY", "DEBUG", "WTF_CSRF_ENABLED"}
FLASK_KEYS = re.compile(r"^(SESSION_COOKIE_|WTF_|MAX_CONTENT_LENGTH$)")


def keys_read_by_the_code() -> set[str]:
    """Every UPPER_CASE string used as a config key: config["X"], config.get("X"), cfg[...]."""
    found = set()
    for path in (ROOT / "screening").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            key = None
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                owner = node.value
                key = node.slice.value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                owner = node.func.value
                key = node.args[0].value
            else:
                continue
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name in ("config", "cfg") and isinstance(key, str) and re.fullmatch(r"[A-Z_]+", key):
                found.add(key)
    return found - INTERNAL


def readme_config_keys() -> set[str]:
    table = README.split("## Configuration", 1)[1]
    return set(re.findall(r"`([A-Z][A-Z_]{2,})`", table))


def test_every_setting_the_code_reads_has_a_default():
    defaults = {k for k in vars(Defaults) if k.isupper()}
    missing = sorted(keys_read_by_the_code() - defaults)
    assert not missing, f"settings read by the code without a default in Defaults: {missing}"


def test_every_setting_is_in_the_readme_configuration_section():
    defaults = {k for k in vars(Defaults) if k.isupper() and not FLASK_KEYS.match(k)}
    missing = sorted((defaults | keys_read_by_the_code()) - INTERNAL - readme_config_keys())
    assert not missing, f"settings missing from README's Configuration section: {missing}"


def test_every_command_is_in_the_readme_command_table(app):
    ours = {
        name
        for name, command in app.cli.commands.items()
        if command.callback is not None
        and getattr(command.callback, "__module__", "").startswith("screening")
    }
    table = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z-]+)", table, flags=re.M))
    listed |= set(re.findall(r"`([a-z][a-z-]+)(?: [A-Z]|`)", table))
    missing = sorted(ours - listed)
    assert not missing, f"commands missing from README's command table: {missing}"
