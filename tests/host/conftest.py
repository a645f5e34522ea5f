"""Fixtures for the host's black-box tests: the fixture plugins of host/testsuite/fixtures."""
import secrets

import pytest

from monlight_test import build_dir, free_port, plugin_dir

FIXTURE = "fixture-good"


def fixture_plugin_path():
    return f"{build_dir() / 'testsuite-plugins'}:{plugin_dir()}"


@pytest.fixture
def fixture_host(host_factory):
    """fixture_host(config={...}, env={...}, combined=False, start=True, plugins=None, listen=True) -> Host
    running `fixture-good` (a non-built-in service plugin) on its own free port, plus `plugins`."""

    def make(config=None, env=None, combined=False, start=True, plugins=None, listen=True):
        cfg = dict(config or {})
        port = None
        if listen and f"{FIXTURE}.listen" not in cfg:
            port = free_port()
            cfg[f"{FIXTURE}.listen"] = f"127.0.0.1:{port}"
        cfg.setdefault(f"{FIXTURE}.api_key", secrets.token_hex(16))
        names = [FIXTURE] + list(plugins or [])
        h = host_factory(plugins=names, config=cfg, env=env, combined=combined, start=False,
                         plugin_path=fixture_plugin_path())
        if port is not None:
            h.ports[FIXTURE] = port
        h.keys[FIXTURE] = cfg[f"{FIXTURE}.api_key"]
        if start:
            h.start()
        return h

    return make
