"""Streamed import-results and extract: a million history rows through the real CLI, peak memory.

Target (issue 16): importing a million rows peaks under 500 MB (the child's max RSS, which
counts everything: interpreter, app, SQLite cache). The extract of the same unit is streamed
too; its peak is reported. Env: BENCH_IMPORT_ROWS (default 1,000,000).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench import unit
from bench import unit_history
from bench.common import verdict

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
TARGET_MIB = 500


def _cli(instance: Path, *args: str) -> tuple[float, float, str]:
    """Run one flask command in a fresh process: seconds, its peak RSS in MiB, its output."""
    code = (
        "import resource, sys\n"
        "from flask.cli import main\n"
        "try:\n    main()\n"
        "finally:\n"
        "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    print(f'peak_kib={peak}', file=sys.stderr)\n"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, "--app", "screening", *args],
        env=unit.instance_env(instance),
        cwd=unit.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    peak = int(done.stderr.rsplit("peak_kib=", 1)[-1].split()[0]) / 1024
    return seconds, peak, (done.stdout + done.stderr).strip().splitlines()[0]


def run() -> list[str]:
    instance = unit.working_copy(unit.cached(10_000, 1_000))
    csv_path = instance / "history.csv"
    with open(csv_path, "w", encoding="utf-8") as fh:
        fh.writelines(unit_history.history_csv(ROWS, seed=99))
    size_mib = csv_path.stat().st_size / 2**20
    base_start = time.perf_counter()
    with open(csv_path, encoding="utf-8") as fh:
        lines = sum(1 for _ in fh)
    bare = time.perf_counter() - base_start
    seconds, peak, said = _cli(instance, "import-results", str(csv_path))
    out = [
        f"import-results {ROWS} rows ({size_mib:.0f} MiB CSV): {seconds:.1f} s; bare read of the "
        f"file's {lines} lines {bare:.2f} s; peak RSS {peak:.0f} MiB "
        f"(target < {TARGET_MIB} MiB) {verdict(peak < TARGET_MIB)}",
        f"   CLI said: {said}",
    ]
    seconds, peak, said = _cli(instance, "extract", "--out", str(instance / "extract.csv"))
    out.append(f"extract: {seconds:.1f} s; peak RSS {peak:.0f} MiB; CLI said: {said}")
    for path in instance.iterdir():
        path.unlink()
    instance.rmdir()
    return out
