"""Run every benchmark module (`make bench`) and print its ratios against a bare baseline."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time

import bench


def main(selected: list[str]) -> int:
    failed = 0
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        if selected and info.name not in selected:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        started = time.perf_counter()
        print(f"== {info.name}: {module.__doc__.strip().splitlines()[0]}")
        ok = True
        try:
            lines = module.run()
        except Exception as exc:  # noqa: BLE001 - one broken bench must not hide the others
            lines = [f"CRASHED: {exc!r} FAIL"]
        for line in lines:
            print(f"   {line}")
            ok = ok and "FAIL" not in line
        print(f"   ({time.perf_counter() - started:.1f} s) {'ok' if ok else 'TARGET MISSED'}")
        failed += not ok
    print(f"== {failed} bench module(s) missed a target" if failed else "== every target met")
    # Missed targets are findings, not a broken build; BENCH_STRICT=1 makes them an exit code.
    return 1 if failed and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
