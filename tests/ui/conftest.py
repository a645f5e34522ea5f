"""Fixtures for the web UI tests: one headless Chromium for the whole session, a fresh page per test."""
import os

import pytest

from cdp import CHROMIUM, Browser


@pytest.fixture(scope="session")
def browser():
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
