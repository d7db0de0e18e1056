"""Browser fixtures: a live server on a copy of the demo data, and Debian's chromium."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from werkzeug.serving import make_server

from screening import create_app
from screening.platform.db import connect
from tests.browser.helpers import CHROMIUM
from tests.browser.helpers import SERVED
from tests.browser.helpers import TABLET
from tests.browser.helpers import login
from tests.factories.web import make_config

# Debian's chromium in a container: no sandbox, no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# Not network requests: inline data and the browser's own PDF viewer.
BROWSER_INTERNAL = (
    "data:",
    "blob:",
    "chrome://resources/",
    "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/",
)


class LiveServer:
    """The app served over real HTTP from a daemon thread."""

    def __init__(self, app, server):
        self.app = app
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_port}"

    def db(self):
        """A direct connection to the served database (close it when done)."""
        return connect(self.app.config["DATABASE"])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, demo_database):
    """The app on 127.0.0.1 with CSRF on, over a copy of the demo database."""
    folder = tmp_path_factory.mktemp("live")
    config = make_config(folder)
    config["WTF_CSRF_ENABLED"] = True
    app = create_app(config)
    source = sqlite3.connect(demo_database)
    target = sqlite3.connect(app.config["DATABASE"])
    source.backup(target)
    source.close()
    target.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    SERVED["database"] = app.config["DATABASE"]
    yield LiveServer(app, server)
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's chromium instead of a Playwright download; skip when it is missing."""
    if not CHROMIUM:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    """Every page starts on a tablet held upright, pointed at the live server."""
    return {**browser_context_args, "viewport": TABLET, "base_url": live_server.url}


@pytest.fixture(autouse=True)
def same_origin_only(context, live_server):
    """Fail a test whose pages fetch from elsewhere (no CDN on a closed network) or break CSP."""
    foreign: list[str] = []
    blocked: list[str] = []

    def check(request):
        url = request.url
        if not (url.startswith(live_server.url + "/") or url.startswith(BROWSER_INTERNAL)):
            foreign.append(url)

    def console(message):
        # An inline style= or <script> the CSP refused: the page looks or works differently.
        if "Content Security Policy" in message.text:
            blocked.append(message.text[:200])

    context.on("request", check)
    context.on("console", console)
    yield
    assert not foreign, f"requests left the server's origin: {foreign}"
    assert not blocked, f"the Content Security Policy blocked parts of a page: {blocked}"


@pytest.fixture(scope="session")
def social_worker_cookies(browser, browser_context_args):
    """One real sign-in as the demo social worker, reused by tests that start signed in."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    login(page)
    cookies = context.cookies()
    context.close()
    return cookies


@pytest.fixture
def signed_in(context, social_worker_cookies):
    """The test's browser starts signed in as the demo social worker."""
    context.add_cookies(social_worker_cookies)
