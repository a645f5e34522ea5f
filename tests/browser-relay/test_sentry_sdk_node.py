"""SPEC §11.6: the unmodified @sentry/node 11 SDK (chunked bodies, no Content-Length): errors, logs, metrics."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sentry_helpers import error_detail, errors, logs, metric, start, wait_for

NODE_DIR = Path(__file__).resolve().parent / "sentry_clients" / "node"


def test_node_sdk_errors_logs_metrics(host_factory, tmp_path):
    if not (NODE_DIR / "node_modules" / "@sentry" / "node").exists() or not shutil.which("node"):
        # CI installs it (scripts/install-deps.sh --test): missing there is a failure, elsewhere a skip
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "scripts/install-deps.sh --test runs npm ci in tests/browser-relay/sentry_clients/node")
    h = start(host_factory, tmp_path)
    created = h.request("browser-relay", "POST", "/api/dsn-keys", {"project": "svc"}).json()
    out = subprocess.run(["node", "client.mjs", created["sentry_dsn"]], cwd=NODE_DIR, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    groups = wait_for(lambda: errors(h, project="svc"))
    assert [g["exception_type"] for g in groups] == ["RangeError"]
    d = error_detail(h, groups[0]["id"])
    assert d["traceback"].startswith("RangeError: bad range 7\n    at f (") and "client.mjs:8:" in d["traceback"]
    assert d["environment"] == "nodetest" and d["occurrences"][0]["extra"]["tags"]["region"] == "eu-1"
    entries = wait_for(lambda: logs(h, container="svc"))
    assert [e["message"] for e in entries] == ["disk sda low"]
    assert entries[0]["level"] == "WARNING" and entries[0]["attributes"]["free_mb"] == 12
    r = metric(h, "mem.used", project="svc", period="1h")
    assert r.status == 200 and r.json()["data"][0]["last"] == 1024, r
    r = metric(h, "jobs.done", project="svc", period="1h", labels="queue:default")
    assert r.json()["data"][0]["sum"] == 2, r
    # every envelope was answered 200 (this SDK sends Transfer-Encoding: chunked, see fixtures/sentry/index.json)
    text = h.request("browser-relay", "GET", "/metrics").body.decode()
    assert 'route="/api/{n}/envelope",method="POST",status="200"' in text
