"""Tests of the Python SDK. Unit tests use httpx.MockTransport; test_integration_*.py start the real built host
(tests/monlight_test.py's Host, MONLIGHT_BUILD_DIR) and real uvicorn processes."""
import itertools
import os
import sys
from pathlib import Path

import pytest

SDK_DIR = Path(__file__).resolve().parent.parent
REPO = SDK_DIR.parent.parent
# The tree's code, not an installed copy (unless MONLIGHT_SDK_INSTALLED=1: tests/release runs this suite against the
# wheel installed into a fresh venv); and the black-box helpers of the repository's tests.
if os.environ.get("MONLIGHT_SDK_INSTALLED") != "1":
    sys.path.insert(0, str(SDK_DIR))
sys.path.insert(0, str(REPO / "tests"))

_counter = itertools.count()


@pytest.fixture
def host_factory(tmp_path):
    """host_factory(plugins=[...], config={...}) -> a started monlight_test.Host, killed at the end of the test."""
    from monlight_test import Host
    hosts = []

    def make(plugins=("error-tracker",), config=None, env=None, start=True):
        h = Host(tmp_path / f"host{next(_counter)}", plugins, config, env)
        hosts.append(h)
        if start:
            h.start()
        return h

    yield make
    for h in hosts:
        h.kill()


@pytest.fixture(autouse=True)
def _stop_leftover_senders():
    """Clients a test left running are stopped after it (without waiting), not at the end of the session."""
    yield
    from monlight import _batch
    for sender in list(_batch._live):
        sender.shutdown(0)
