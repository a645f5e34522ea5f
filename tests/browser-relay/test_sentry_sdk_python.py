"""SPEC §11.6: the unmodified sentry-python 2.x SDK (PyPI, with brotli) reports into Monlight by its DSN only."""
import subprocess
import sys
from pathlib import Path

import pytest

from sentry_helpers import error_detail, errors, logs, metric, relay_metric, start, wait_for

sentry_sdk = pytest.importorskip("sentry_sdk", reason="scripts/install-deps.sh --test installs sentry-sdk")
pytest.importorskip("brotli", reason="scripts/install-deps.sh --test installs brotli")
CLIENT = Path(__file__).resolve().parent / "sentry_clients" / "py_sdk_client.py"


def test_python_sdk_errors_messages_logs_and_metrics(host_factory, tmp_path):
    assert sentry_sdk.VERSION.split(".")[0] == "2"
    h = start(host_factory, tmp_path)
    created = h.request("browser-relay", "POST", "/api/dsn-keys", {"project": "shop"}).json()
    out = subprocess.run([sys.executable, str(CLIENT), created["sentry_dsn"]], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "br", out.stdout  # the bodies really were brotli-compressed

    groups = wait_for(lambda: errors(h, project="shop") if len(errors(h, project="shop")) >= 3 else None)
    assert groups, errors(h)
    by_type = {g["exception_type"]: g for g in groups}
    # chained exception: the last value is the primary, both rendered with Python's chaining line
    rt = error_detail(h, by_type["RuntimeError"]["id"])
    assert rt["message"] == "config could not be loaded" and rt["environment"] == "sdktest"
    tb = rt["traceback"]
    assert tb.startswith("Traceback (most recent call last):\n")
    assert "ValueError: invalid literal for int() with base 10: 'not-a-number'" in tb
    assert "During handling of the above exception, another exception occurred:" in tb
    assert tb.index("ValueError") < tb.index("RuntimeError")
    assert tb.endswith("RuntimeError: config could not be loaded")
    assert '    return int(value)\n' in tb and f'File "{CLIENT}"' in tb
    occ = rt["occurrences"][0]
    assert occ["user_id"] == "user-17"
    assert occ["extra"]["tags"]["tenant"] == "acme" and occ["extra"]["release"] == "shop@3.1.4"
    assert occ["extra"]["sdk"]["name"].startswith("sentry.python")
    # capture_message and the logging integration's error
    msgs = {g["message"] for g in groups if g["exception_type"] == "Message"}
    assert "disk almost full on sdk-host" in msgs and "logging integration error line" in msgs

    entries = wait_for(lambda: [e for e in logs(h, container="shop")] or None)
    got = {e["message"]: e for e in entries}
    shipped = got["order 991 shipped"]
    assert shipped["level"] == "INFO" and shipped["attributes"]["warehouse"] == "north"
    assert shipped["attributes"]["environment"] == "sdktest" and shipped["attributes"]["release"] == "shop@3.1.4"
    assert len(shipped["trace_id"]) == 32
    assert got["payment failed for bob"]["level"] == "ERROR"

    r = metric(h, "checkout.clicks", project="shop")
    assert r.status == 200, r
    assert sum(b["sum"] for b in r.json()["data"]) == 3
    assert metric(h, "queue.depth", project="shop").json()["data"][0]["last"] == 12
    assert metric(h, "render.time", project="shop").json()["data"][0]["max"] == 41.5
    r = metric(h, "checkout.clicks", project="shop", labels="button:buy,environment:sdktest")
    assert r.json()["data"], r
    assert relay_metric(h, "monlight_sentry_items_total", type="event", outcome="accepted") == 3


def test_fastapi_app_with_the_sentry_integration(host_factory, tmp_path):
    pytest.importorskip("fastapi")
    h = start(host_factory, tmp_path)
    created = h.request("browser-relay", "POST", "/api/dsn-keys", {"project": "api"}).json()
    app = Path(__file__).resolve().parent / "sentry_clients" / "py_fastapi_app.py"
    out = subprocess.run([sys.executable, str(app), created["sentry_dsn"]], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "500"
    groups = wait_for(lambda: errors(h, project="api"))
    assert [g["exception_type"] for g in groups] == ["KeyError"], groups
    d = error_detail(h, groups[0]["id"])
    assert d["message"] == "7" and d["environment"] == "fastapi"
    assert "in read_item\n    return inventory[item_id]\n" in d["traceback"]
    occ = d["occurrences"][0]
    assert occ["request_method"] == "GET"
    assert occ["request_url"].endswith("/items/7")
    headers = {k.lower(): v for k, v in occ["request_headers"].items()}
    assert "authorization" not in headers and headers.get("x-trace") == "t1"
    assert occ["extra"]["transaction"] == "/items/{item_id}"
