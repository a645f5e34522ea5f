import asyncio
import json
import logging
import socket

import httpx
import pytest

import monlight
from monlight import ErrorClient
from monlight import _http

from sdkmock import Recorder
from monlight_test import VERSION


def raise_chained():
    try:
        {}["missing"]
    except KeyError as e:
        raise ValueError("bad value") from e


def caught(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return e
    raise AssertionError("did not raise")


@pytest.fixture
def no_sleep(monkeypatch):
    delays = []
    monkeypatch.setattr(_http.time, "sleep", lambda d: delays.append(d))
    return delays


def test_version_and_exports():
    assert monlight.__version__ == VERSION
    assert set(monlight.__all__) == {"ErrorClient", "MetricsClient", "__version__"}
    pytest.importorskip("fastapi")
    from monlight.integrations import fastapi as integ
    for name in ("setup_monlight", "MonlightMiddleware", "MonlightExceptionHandler"):
        assert hasattr(integ, name)


@pytest.mark.parametrize("kwargs", [{"base_url": "", "api_key": "k"}, {"base_url": "http://x", "api_key": ""},
                                    {"base_url": "  ", "api_key": "k"}, {"base_url": "http://x", "api_key": None}])
def test_empty_base_url_or_key_is_value_error(kwargs):
    with pytest.raises(ValueError):
        ErrorClient(**kwargs)


def test_payload_headers_and_url():
    rec = Recorder()
    ec = ErrorClient(base_url="http://tracker:5010///", api_key="KEY", project="my-app",
                     transport=httpx.MockTransport(rec))
    exc = caught(raise_chained)
    assert ec.report_error_sync(exc) == {"status": "created", "id": 1}
    req = rec.requests[0]
    assert req.method == "POST" and str(req.url) == "http://tracker:5010/api/errors"
    assert req.headers["x-api-key"] == "KEY"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"] == f"monlight-python/{VERSION}"
    body = rec.bodies()[0]
    assert body["project"] == "my-app" and body["environment"] == "prod"
    assert body["exception_type"] == "ValueError" and body["message"] == "bad value"
    tb = body["traceback"]
    # the chained exception is included, with both frames of this file
    assert "KeyError: 'missing'" in tb and "direct cause of the following exception" in tb
    assert tb.rstrip().endswith("ValueError: bad value")
    assert f'File "{__file__}"' in tb and "in raise_chained" in tb
    # only the keys present in the (absent) request context are sent; server_name always, in extra
    assert "request_url" not in body and "request_headers" not in body and "user_id" not in body
    assert body["extra"] == {"server_name": socket.gethostname()}


def test_qualname_and_request_context_with_secret_headers_removed():
    class Outer:
        class Boom(Exception):
            pass

    rec = Recorder()
    ec = ErrorClient("http://t", "K", project="p", environment="staging", excluded_headers=["X-Tenant-Token"],
                     transport=httpx.MockTransport(rec))
    headers = {"Authorization": "Bearer s", "Cookie": "a=b", "set-cookie": "c", "X-API-Key": "k",
               "Proxy-Authorization": "p", "X-Monlight-Key": "m", "x-tenant-token": "t", "Accept": "*/*",
               "User-Agent": "pytest"}
    ctx = {"request_url": "/api", "request_method": "POST", "request_headers": headers, "user_id": 42,
           "extra": {"k": "v", "nan": float("nan"), "obj": object}}
    ec.report_error_sync(Outer.Boom("x"), request_context=ctx)
    body = rec.bodies()[0]
    assert body["exception_type"].endswith("Outer.Boom")  # __qualname__, not __name__
    assert body["environment"] == "staging"
    assert body["request_url"] == "/api" and body["request_method"] == "POST"
    assert body["request_headers"] == {"Accept": "*/*", "User-Agent": "pytest"}
    assert body["user_id"] == "42"
    assert body["extra"]["k"] == "v" and body["extra"]["nan"] == "nan"
    assert body["extra"]["server_name"] == socket.gethostname()
    assert headers["Authorization"] == "Bearer s"  # the caller's dict is not modified
    # an exception that was never raised has no frames but still reports
    assert ec.report_error_sync(RuntimeError("never raised")) is not None
    assert rec.bodies()[1]["traceback"] == "RuntimeError: never raised\n"


def test_seed_usage_async_and_sync():
    rec = Recorder()
    errors = ErrorClient(base_url="http://localhost:5010", api_key="KEY", project="my-app",
                         transport=httpx.MockTransport(rec), async_transport=httpx.MockTransport(rec))
    exc = caught(raise_chained)

    async def main():
        return await errors.report_error(exc, request_context={"request_url": "/api", "request_method": "POST",
                                                               "user_id": "u1"})

    assert asyncio.run(main()) == {"status": "created", "id": 1}
    assert errors.report_error_sync(exc) == {"status": "created", "id": 1}
    a, s = rec.bodies()
    assert a["user_id"] == "u1" and a["request_url"] == "/api" and a["request_method"] == "POST"
    assert s["traceback"] == a["traceback"] and "request_url" not in s


def test_clients_are_reused():
    rec = Recorder()
    ec = ErrorClient("http://t", "K", transport=httpx.MockTransport(rec), async_transport=httpx.MockTransport(rec))
    ec.report_error_sync(ValueError("a"))
    first = ec._sync_client
    ec.report_error_sync(ValueError("b"))
    assert ec._sync_client is first and first is not None

    async def two_reports():
        await ec.report_error(ValueError("c"))
        c1 = ec._get_async_client()
        await ec.report_error(ValueError("d"))
        assert ec._get_async_client() is c1
        return c1

    c_loop1 = asyncio.run(two_reports())
    c_loop2 = asyncio.run(two_reports())
    assert c_loop1 is not c_loop2  # one AsyncClient per event loop
    assert len(rec.requests) == 6
    ec.close()
    assert first.is_closed


def test_async_context_manager_closes_the_loop_client():
    rec = Recorder()

    async def main():
        async with ErrorClient("http://t", "K", async_transport=httpx.MockTransport(rec)) as ec:
            await ec.report_error(ValueError("x"))
            client = ec._get_async_client()
        return client

    assert asyncio.run(main()).is_closed


def test_retries_5xx_then_succeeds(no_sleep):
    rec = Recorder(httpx.Response(500), httpx.Response(502), httpx.Response(200, json={"status": "incremented"}))
    ec = ErrorClient("http://t", "K", transport=httpx.MockTransport(rec))
    assert ec.report_error_sync(ValueError("x")) == {"status": "incremented"}
    assert len(rec.requests) == 3
    # delay min(5, 0.5 * 2^attempt) +- 20 %
    assert 0.4 <= no_sleep[0] <= 0.6 and 0.8 <= no_sleep[1] <= 1.2


def test_gives_up_after_max_retries_and_returns_none(no_sleep, caplog):
    rec = Recorder(httpx.ConnectError("refused"))
    ec = ErrorClient("http://t", "K", max_retries=2, transport=httpx.MockTransport(rec))
    with caplog.at_level(logging.WARNING, logger="monlight.error_client"):
        assert ec.report_error_sync(ValueError("x")) is None
    assert len(rec.requests) == 3
    assert any("not delivered" in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)


def test_429_retry_after_is_honoured_and_capped(no_sleep):
    rec = Recorder(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(503, headers={"Retry-After":
                                                                                                    "120"}),
                   httpx.Response(201, json={"status": "created"}))
    ec = ErrorClient("http://t", "K", transport=httpx.MockTransport(rec))
    assert ec.report_error_sync(ValueError("x")) == {"status": "created"}
    assert no_sleep == [3.0, 5.0]  # Retry-After, capped at the error client's cap of 5 s


def test_other_4xx_is_not_retried_and_logged(no_sleep, caplog):
    rec = Recorder(httpx.Response(400, json={"detail": "Field 'project' must be 1-100 characters" + "x" * 300}))
    ec = ErrorClient("http://t", "K", transport=httpx.MockTransport(rec))
    with caplog.at_level(logging.WARNING, logger="monlight.error_client"):
        assert ec.report_error_sync(ValueError("x")) is None
    assert len(rec.requests) == 1 and no_sleep == []
    msgs = [r.getMessage() for r in caplog.records]
    assert any("400" in m and "Field 'project'" in m for m in msgs)
    assert all(len(m) < 300 for m in msgs)  # the body is cut to 200 characters


def test_async_retries_and_never_raises(monkeypatch):
    delays = []

    async def fake_sleep(d):
        delays.append(d)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    rec = Recorder(httpx.ReadTimeout("slow"), httpx.Response(429, headers={"Retry-After": "1"}),
                   httpx.Response(201, json={"status": "created"}))
    ec = ErrorClient("http://t", "K", async_transport=httpx.MockTransport(rec))
    assert asyncio.run(ec.report_error(ValueError("x"))) == {"status": "created"}
    assert len(rec.requests) == 3 and delays[1] == 1.0

    def broken(request):
        raise RuntimeError("transport bug")

    ec2 = ErrorClient("http://t", "K", transport=httpx.MockTransport(broken),
                      async_transport=httpx.MockTransport(broken))
    assert asyncio.run(ec2.report_error(ValueError("x"))) is None
    assert ec2.report_error_sync(ValueError("x")) is None


def test_unprintable_exception_still_reports():
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no str")

    rec = Recorder()
    ec = ErrorClient("http://t", "K", transport=httpx.MockTransport(rec))
    assert ec.report_error_sync(Weird()) is not None
    body = rec.bodies()[0]
    assert body["exception_type"].endswith("Weird") and "unprintable" in body["message"]
