"""The SDK against the real built host (tests/monlight_test.py's Host) and real uvicorn / python processes."""
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.parse

from pathlib import Path

import httpx
import pytest

from monlight import ErrorClient, MetricsClient
from monlight_test import free_port, http

ET, MC, LV = "error-tracker", "metrics-collector", "log-viewer"
SDK_DIR = Path(__file__).resolve().parent.parent


def wait_for(fn, timeout=20.0, interval=0.1):
    deadline = time.time() + timeout
    value = fn()
    while not value and time.time() < deadline:
        time.sleep(interval)
        value = fn()
    return value


def sdk_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SDK_DIR) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def metric_totals(h, name, project=None, labels=None, mtype=None):
    """(points, sum) of metric `name` over the last hour, as the collector answers GET /api/metrics."""
    q = {"name": name, "period": "1h"}
    if project:
        q["project"] = project
    if labels:
        q["labels"] = ",".join(f"{k}:{v}" for k, v in labels.items())
    if mtype:
        q["type"] = mtype
    r = h.request(MC, "GET", "/api/metrics?" + urllib.parse.urlencode(q))
    assert r.status == 200, r
    body = r.json()
    return sum(b["count"] for b in body["data"]), sum(b["sum"] for b in body["data"]), body["type"]


class RecordingTransport(httpx.BaseTransport):
    """A real HTTP transport that notes, per request, the number of items sent and the host's answer."""

    def __init__(self):
        self.inner = httpx.HTTPTransport()
        self.log = []

    def handle_request(self, request):
        items = len(json.loads(request.content))
        response = self.inner.handle_request(request)
        response.read()
        self.log.append((items, response.status_code, response.json() if response.content else None))
        return response

    def close(self):
        self.inner.close()


APP = textwrap.dedent('''
    import os
    from fastapi import FastAPI
    from monlight.integrations.fastapi import setup_monlight

    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int):
        return {"id": item_id}

    @app.get("/boom/{n}")
    async def boom(n: int):
        raise RuntimeError(f"boom {n}")

    clients = setup_monlight(app, error_tracker_url=os.environ["ET_URL"], metrics_collector_url=os.environ["MC_URL"],
                             error_tracker_api_key=os.environ["ET_KEY"], metrics_collector_api_key=os.environ["MC_KEY"],
                             project=os.environ["PROJECT"], environment="test",
                             flush_interval=float(os.environ["FLUSH"]))
''')


class Uvicorn:
    def __init__(self, tmp_path, host, project, flush):
        (tmp_path / "sdkapp.py").write_text(APP)
        self.app_file = tmp_path / "sdkapp.py"
        self.port = free_port()
        self.log_path = tmp_path / "uvicorn.log"
        self._log = open(self.log_path, "wb")
        env = sdk_env(ET_URL=host.url(ET), MC_URL=host.url(MC), ET_KEY=host.key(ET), MC_KEY=host.key(MC),
                      PROJECT=project, FLUSH=flush)
        self.proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "sdkapp:app", "--host", "127.0.0.1",
                                      "--port", str(self.port), "--app-dir", str(tmp_path)],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=env)
        ok = wait_for(self._up, timeout=30)
        assert ok, self.log()

    def _up(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"uvicorn exited {self.proc.returncode}:\n{self.log()}")
        try:
            return http("GET", self.url("/items/0"), timeout=2).status == 200
        except OSError:
            return False

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        """SIGTERM (uvicorn runs the lifespan's end) and wait; True when it shut down cleanly. (uvicorn re-raises
        the signal after its graceful shutdown, so the exit status is -SIGTERM.)"""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(20)
        finally:
            self._log.close()
        log = self.log()
        return code in (0, -signal.SIGTERM) and "Application shutdown complete" in log and "Traceback" not in \
            log.split("Shutting down", 1)[-1]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if not self._log.closed:
            self._log.close()


@pytest.fixture
def uvicorn_factory(tmp_path):
    apps = []

    def make(host, project, flush):
        u = Uvicorn(tmp_path, host, project, flush)
        apps.append(u)
        return u

    yield make
    for u in apps:
        u.kill()


def test_fastapi_app_reports_errors_and_request_metrics(host_factory, uvicorn_factory):
    h = host_factory(plugins=[ET, MC])
    app = uvicorn_factory(h, "sdk-fastapi", 0.5)
    for i in (1, 2, 3):
        assert http("GET", app.url(f"/items/{i}")).json() == {"id": i}
    r = http("GET", app.url("/boom/7?x=1"), headers={"Authorization": "Bearer s3cret", "Cookie": "sid=abc",
                                                      "X-Trace": "trace-1"})
    assert r.status == 500 and r.json() == {"detail": "Internal server error"}

    # the error, with its traceback, route and request context
    def groups():
        r = h.request(ET, "GET", "/api/errors?project=sdk-fastapi")
        return r.json()["errors"] if r.status == 200 else None
    errors = wait_for(groups)
    assert errors and len(errors) == 1, app.log()
    g = errors[0]
    assert g["exception_type"] == "RuntimeError" and g["message"] == "boom 7" and g["environment"] == "test"
    assert g["source"] == "server"
    detail = h.request(ET, "GET", f"/api/errors/{g['id']}").json()
    tb = detail["traceback"]
    assert tb.startswith("Traceback (most recent call last):") and tb.rstrip().endswith("RuntimeError: boom 7")
    assert f'File "{app.app_file}"' in tb and "in boom" in tb
    occ = detail["occurrences"][0]
    assert occ["request_url"] == app.url("/boom/7?x=1") and occ["request_method"] == "GET"
    headers = {k.lower(): v for k, v in occ["request_headers"].items()}
    assert headers["x-trace"] == "trace-1" and "authorization" not in headers and "cookie" not in headers
    assert occ["extra"]["route"] == "/boom/{n}" and occ["extra"]["server_name"] == socket.gethostname()

    # the request metrics, by route template and status
    assert wait_for(lambda: metric_totals(h, "http_requests_total", "sdk-fastapi",
                                          {"endpoint": "/items/{item_id}", "status": "200"})[1] >= 4)
    # /items/0 (the readiness probe) and /items/1..3
    assert metric_totals(h, "http_requests_total", "sdk-fastapi",
                         {"endpoint": "/items/{item_id}", "status": "200"}) == (4, 4.0, "counter")
    assert wait_for(lambda: metric_totals(h, "http_requests_total", "sdk-fastapi",
                                          {"endpoint": "/boom/{n}"})[1] == 1)
    count, total, mtype = metric_totals(h, "http_request_duration_seconds", "sdk-fastapi",
                                        {"method": "GET", "status": "500"})
    assert (count, mtype) == (1, "histogram") and 0 < total < 5
    assert app.stop(), app.log()


def test_fastapi_app_flushes_on_shutdown(host_factory, uvicorn_factory):
    """With a flush interval far away, the points arrive when uvicorn stops (the lifespan's end)."""
    h = host_factory(plugins=[ET, MC])
    app = uvicorn_factory(h, "sdk-lifespan", 3600)
    for i in range(5):
        assert http("GET", app.url(f"/items/{i}")).status == 200
    time.sleep(1.0)
    assert metric_totals(h, "http_requests_total", "sdk-lifespan")[0] == 0  # nothing sent yet
    assert app.stop(), app.log()
    # the readiness probes (/items/0) plus the five requests
    count, total, _ = metric_totals(h, "http_requests_total", "sdk-lifespan")
    assert count >= 6 and total == count
    assert metric_totals(h, "http_request_duration_seconds", "sdk-lifespan")[0] == count


def test_error_client_against_the_host(host_factory):
    import asyncio
    h = host_factory(plugins=[ET])
    errors = ErrorClient(base_url=h.url(ET) + "/", api_key=h.key(ET), project="sdk-direct")

    def fail():
        raise KeyError("k")

    answers = []
    for _ in range(2):
        try:
            fail()
        except KeyError as exc:
            answers.append(errors.report_error_sync(exc, request_context={"user_id": 7}))

    async def report():
        try:
            fail()
        except KeyError as exc:
            return await errors.report_error(exc, request_context={"request_url": "/api", "request_method": "POST",
                                                                   "user_id": "u1"})
    answers.append(asyncio.run(report()))
    errors.close()
    assert [a["status"] for a in answers] == ["created", "incremented", "incremented"]
    assert answers[2]["count"] == 3 and len({a["fingerprint"] for a in answers}) == 1
    detail = h.request(ET, "GET", f"/api/errors/{answers[0]['id']}").json()
    assert [o["user_id"] for o in detail["occurrences"]] == ["u1", "7", "7"]
    # a wrong key: logged and None, never raised
    assert ErrorClient(h.url(ET), "wrong-key").report_error_sync(ValueError("x")) is None


def test_3000_points_in_one_flush_arrive_in_three_accepted_batches(host_factory):
    h = host_factory(plugins=[MC])
    transport = RecordingTransport()
    m = MetricsClient(h.url(MC), h.key(MC), flush_interval=3600, project="sdk-bulk", transport=transport)
    for i in range(3000):
        m.counter("sdk_bulk_total", labels={"shard": str(i % 3)})
    m.flush()
    assert transport.log == [(1000, 202, {"status": "accepted", "count": 1000, "dropped": 0})] * 3
    assert (m.sent_count, m.batches_sent, m.dropped_count, m.pending_count) == (3000, 3, 0, 0)
    assert metric_totals(h, "sdk_bulk_total", "sdk-bulk")[:2] == (3000, 3000.0)
    assert metric_totals(h, "sdk_bulk_total", "sdk-bulk", {"shard": "2"})[0] == 1000
    m.shutdown()


def test_host_down_then_up_loses_nothing_that_fits_the_buffer(host_factory):
    h = host_factory(plugins=[MC])
    assert h.stop() == 0  # the collector is down from the start
    m = MetricsClient(h.url(MC), h.key(MC), flush_interval=0.2, max_retries=1, max_buffer=1000,
                      project="sdk-outage")
    m.start()
    for round_ in range(7):
        for i in range(100):
            m.histogram("sdk_outage_seconds", round_ + i / 100)
        time.sleep(0.15)
    time.sleep(1.0)  # several failed flushes
    assert (m.sent_count, m.dropped_count, m.pending_count) == (0, 0, 700)
    h.start()
    assert wait_for(lambda: m.pending_count == 0 and m.sent_count == 700, timeout=30), \
        (m.sent_count, m.pending_count, m.dropped_count)
    m.shutdown()
    assert m.dropped_count == 0
    assert metric_totals(h, "sdk_outage_seconds", "sdk-outage")[0] == 700


EXIT_SCRIPT = textwrap.dedent('''
    import sys
    from monlight import MetricsClient

    metrics = MetricsClient(base_url=sys.argv[1], api_key=sys.argv[2], flush_interval=3600.0, project="sdk-exit")
    metrics.start()
    for i in range(250):
        metrics.gauge("sdk_exit_gauge", i, labels={"worker": "w1"})
    metrics.counter("sdk_exit_total", value=5)
    print("recorded", flush=True)
    # no shutdown(): the interpreter exits here
''')


def test_process_exiting_without_shutdown_still_delivers(host_factory, tmp_path):
    h = host_factory(plugins=[MC])
    script = tmp_path / "exit_script.py"
    script.write_text(EXIT_SCRIPT)
    p = subprocess.run([sys.executable, str(script), h.url(MC), h.key(MC)], env=sdk_env(), capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "recorded", p.stderr
    assert metric_totals(h, "sdk_exit_gauge", "sdk-exit")[0] == 250  # committed before the process ended
    assert metric_totals(h, "sdk_exit_total", "sdk-exit")[:2] == (1, 5.0)


def log_viewer_entries(h, source):
    r = h.request(LV, "GET", "/api/logs?" + urllib.parse.urlencode({"container": source, "limit": 100}))
    assert r.status == 200, r
    return r.json()["logs"]


def test_log_handler_ships_records_to_the_log_viewer(host_factory, tmp_path):
    import logging
    from monlight.handlers import MonlightLogHandler
    docker = tmp_path / "containers"
    docker.mkdir()
    h = host_factory(plugins=[LV], config={"log-viewer.log_sources": str(docker)})
    handler = MonlightLogHandler(h.url(LV), h.key(LV), source="sdk-logs", flush_interval=3600)
    log = logging.getLogger("sdk.integration.orders")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    try:
        log.info("order %s placed", "o-1")
        try:
            {}["sku"]
        except KeyError:
            log.exception("order failed")
        log.debug("detail")
        handler.flush()
    finally:
        log.removeHandler(handler)
        handler.close()
    assert handler.sent_count == 3 and handler.dropped_count == 0
    entries = log_viewer_entries(h, "sdk-logs")
    by_level = {e["level"]: e for e in entries}
    assert set(by_level) == {"INFO", "ERROR", "DEBUG"}, entries
    assert by_level["INFO"]["message"] == "order o-1 placed"
    err = by_level["ERROR"]["message"]
    assert err.startswith("order failed\nTraceback (most recent call last):") and "KeyError: 'sku'" in err
    assert by_level["ERROR"].get("attributes", {}).get("logger") == "sdk.integration.orders"
    assert by_level["ERROR"]["container"] == "sdk-logs"


def test_log_handler_bulk_and_long_messages_reach_the_log_viewer(host_factory, tmp_path):
    import logging
    from monlight.handlers import MonlightLogHandler
    docker = tmp_path / "containers"
    docker.mkdir()
    h = host_factory(plugins=[LV], config={"log-viewer.log_sources": str(docker)})
    handler = MonlightLogHandler(h.url(LV), h.key(LV), source="sdk-bulk", flush_interval=3600)
    log = logging.getLogger("sdk.integration.bulk")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    long_text = "".join(f"line {i:06d} ünïcödé\n" for i in range(8000))  # ~190 KB, cut into several entries
    try:
        for i in range(2500):
            log.info("bulk %d", i)
        log.warning(long_text)
        handler.flush()
    finally:
        log.removeHandler(handler)
        handler.close()
    assert handler.dropped_count == 0
    pieces = handler.sent_count - 2500
    assert pieces >= 4 and handler.batches_sent >= 3  # at most 1000 entries a request
    r = h.request(LV, "GET", "/api/logs?" + urllib.parse.urlencode({"container": "sdk-bulk", "limit": 1}))
    assert r.json()["total"] == 2500 + pieces
    r = h.request(LV, "GET", "/api/logs?" + urllib.parse.urlencode({"container": "sdk-bulk", "level": "WARNING",
                                                                   "limit": 500}))
    parts = [e["message"] for e in reversed(r.json()["logs"])]
    assert len(parts) == pieces and "".join(parts) == long_text
