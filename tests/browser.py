"""Playwright fixtures (headless system Chromium) for the tests marked ``browser``.

- ``browser`` (session): the system Chromium (``/usr/bin/chromium``, or ``$CHROMIUM_PATH``),
  headless, with Chromium's background networking switched off (otherwise it keeps trying
  to reach Google's services from the closed network). Skips the test when the executable
  is missing: ``make test`` installs it.
- ``page`` (function): a fresh context in pt-BR / America/Sao_Paulo, closed after the test;
  when the test fails, a full-page screenshot is saved under ``test-results/``.

Use them with pytest-django's ``live_server`` (a transactional database, the server in a
thread), e.g.::

    @pytest.mark.browser
    def test_something(live_server, page):
        page.goto(live_server.url + "/accounts/login/")

Playwright's sync API keeps an asyncio event loop running in the test thread for as long
as it is started, and Django refuses ORM calls from a thread with a running loop
(``SynchronousOnlyOperation``). While Playwright runs, ``DJANGO_ALLOW_ASYNC_UNSAFE`` is
therefore set; browser tests are moved to the end of the run so that no other test ever
runs with that check switched off.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCALE = "pt-BR"
TIME_ZONE = "America/Sao_Paulo"
RESULTS_DIR = Path(__file__).resolve().parent.parent / "test-results"
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

_report_key = pytest.StashKey[dict]()


def chromium_path() -> str | None:
    """The Chromium executable to drive, or ``None`` when it is not installed."""
    configured = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if os.path.isfile(configured) and os.access(configured, os.X_OK):
        return configured
    return shutil.which(configured)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last (stable order otherwise): see the module docstring."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so ``page`` knows whether the test failed."""
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    return report


class _AsyncUnsafeAllowed:
    """Sets ``DJANGO_ALLOW_ASYNC_UNSAFE`` and puts back whatever was there before."""

    def __enter__(self):
        self.previous = os.environ.get(ASYNC_UNSAFE)
        os.environ[ASYNC_UNSAFE] = "true"
        return self

    def __exit__(self, *exc_info):
        if self.previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = self.previous


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            f"Chromium not found at {os.environ.get('CHROMIUM_PATH', '/usr/bin/chromium')} "
            "(set CHROMIUM_PATH, or run `make test`, which installs it)"
        )
    from playwright.sync_api import sync_playwright

    with _AsyncUnsafeAllowed(), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(request, browser):
    with _AsyncUnsafeAllowed():
        context = browser.new_context(locale=LOCALE, timezone_id=TIME_ZONE)
        context.set_default_timeout(10_000)
        page = context.new_page()
        try:
            yield page
        finally:
            report = request.node.stash.get(_report_key, {}).get("call")
            if report is not None and report.failed:
                _screenshot(page, request.node.nodeid)
            context.close()


def _screenshot(page, nodeid: str) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / (re.sub(r"[^\w.-]+", "_", nodeid).strip("_") + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the test's failure
        print(f"screenshot failed: {error}")
    else:
        print(f"screenshot: {path}")
