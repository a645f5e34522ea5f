"""The FastAPI integration in process (starlette's TestClient), with the SDK's HTTP mocked."""
import contextlib
import json
import logging
import socket

import httpx
import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from monlight import ErrorClient, MetricsClient  # noqa: E402
from monlight.integrations.fastapi import MonlightMiddleware, setup_monlight  # noqa: E402

from sdkmock import Recorder  # noqa: E402


def add_routes(app):
    @app.get("/items/{item_id}")
    async def item(item_id: int):
        return {"id": item_id}

    @app.get("/boom/{n}")
    async def boom(n: int):
        raise RuntimeError(f"boom {n}")

    @app.get("/sync-boom")
    def sync_boom():
        return {}["missing"]


def mocked(app, **kw):
    """setup_monlight with both URLs, the clients' transports replaced by recorders."""
    clients = setup_monlight(app, error_tracker_url="http://et:5010", metrics_collector_url="http://mc:5012",
                             api_key="KEY", project="my-app", **kw)
    et, mc = Recorder(), Recorder(httpx.Response(202, json={"status": "accepted"}))
    clients["error_client"]._async_transport = httpx.MockTransport(et)
    clients["metrics_client"]._sender._transport = httpx.MockTransport(mc)
    return clients, et, mc


def points(rec, name=None):
    pts = [p for r in rec.requests for p in json.loads(r.content)]
    return [p for p in pts if name is None or p["name"] == name]


def test_setup_returns_clients_and_checks_keys():
    app = FastAPI()
    clients = setup_monlight(app, error_tracker_url="http://et:5010/", metrics_collector_url="http://mc:5012",
                             error_tracker_api_key="ET", metrics_collector_api_key="MC", project="p",
                             environment="staging", flush_interval=7.0)
    ec, mc = clients["error_client"], clients["metrics_client"]
    assert isinstance(ec, ErrorClient) and isinstance(mc, MetricsClient)
    assert app.state.monlight_error_client is ec
    assert ec._api_key == "ET" and ec.project == "p" and ec.environment == "staging"
    assert ec.base_url == "http://et:5010"
    assert mc._sender._api_key == "MC" and mc.project == "p" and mc.flush_interval == 7.0
    assert mc._sender.started  # start() was called
    mc.shutdown()

    with pytest.raises(ValueError):
        setup_monlight(FastAPI(), error_tracker_url="http://et")
    with pytest.raises(ValueError):
        setup_monlight(FastAPI(), metrics_collector_url="http://mc", error_tracker_api_key="only-et")
    only_errors = setup_monlight(FastAPI(), error_tracker_url="http://et", api_key="K")
    assert only_errors["metrics_client"] is None and only_errors["error_client"] is not None
    assert setup_monlight(FastAPI()) == {"error_client": None, "metrics_client": None}


def test_middleware_labels_and_error_report():
    app = FastAPI()
    add_routes(app)
    clients, et, mc = mocked(app)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/items/5").json() == {"id": 5}
        assert c.get("/items/6").status_code == 200
        assert c.get("/nowhere/at/all").status_code == 404
        assert c.post("/items/5").status_code == 405
        r = c.get("/boom/7?q=1", headers={"Authorization": "Bearer secret", "Cookie": "sid=1", "X-Trace": "t1"})
        assert r.status_code == 500 and r.json() == {"detail": "Internal server error"}
        assert c.get("/sync-boom").status_code == 500
    # leaving the TestClient ran the lifespan's end: metrics flushed, pending reports awaited
    counts = {}
    for p in points(mc, "http_requests_total"):
        key = (p["labels"]["method"], p["labels"]["endpoint"], p["labels"]["status"])
        counts[key] = counts.get(key, 0) + p["value"]
        assert p["type"] == "counter" and p["project"] == "my-app"
    assert counts == {("GET", "/items/{item_id}", "200"): 2, ("GET", "unmatched", "404"): 1,
                      ("POST", "/items/{item_id}", "405"): 1, ("GET", "/boom/{n}", "500"): 1,
                      ("GET", "/sync-boom", "500"): 1}
    durations = points(mc, "http_request_duration_seconds")
    assert len(durations) == 6 and all(p["type"] == "histogram" and 0 < p["value"] < 5 for p in durations)

    reports = et.bodies()
    assert len(reports) == 2
    boom = next(b for b in reports if b["exception_type"] == "RuntimeError")
    assert boom["message"] == "boom 7" and boom["project"] == "my-app" and boom["environment"] == "prod"
    assert "in boom" in boom["traceback"] and "RuntimeError: boom 7" in boom["traceback"]
    assert boom["request_url"] == "http://testserver/boom/7?q=1" and boom["request_method"] == "GET"
    hdrs = {k.lower(): v for k, v in boom["request_headers"].items()}
    assert hdrs["x-trace"] == "t1" and "authorization" not in hdrs and "cookie" not in hdrs
    assert boom["extra"] == {"route": "/boom/{n}", "server_name": socket.gethostname()}
    sync = next(b for b in reports if b["exception_type"] == "KeyError")
    assert sync["extra"]["route"] == "/sync-boom"
    assert clients["metrics_client"]._sender._shut_down


def test_exception_handler_logs_and_works_without_metrics(caplog):
    app = FastAPI()
    add_routes(app)
    clients = setup_monlight(app, error_tracker_url="http://et", api_key="K", project="p")
    et = Recorder()
    clients["error_client"]._async_transport = httpx.MockTransport(et)
    with caplog.at_level(logging.ERROR, logger="monlight.fastapi"):
        with TestClient(app, raise_server_exceptions=False) as c:
            assert c.get("/boom/1").status_code == 500
    assert [b["message"] for b in et.bodies()] == ["boom 1"]
    assert et.bodies()[0]["extra"]["route"] == "/boom/{n}"  # found without the middleware too
    rec = [r for r in caplog.records if r.getMessage() == "Unhandled exception: boom 1"]
    assert rec and rec[0].exc_info[0] is RuntimeError


def test_lifespan_function_and_on_event_handlers_still_run():
    events = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        events.append("start")
        yield
        events.append("stop")

    app = FastAPI(lifespan=lifespan)
    add_routes(app)
    clients, et, mc = mocked(app)
    with TestClient(app) as c:
        c.get("/items/1")
        assert events == ["start"]
    assert events == ["start", "stop"]
    assert len(points(mc, "http_requests_total")) == 1  # flushed when the lifespan ended

    if hasattr(FastAPI, "on_event"):
        app2 = FastAPI()
        add_routes(app2)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)

            @app2.on_event("startup")
            async def up():
                events.append("up")

            @app2.on_event("shutdown")
            async def down():
                events.append("down")

        clients2, et2, mc2 = mocked(app2)
        with TestClient(app2) as c:
            c.get("/items/2")
        assert events[-2:] == ["up", "down"]
        assert len(points(mc2, "http_requests_total")) == 1


def test_mounted_app_routes_carry_the_mount_prefix():
    inner = FastAPI()

    @inner.get("/orders/{oid}")
    async def order(oid: str):
        return {"oid": oid}

    app = FastAPI()
    app.mount("/shop", inner)
    rec = Recorder(httpx.Response(202, json={}))
    mc = MetricsClient("http://mc", "K", flush_interval=3600, transport=httpx.MockTransport(rec))
    app.add_middleware(MonlightMiddleware, metrics_client=mc)
    with TestClient(app) as c:
        assert c.get("/shop/orders/a1").json() == {"oid": "a1"}
    mc.flush()
    assert [p["labels"]["endpoint"] for p in points(rec, "http_requests_total")] == ["/shop/orders/{oid}"]


def test_plain_starlette_routes_are_found():
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(request):
        return PlainTextResponse("hi")

    app = Starlette(routes=[Route("/hello/{name}", hello)])
    rec = Recorder(httpx.Response(202, json={}))
    mc = MetricsClient("http://mc", "K", flush_interval=3600, transport=httpx.MockTransport(rec))
    app.add_middleware(MonlightMiddleware, metrics_client=mc)
    with TestClient(app) as c:
        assert c.get("/hello/bob").text == "hi"
        assert c.get("/bye").status_code == 404
    mc.flush()
    assert [(p["labels"]["endpoint"], p["labels"]["status"]) for p in points(rec, "http_requests_total")] == \
        [("/hello/{name}", "200"), ("unmatched", "404")]


def test_middleware_does_not_alter_responses_or_swallow_exceptions():
    app = FastAPI()

    @app.get("/stream")
    async def stream():
        from fastapi.responses import StreamingResponse

        async def gen():
            for i in range(3):
                yield f"{i}\n"
        return StreamingResponse(gen(), media_type="text/plain", headers={"X-Custom": "1"})

    @app.get("/raise")
    async def raise_():
        raise ValueError("through")

    rec = Recorder(httpx.Response(202, json={}))
    mc = MetricsClient("http://mc", "K", flush_interval=3600, transport=httpx.MockTransport(rec))
    app.add_middleware(MonlightMiddleware, metrics_client=mc)
    with TestClient(app) as c:
        r = c.get("/stream")
        assert r.text == "0\n1\n2\n" and r.headers["x-custom"] == "1"
        with pytest.raises(ValueError, match="through"):
            c.get("/raise")
    mc.flush()
    assert sorted(p["labels"]["status"] for p in points(rec, "http_requests_total")) == ["200", "500"]


def test_reports_in_flight_are_bounded(monkeypatch):
    from monlight.integrations import fastapi as integ
    monkeypatch.setattr(integ, "MAX_PENDING_REPORTS", 2)
    app = FastAPI()
    add_routes(app)
    clients = setup_monlight(app, error_tracker_url="http://et", api_key="K", project="p")
    import asyncio
    import threading
    release = threading.Event()
    seen = []

    async def slow(request):  # the tracker hangs until released
        seen.append(request)
        while not release.is_set():
            await asyncio.sleep(0.01)
        return httpx.Response(201, json={"status": "created"})

    clients["error_client"]._async_transport = httpx.MockTransport(slow)
    with TestClient(app, raise_server_exceptions=False) as c:
        for i in range(5):
            assert c.get(f"/boom/{i}").status_code == 500  # answered at once, whatever the tracker does
        assert len(integ._pending_reports) == 2
        release.set()
    assert len(seen) == 2 and not integ._pending_reports
