import itertools

import pytest

from monlight_test import Host

_counter = itertools.count()


@pytest.fixture
def host_factory(tmp_path):
    """host_factory(plugins=[...], config={...}, env={...}, combined=False, start=True) -> Host.
    Every host started here is stopped (by its own PID) at the end of the test."""
    hosts = []

    def make(plugins=("error-tracker",), config=None, env=None, combined=False, start=True, plugin_path=None):
        h = Host(tmp_path / f"host{next(_counter)}", plugins, config, env, combined, plugin_path)
        hosts.append(h)
        if start:
            h.start()
        return h

    yield make
    for h in hosts:
        h.kill()
