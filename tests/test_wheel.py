"""A wheel built from the project installs and runs outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project's wheel installed (without its dependencies, which this venv has)."""
    folder = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    subprocess.run([*build, "-q", "-w", str(folder), str(ROOT)], check=True, cwd=folder)
    wheel = next(folder.glob("screening-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "screening/_forms/schema.json" in names
    assert "screening/translations/es/LC_MESSAGES/messages.mo" in names
    target = folder / "site"
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target"]
    subprocess.run([*install, str(target), str(wheel)], check=True, cwd=folder)
    return target


def flask(site: Path, instance: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site), "SCREENING_INSTANCE": str(instance)}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "screening", *args],
        cwd=instance.parent,  # not the checkout: nothing may be found through it
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_installed_wheel_checks_forms_and_builds_the_demo(installed, tmp_path):
    instance = tmp_path / "instance"
    where = subprocess.run(
        [sys.executable, "-c", "import screening; print(screening.__file__)"],
        env={**os.environ, "PYTHONPATH": str(installed)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(installed))  # the wheel's copy, not the checkout's
    checked = flask(installed, instance, "check-forms")
    assert checked.returncode == 0, checked.stderr
    assert str(installed / "screening" / "_forms") in checked.stdout
    built = flask(installed, instance, "init-db", "--demo")
    assert built.returncode == 0, built.stderr
    assert "Demo data" in built.stdout
    assert (instance / "screening.sqlite").exists()
