import itertools
import os

import pytest

import pg_cluster
from monlight_test import Host

_counter = itertools.count()
_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL cluster for the session (tests/pg_cluster.py); skipped when PostgreSQL is not
    installed (a failure under CI)."""
    pg_cluster.require()
    c = pg_cluster.PgCluster().start()
    yield c
    c.destroy()


@pytest.fixture
def pg_dsn(pg_server):
    """A fresh, empty database on the session's cluster; its libpq DSN."""
    return pg_server.create_database(f"monlight_{os.getpid()}_{next(_databases)}")


@pytest.fixture
def pg_private():
    """A cluster of the test's own (for tests that stop or restart the server)."""
    pg_cluster.require()
    c = pg_cluster.PgCluster().start()
    yield c
    c.destroy()


@pytest.fixture
def host_factory(tmp_path, request):
    """host_factory(plugins=[...], config={...}, env={...}, combined=False, start=True) -> Host.
    Every host started here is stopped (by its own PID) at the end of the test.
    With MONLIGHT_TEST_STORAGE=postgresql, hosts loading the error tracker, the metrics collector or the log viewer whose
    config does not choose a storage run on PostgreSQL: one fresh database per test, shared by the test's hosts
    (h.pg = (cluster, database name))."""
    hosts = []
    pg = []

    def make(plugins=("error-tracker",), config=None, env=None, combined=False, start=True, plugin_path=None):
        config = dict(config or {})
        on_pg = (os.environ.get("MONLIGHT_TEST_STORAGE") == "postgresql"
                 and any(p in plugins for p in ("error-tracker", "metrics-collector", "log-viewer"))
                 and "host.storage" not in config)
        if on_pg:
            if not pg:
                server = request.getfixturevalue("pg_server")
                name = f"monlight_{os.getpid()}_{next(_databases)}"
                pg.append((server, name, server.create_database(name)))
            config["host.storage"] = "postgresql"
            config["host.postgresql_dsn"] = pg[0][2]
        h = Host(tmp_path / f"host{next(_counter)}", plugins, config, env, combined, plugin_path)
        h.pg = (pg[0][0], pg[0][1]) if on_pg else None
        hosts.append(h)
        if start:
            h.start()
        return h

    yield make
    for h in hosts:
        h.kill()
