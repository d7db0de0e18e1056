"""Mutation check: remove a protection from a copy of the app and the suite must go red.

Three mutations from issue 15 and two of the connection a serving thread keeps between
requests (issue 10), each applied alone to a copy in a temporary folder:
CSRF dropped for every endpoint but sign-in (the global check and the forms' own token),
the caregiver ownership check dropped, and parent mode's screening-id check dropped.
Each patch names the exact text it replaces, so a refactor that moves the protection
fails here loudly instead of silently mutating nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MUTATIONS = {
    "csrf outside sign-in": (
        "screening/platform/web_security.py",
        "    csrf.init_app(app)\n",
        "    csrf.init_app(app)\n"
        '    app.config["WTF_CSRF_CHECK_DEFAULT"] = False\n'
        "    app.before_request(lambda: setattr(g, 'csrf_valid', request.endpoint not in "
        "('auth.login', 'auth.login_totp')))\n",
        ["tests/test_security_csrf.py"],
    ),
    "caregiver ownership": (
        "screening/families/store.py",
        '_owned(db, "caregivers", caregiver["id"], family_id)',
        "pass",
        [
            "tests/test_security_tamper.py::test_a_tampered_caregiver_id_moves_no_other_familys_parent"
        ],
    ),
    "parent-mode screening check": (
        "screening/screenings/views_parent.py",
        'request.endpoint == "static" or args.get("screening_id") == held',
        "True",
        [
            "tests/test_security_tamper.py::test_a_parent_on_the_tablet_cannot_open_another_screening"
        ],
    ),
    "kept connection not rolled back": (
        "screening/platform/db.py",
        "    db.rollback()\n    held = getattr(_THREAD",
        "    held = getattr(_THREAD",
        ["tests/test_connections.py::test_a_transaction_left_open_is_rolled_back_not_carried_on"],
    ),
    "failed request's connection kept": (
        "screening/platform/db.py",
        "        if exc is None:\n            return\n",
        "        return\n",
        [
            "tests/test_connections.py::test_a_failed_request_does_not_leave_its_snapshot_to_the_next"
        ],
    ),
}


def copy_project(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "browser", "*.sqlite*")
    for name in ("screening", "forms", "tests"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")


def run_tests(project: Path, tests: list[str]) -> subprocess.CompletedProcess:
    # pytest's pythonpath = ["."] puts the copy ahead of the installed checkout.
    return subprocess.run(  # noqa: S603 - our own interpreter and test ids
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MUTATIONS))
def test_removing_a_protection_turns_the_suite_red(tmp_path, name):
    path, old, new, tests = MUTATIONS[name]
    copy_project(tmp_path)
    control = run_tests(tmp_path, tests)
    assert control.returncode == 0, f"the tests fail even unmutated:\n{control.stdout[-2000:]}"
    target = tmp_path / path
    text = target.read_text()
    assert text.count(old) == 1, f"{name}: the protected code moved; update the patch"
    target.write_text(text.replace(old, new))
    mutated = run_tests(tmp_path, tests)
    assert mutated.returncode != 0, f"{name} removed and still green:\n{mutated.stdout[-2000:]}"
