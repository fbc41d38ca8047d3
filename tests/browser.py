"""Pages tested as a person uses them: the system Chromium driven by Playwright, checked by axe-core.

Fixtures (``tests/conftest.py`` imports them, so every test module can ask for them):

- ``browser``: one headless Chromium for the session, the machine's own (``CHROMIUM_PATH``,
  default ``/usr/bin/chromium``; ``scripts/ensure_system_packages.sh`` installs it). Playwright
  never downloads a browser here. If Chromium does not start, every test that asks for it fails
  with the reason; none is skipped.
- ``new_page``: ``new_page(viewport="desktop" | "phone", url=None) -> Page``, each page in its own
  fresh context (1280×800, or 390×844 as a phone), closed after the test.

Helpers: ``check_accessibility(page)`` (axe-core; fails on any serious or critical violation),
``screenshot(page_or_locator, name)`` (a PNG of the full page or one element under
``tests/artifacts/``, to be looked at),
``console_errors(page)`` (console errors and uncaught exceptions so far, CSP refusals included),
``horizontal_overflow(page)`` and ``serve(app)`` (a Flask app on a free loopback port).
"""

from __future__ import annotations

import os
import re
import textwrap
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Error, Locator, Page, sync_playwright
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Headless and quiet: without the background-networking flags Chromium keeps calling Google's
# services, which on a closed network means retries for the whole run. Playwright adds a fresh
# temporary profile (--user-data-dir) to every launch and removes it at close.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
TIMEOUT_MS = 10_000
# axe-core impacts that fail a test; "minor" and "moderate" are returned for the test to judge.
FAILING_IMPACTS = ("serious", "critical")

_console: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The session's headless Chromium; fails (never skips) when it cannot start."""
    path = chromium_path()
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"No Chromium at {path}. Run `bash scripts/ensure_system_packages.sh` as root, or set "
            "CHROMIUM_PATH to a Chromium or Chrome that runs headless.", pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        except Error as exc:
            pytest.fail(f"Chromium at {path} did not start: {exc}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture()
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """A factory of pages, each in a fresh context with a desktop or phone viewport."""
    contexts = []

    def make(viewport: str = "desktop", url: str | None = None) -> Page:
        phone = viewport == "phone"
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone, locale="es-CL",
            timezone_id="America/Santiago",
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        messages: list[str] = []
        _console[page] = messages
        page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: messages.append(f"uncaught: {exc}"))
        if url:
            page.goto(url)
        return page

    yield make
    for context in contexts:
        context.close()


def check_accessibility(page: Page, context: str | None = None) -> list[dict]:
    """Run axe-core on the page (or the ``context`` selector); fail listing every serious or
    critical violation; return the minor and moderate ones."""
    violations = Axe().run(page, context=context).response["violations"]
    failing = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    if failing:
        pytest.fail(f"axe-core found accessibility problems on {page.url}:\n{_axe_report(failing)}", pytrace=False)
    return violations


def _axe_report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            lines.append(textwrap.indent(node.get("failureSummary", "").strip(), "      "))
    return "\n".join(lines)


def screenshot(target: Page | Locator, name: str) -> Path:
    """Save ``tests/artifacts/<name>.png``: the full page, or just the element of a locator."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    if isinstance(target, Locator):
        target.screenshot(path=str(path))
    else:
        target.screenshot(path=str(path), full_page=True)
    return path


def console_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions of a page made by ``new_page``, in order."""
    return list(_console.get(page, []))


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port from a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
