"""Debian's Chromium driven by Playwright against a real ``mockserver serve --strict`` process.

Chromium comes from the system (``python3 dev.py test`` installs Debian's ``chromium`` when it is
missing); Playwright never downloads a browser. Every page runs with the network cut off: the
browser context lets through requests to 127.0.0.1 only and records any other, and every test
fails on a recorded request, a Content-Security-Policy violation, a script error or a console error.
Screenshots go to ``.artifacts/screenshots/`` (or ``$MOCKSERVER_SCREENSHOTS``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from contracts.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("MOCKSERVER_SCREENSHOTS") or ROOT / ".artifacts" / "screenshots")
QA_TOKEN = "qa-token-b2core-only"
# The flags a root, headless, offline Chromium needs (without the background-networking ones it
# keeps trying Google's hosts, which a closed network refuses).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
# Runs before any page script: every Content-Security-Policy violation is kept for the test to read.
WATCH_POLICY = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def chromium() -> str | None:
    """The system Chromium: $MOCKSERVER_CHROMIUM, else chromium on PATH (Debian: /usr/bin/chromium)."""
    for candidate in (os.environ.get("MOCKSERVER_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # module, not session: Playwright's sync API holds an event loop on this thread while it runs,
    # and a later test's asyncio.run() would find it running
    config = tmp_path_factory.mktemp("browser") / "config.yaml"
    config.write_text(f"tokens:\n  - dev-token\n  - {{token: {QA_TOKEN}, apis: [b2core]}}\n")
    live = LiveServer.start(strict=True, extra=["--config", str(config)])
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium()
    if executable is None:
        message = "no Chromium: `python3 dev.py test` installs Debian's chromium, or set MOCKSERVER_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


# A page that renders a large spec can take more than Playwright's 5 s default when the run's
# other half (the live contract pass) shares the two cores; the bounds the pages promise (a request
# in the dashboard within 2 s) are asserted with explicit timeouts, so only waits get longer here.
expect.set_options(timeout=15_000)

@dataclass
class Watch:
    """What a page asked for beyond this machine, and what went wrong in it."""

    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    return Watch()


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


@pytest.fixture
def page(browser: Browser, server: LiveServer, watch: Watch) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )

    def guard(route: Route) -> None:
        url = route.request.url
        if _local(url):
            route.continue_()
        else:
            watch.blocked.append(url)
            route.abort("internetdisconnected")

    context.set_default_timeout(10_000)
    context.route("**/*", guard)
    context.add_init_script(WATCH_POLICY)
    opened = context.new_page()
    opened.on("request", lambda request: watch.requested.append(request.url))
    opened.on("pageerror", lambda error: watch.errors.append(f"script error: {error}"))
    opened.on("console", lambda m: watch.errors.append(f"console: {m.text}") if m.type == "error" else None)
    yield opened
    violations = opened.evaluate("window.__violations || []") if not opened.is_closed() else []
    context.close()
    assert [u for u in watch.requested if not _local(u)] == [], "the browser asked for another host"
    assert watch.blocked == [], "the browser asked for another host"
    assert violations == [], "the page tried something its Content-Security-Policy refuses"
    assert watch.errors == []


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
