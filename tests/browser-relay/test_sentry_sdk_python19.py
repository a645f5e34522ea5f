"""SPEC §11.6: Debian's python3-sentry-sdk 1.9.10 (errors through /store/, gzip) reports by its DSN only."""
import os
import subprocess
from pathlib import Path

import pytest

from sentry_helpers import error_detail, errors, relay_metric, start, wait_for

DEBIAN_PYTHON = "/usr/bin/python3"
CLIENT = Path(__file__).resolve().parent / "sentry_clients" / "py19_client.py"


def debian_sdk_version():
    if not os.path.exists(DEBIAN_PYTHON):
        return None
    p = subprocess.run([DEBIAN_PYTHON, "-c", "import sentry_sdk; print(sentry_sdk.VERSION)"], capture_output=True,
                       text=True)
    return p.stdout.strip() if p.returncode == 0 else None


@pytest.mark.skipif(not debian_sdk_version(), reason="scripts/install-deps.sh --test installs python3-sentry-sdk")
def test_debian_sentry_sdk_1_9_store(host_factory, tmp_path):
    assert debian_sdk_version().startswith("1.9")
    h = start(host_factory, tmp_path)
    created = h.request("browser-relay", "POST", "/api/dsn-keys", {"project": "legacy"}).json()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYENV"))}
    out = subprocess.run([DEBIAN_PYTHON, str(CLIENT), created["sentry_dsn"]], capture_output=True, text=True,
                         timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    groups = wait_for(lambda: errors(h, project="legacy") if len(errors(h, project="legacy")) >= 2 else None)
    assert groups, errors(h)
    by_type = {g["exception_type"]: g for g in groups}
    z = error_detail(h, by_type["ZeroDivisionError"]["id"])
    assert z["message"] == "division by zero" and z["environment"] == "old"
    assert z["traceback"].startswith("Traceback (most recent call last):\n")
    assert "    return a / b\n" in z["traceback"] and z["traceback"].endswith("ZeroDivisionError: division by zero")
    assert z["occurrences"][0]["extra"]["tags"]["tier"] == "legacy"
    assert by_type["Message"]["message"] == "legacy message"
    # the 1.9 SDK really used /store/ (counted as an event on that path)
    text = h.request("browser-relay", "GET", "/metrics").body.decode()
    assert 'route="/api/{n}/store"' in text, [l for l in text.splitlines() if "store" in l]
    assert relay_metric(h, "monlight_sentry_items_total", type="event", outcome="accepted") == 2
