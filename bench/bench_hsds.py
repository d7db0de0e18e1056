"""HSDS directory exchange: a 20,000-service regional package through the real CLI, then export.

Target (issue 13): importing a 20,000-service HSDS package (organizations, locations with
addresses, phones, schedules, languages, service areas, as a 211 publishes them) takes
under 30 s through `flask directory-import`, store and audit included. Re-importing the
same package (every service updated), exporting it and the bare parse are reported.
Env: BENCH_HSDS_SERVICES (default 20,000).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import unit
from bench.common import verdict

SERVICES = int(os.environ.get("BENCH_HSDS_SERVICES", "20000"))
TARGET_SECONDS = 30.0
NS = uuid.UUID("8f5e2a86-1a1b-4a8e-9a43-5b0d3f3f0b11")


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NS, "/".join(map(str, parts))))


def _write(folder: Path, stem: str, rows: list[dict]) -> None:
    with open(folder / f"{stem}.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def package(folder: Path, services: int) -> Path:
    """A regional package: one organization per 4 services, one location per service."""
    folder.mkdir(parents=True, exist_ok=True)
    langs = [("en", "English"), ("es", "Spanish"), ("hmn", "Hmong"), ("", "Urdu")]
    orgs, svcs, locs, addrs, sal, phones, scheds, languages, areas = ([] for _ in range(9))
    for n in range(services):
        org, sid, loc = _id("org", n // 4), _id("svc", n), _id("loc", n)
        if n % 4 == 0:
            orgs.append(
                {"id": org, "name": f"Agency {n // 4}", "description": "A community agency."}
            )
        svcs.append(
            {"id": sid, "organization_id": org, "name": f"Service {n}",
             "description": "Food, diapers and rides for families with a baby in the NICU.",
             "email": f"intake{n}@example.org", "url": f"https://example.org/s/{n}",
             "status": "temporarily closed" if n % 50 == 0 else "active",
             "eligibility_description": "Families in the county", "assured_date": "2026-03-01"}
        )  # fmt: skip
        locs.append({"id": loc, "location_type": "physical", "name": f"Office {n}"})
        addrs.append(
            {"id": _id("addr", n), "location_id": loc, "address_1": f"{n} Main St",
             "city": "Fresno", "state_province": "CA", "postal_code": "93701", "country": "US",
             "address_type": "physical"}
        )  # fmt: skip
        sal.append({"id": _id("sal", n), "service_id": sid, "location_id": loc})
        phones.append(
            {"id": _id("phone", n), "service_id": sid, "number": f"559-555-{n % 10000:04d}",
             "extension": str(n % 90 + 10)}
        )  # fmt: skip
        scheds.append(
            {"id": _id("sched", n), "service_id": sid, "freq": "WEEKLY", "byday": "MO,WE,FR",
             "opens_at": "09:00:00", "closes_at": "17:00:00"}
        )  # fmt: skip
        for k in range(2):
            code, name = langs[(n + k) % len(langs)]
            languages.append(
                {"id": _id("lang", n, k), "service_id": sid, "code": code, "name": name}
            )
        areas.append({"id": _id("area", n), "service_id": sid, "name": "Fresno County"})
    for stem, rows in (
        ("organizations", orgs), ("services", svcs), ("locations", locs), ("addresses", addrs),
        ("service_at_location", sal), ("phones", phones), ("schedules", scheds),
        ("languages", languages), ("service_areas", areas),
    ):  # fmt: skip
        _write(folder, stem, rows)
    return folder


def _cli(instance: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "screening", *args],
        env=unit.instance_env(instance),
        cwd=unit.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{args[0]} exit {done.returncode}: {done.stderr[-500:]}")
    return seconds, done.stdout.strip().splitlines()[0]


def run() -> list[str]:
    from screening.core import hsds

    work = Path(tempfile.mkdtemp(prefix="bench-hsds-"))
    source = package(work / "package", SERVICES)
    instance = work / "instance"
    instance.mkdir()
    _cli(instance, "init-db")
    start = time.perf_counter()
    hsds.parse_package(source)
    parse = time.perf_counter() - start
    first, said = _cli(instance, "directory-import", str(source))
    again, said_again = _cli(instance, "directory-import", str(source))
    export, _ = _cli(instance, "directory-export", str(work / "out.zip"))
    size_mib = (work / "out.zip").stat().st_size / 2**20
    return [
        f"directory-import {SERVICES} services (new): {first:.1f} s, target < "
        f"{TARGET_SECONDS:.0f} s {verdict(first < TARGET_SECONDS)} ({said})",
        f"directory-import again (all updated): {again:.1f} s {verdict(again < TARGET_SECONDS)}"
        f" ({said_again})",
        f"bare parse in process: {parse:.1f} s; directory-export zip: {export:.1f} s, "
        f"{size_mib:.1f} MiB",
    ]
