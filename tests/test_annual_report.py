"""The annual equity report: one command and one button, a summary page first, no PHI."""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest


def pdf_pages(path) -> list[str]:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode().split("\f")


def test_the_command_writes_a_report_whose_first_page_is_the_summary(app, runner, db, tmp_path):
    out = tmp_path / "equity-2025.pdf"
    result = runner.invoke(args=["equity-report", "--year", "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out)
    first = pages[0]
    unit = app.config["UNIT_NAME"]
    assert f"{unit}: equity report 2025" in first and "Generated" in first
    for heading in ("What is flagged", "What changed", "Action plans and their status"):
        assert heading in first
    # The plain sentence about significance comes before the methods, on the first page.
    assert first.index("unlikely to be chance") < first.index("Methods:")
    assert "hidden" in first and "<11" not in "".join(pages)
    rest = "".join(pages[1:])
    assert "Care cascade by race and ethnicity" in rest and "Screened, month by month" in rest
    assert "Care by preferred language" in rest
    everything = "".join(pages)
    for (name,) in db.execute("SELECT name FROM caregivers UNION SELECT mrn FROM families"):
        assert name not in everything


def test_the_first_page_renders_as_an_image(runner, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    out = tmp_path / "r.pdf"
    runner.invoke(args=["equity-report", "--year", "2025", "--out", str(out)])
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(tmp_path / "p")],
        check=True,
    )
    png = next(tmp_path.glob("p*.png")).read_bytes()
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (510, 660)  # US letter at 60 dpi, portrait


@pytest.mark.parametrize(("year", "message"), [("25", "YYYY"), ("2999", "future")])
def test_a_bad_year_is_one_line_and_exit_2(runner, tmp_path, year, message):
    result = runner.invoke(args=["equity-report", "--year", year, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_page_button_downloads_the_same_report(manager_client):
    page = manager_client.get("/reports/equity").get_data(as_text=True)
    assert "/reports/equity-report" in page
    response = manager_client.get("/reports/equity-report?year=2025")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert manager_client.get("/reports/equity-report?year=3000").status_code == 400
