"""Fixtures for the web UI tests: one headless Chromium for the whole session, a fresh page per test."""
import os

import pytest

try:
    from cdp import CHROMIUM, Browser
    _IMPORT_ERROR = None
except ImportError as e:  # websocket-client missing: only the browser tests fail, with a clear reason
    CHROMIUM, Browser, _IMPORT_ERROR = "/usr/bin/chromium", None, e


@pytest.fixture(scope="session")
def browser():
    if _IMPORT_ERROR is not None:
        pytest.fail(f"{_IMPORT_ERROR}: run scripts/install-deps.sh --test (websocket-client)")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: run scripts/install-deps.sh --test (Debian package chromium)")
    b = Browser()
    yield b
    b.close()


@pytest.fixture
def page(browser):
    p = browser.new_page()
    yield p
    p.close()
