"""Load: 20 simulated social workers on the production server (2 workers) for 60 s.

Starts gunicorn (2 worker processes; waitress if gunicorn is missing) on 127.0.0.1 with a
throw-away copy of the realistic unit (bench/unit.py, BENCH_SIZE families, a million audit
rows). Each simulated social worker signs in through
the real form (CSRF on), then loops: worklist, a family page, start a screening, submit
every page with the first answer option. Think time between clicks is 0.2-1.0 s (a person
at a tablet). Reports errors and p50/p95 against a bare baseline (a static file served by the same
server, measured in the same run; /healthz is a path under test, not a baseline).
Targets: 0 errors, p95 < 300 ms. Env: BENCH_LOAD_SECONDS, BENCH_LOAD_USERS, BENCH_SIZE.
"""

from __future__ import annotations

import http.cookiejar
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

from bench.common import verdict

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "20"))
ACCOUNTS = (("sw.garcia", "demo-social-worker-1"), ("sw.okafor", "demo-social-worker-2"))
P95_TARGET_MS = 300
STATIC = "/static/app.css"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Forms(HTMLParser):
    """Forms on a page: action, method and the values a first-choice user would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action", ""),
                    "method": a.get("method", "get").lower(),
                    "fields": {},
                }
            )
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("hidden", "text", "number", "date", "tel"):
                fields.setdefault(name, a.get("value", ""))
            elif kind == "radio" and (name not in fields or "checked" in a):
                fields[name] = a.get("value", "")
            elif kind == "checkbox" and "checked" in a:
                previous = fields.get(name, [])
                fields[name] = (previous if isinstance(previous, list) else [previous]) + [
                    a.get("value", "on")
                ]
            elif kind == "submit" and name and name not in fields:
                fields[name] = a.get("value", "")
        elif tag == "button" and name and name not in fields:
            fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if self._select not in fields or "selected" in a:
                fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


class Worker:
    """One simulated social worker with its own cookie jar."""

    def __init__(self, base: str, account: tuple[str, str], seed: int, stats: dict, lock):
        self.base, self.account, self.rng = base, account, random.Random(seed)
        self.stats, self.lock = stats, lock
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect
        )

    def request(self, kind: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                status, text, location = response.status, response.read().decode(), ""
        except urllib.error.HTTPError as exc:
            status, text, location = (
                exc.code,
                exc.read().decode(errors="replace"),
                exc.headers.get("Location", ""),
            )
        except OSError as exc:
            status, text, location = 599, str(exc), ""
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.stats.setdefault(kind, []).append(elapsed)
            if status >= 500 or status in (400, 403):
                self.stats.setdefault("errors", []).append(f"{kind} {path} -> {status}")
            elif status == 404:
                generic = re.sub(r"/\d+", "/<id>", path)
                self.stats.setdefault("missing", set()).add(f"{kind} {generic}")
        return status, text, urllib.parse.urlparse(location).path

    def think(self):
        time.sleep(self.rng.uniform(0.2, 1.0))

    def login(self) -> bool:
        _s, page, _l = self.request("login_page", "/login")
        fields = forms_of(page)[0]["fields"] if forms_of(page) else {}
        fields.update({"username": self.account[0], "password": self.account[1]})
        status, _t, _l = self.request("login", "/login", fields)
        return status == 302

    def run(self, until: float) -> None:
        if not self.login():
            with self.lock:
                self.stats.setdefault("errors", []).append("login failed")
            return
        while time.monotonic() < until:
            _s, worklist, _l = self.request("worklist", "/families")
            ids = sorted(set(re.findall(r'href="/families/(\d+)"', worklist)))
            self.think()
            if not ids:
                with self.lock:
                    self.stats.setdefault("missing", set()).add("family links on /families")
                time.sleep(1)
                continue
            fid = self.rng.choice(ids)
            _s, family, _l = self.request("family_page", f"/families/{fid}")
            self.think()
            start = next(
                (
                    f
                    for f in forms_of(family)
                    if f["action"].endswith(f"/families/{fid}/screenings")
                ),
                None,
            )
            if start is None:
                with self.lock:
                    self.stats.setdefault("missing", set()).add(
                        "start-screening form on the family page"
                    )
                continue
            # Interview mode: the social worker reads the questions (self-complete hands over).
            fields = dict(start["fields"])
            for name in list(fields):
                # Field names may carry a per-caregiver prefix ("cg46-mode").
                if name.split("-")[-1] == "mode":
                    fields[name] = "interview"
                elif name.split("-")[-1] == "action":
                    fields[name] = "start"
            status, _t, location = self.request("start_screening", start["action"], fields)
            if not (status == 302 and "/page/" in location):
                with self.lock:
                    self.stats.setdefault("missing", set()).add(
                        f"start screening: {status} -> {re.sub(r'[0-9]+', '<id>', location)}, "
                        "not a redirect to /screenings/<id>/page/<n>"
                    )
            pages = 0
            while (
                status == 302 and "/page/" in location and pages < 20 and time.monotonic() < until
            ):
                _s, page, _l = self.request("screening_page_get", location)
                # The page's own form posts back to it; the header's sign-out form comes first.
                form = next(
                    (f for f in forms_of(page) if f["method"] == "post" and not f["action"]), None
                )
                if form is None:
                    break
                fields = {**form["fields"], "action": "next"}
                self.think()
                status, _t, location = self.request("screening_page_post", location, fields)
                pages += 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(instance: Path, port: int) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "SCREENING_INSTANCE": str(instance), "PYTHONPATH": str(ROOT)}
    if shutil.which("gunicorn", path=str(BIN)):
        cmd = [
            str(BIN / "gunicorn"),
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "screening:create_app()",
        ]
        label = "gunicorn, 2 worker processes x 4 threads"
    else:
        cmd = [
            str(BIN / "waitress-serve"),
            "--host",
            "127.0.0.1",
            f"--port={port}",
            "--threads",
            "8",
            "--call",
            "screening:create_app",
        ]
        label = "waitress, 1 process x 8 threads (gunicorn missing)"
    server = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{STATIC}", timeout=1).close()  # noqa: S310
            return server, label
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("server did not start")


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def baseline(base: str, seconds: float) -> list[float]:
    """A static file from USERS threads with the same think time: the bare server cost."""
    times: list[float] = []
    lock = threading.Lock()
    until = time.monotonic() + seconds

    def loop(seed):
        rng = random.Random(seed)
        while time.monotonic() < until:
            started = time.perf_counter()
            urllib.request.urlopen(base + STATIC, timeout=10).close()  # noqa: S310 - loopback
            with lock:
                times.append((time.perf_counter() - started) * 1000)
            time.sleep(rng.uniform(0.2, 1.0))

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def run() -> list[str]:
    """Run the load test and return report lines."""
    from bench import unit
    from bench.bench_paths import AUDIT_ROWS
    from bench.bench_paths import SIZE

    instance = unit.working_copy(unit.cached(SIZE, AUDIT_ROWS))
    port = free_port()
    lines = []
    server, label = start_server(instance, port)
    base = f"http://127.0.0.1:{port}"
    try:
        base_times = baseline(base, min(10.0, SECONDS / 3))
        stats: dict = {}
        lock = threading.Lock()
        until = time.monotonic() + SECONDS
        workers = [Worker(base, ACCOUNTS[i % 2], i, stats, lock) for i in range(USERS)]
        threads = [threading.Thread(target=w.run, args=(until,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(instance, ignore_errors=True)
    errors = stats.pop("errors", [])
    missing = sorted(stats.pop("missing", set()))
    all_times = [t for k, v in stats.items() if k not in ("login", "login_page") for t in v]
    b50, b95 = percentile(base_times, 50), percentile(base_times, 95)
    lines.append(f"server: {label}; {USERS} users for {SECONDS:.0f} s; think time 0.2-1.0 s")
    lines.append(f"baseline GET {STATIC}: n={len(base_times)} p50={b50:.1f} ms p95={b95:.1f} ms")
    for kind in sorted(stats):
        values = stats[kind]
        lines.append(
            f"{kind:<20} n={len(values):<5} p50={percentile(values, 50):6.1f} ms "
            f"p95={percentile(values, 95):6.1f} ms"
        )
    if missing:
        lines.append("MISSING (route 404 or flow changed): " + "; ".join(missing))
    submitted = len(stats.get("screening_page_post", []))
    p95 = percentile(all_times, 95) if all_times else float("nan")
    lines.append(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    lines.append(
        f"all pages p95={p95:.1f} ms = {p95 / b95:.1f}x baseline p95; "
        f"{submitted} screening pages submitted"
    )
    ok = not errors and not missing and submitted > 0 and p95 < P95_TARGET_MS
    lines.append(f"target 0 errors, p95 < {P95_TARGET_MS} ms, screenings submitted: {verdict(ok)}")
    return lines


if __name__ == "__main__":
    for line in run():
        print(line)
