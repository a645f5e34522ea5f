"""Shared steps of the UI tests."""
import json

from monlight_test import http


def enter_key(page, key, valid=True):
    """Waits for the key modal, types the key and saves it (with valid=False: does not wait for the modal to stay
    closed, since the 401 reopens it)."""
    page.wait("document.querySelector('.ml-modal') && !document.querySelector('.ml-modal').classList.contains('hidden')",
              message="the key modal did not open")
    page.fill(".ml-key-input", key)
    page.click(".ml-key-save")
    if valid:
        page.wait("document.querySelector('.ml-modal').classList.contains('hidden')")


def stored_key(page, plugin):
    return page.eval(f"localStorage.getItem({json.dumps('monlight.' + plugin + '.api_key')})")


def assert_clean(page):
    """No uncaught JS exception and no console error (CSP violations are console errors)."""
    assert page.exceptions == [], page.exceptions
    assert page.console == [], page.console  # favicon.ico is served too (issue 15)


def get_html(url):
    r = http("GET", url)
    assert r.status == 200, r
    return r
