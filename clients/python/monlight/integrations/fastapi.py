"""FastAPI / Starlette integration (SPEC §7.3): `setup_monlight(app, ...)` adds request metrics and error reporting.

```python
from monlight.integrations.fastapi import setup_monlight
clients = setup_monlight(app, error_tracker_url="http://localhost:5010", metrics_collector_url="http://localhost:5012",
                         api_key="KEY", project="my-app")
```
"""
import asyncio
import contextlib
import logging
import time

from starlette.responses import JSONResponse

from .._http import RateLimitedLog
from ..error_client import ErrorClient
from ..metrics_client import MetricsClient

logger = logging.getLogger("monlight.fastapi")

__all__ = ["setup_monlight", "MonlightMiddleware", "MonlightExceptionHandler"]

# References to the report tasks in flight, so that they are not garbage-collected before they finish. Bounded:
# during an error storm (tracker slow or rate limiting) further reports are skipped rather than piling up.
_pending_reports = set()
MAX_PENDING_REPORTS = 1000
_storm_warning = RateLimitedLog(logger)


def _route_template(scope, entry_scope=None):
    """The path template of the route that handled the request ("/items/{item_id}"), or None."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(path, str):
        entry_root = (entry_scope or {}).get("root_path", "")
        root = scope.get("root_path", "") or ""
        prefix = root[len(entry_root):] if root.startswith(entry_root) else ""
        return prefix + path
    if entry_scope is None:
        return None
    # Plain Starlette routes do not put the route in the scope: look it up as the router did.
    app = scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", None) or getattr(app, "routes", None) or []
    try:
        from starlette.routing import Match
        partial = None
        for r in routes:
            match, _ = r.matches(dict(entry_scope))
            template = getattr(r, "path_format", None) or getattr(r, "path", None)
            if not isinstance(template, str):
                continue
            if match == Match.FULL:
                return template
            if match == Match.PARTIAL and partial is None:
                partial = template  # the path matched, the method did not (405)
        return partial
    except Exception:
        return None


class MonlightMiddleware:
    """Pure ASGI middleware: per HTTP request, counts `http_requests_total` and records
    `http_request_duration_seconds` with labels method, endpoint (route template or "unmatched") and status.
    The response is not altered and exceptions are re-raised."""

    def __init__(self, app, metrics_client):
        self.app = app
        self.metrics_client = metrics_client

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        entry_scope = {k: scope.get(k) for k in ("type", "path", "method", "root_path", "raw_path", "headers")
                       if k in scope}
        status = {"code": None}

        async def send_wrapper(message):
            if message.get("type") == "http.response.start":
                status["code"] = message.get("status")
            await send(message)

        start = time.perf_counter()
        raised = False
        try:
            await self.app(scope, receive, send_wrapper)
        except BaseException:
            raised = True
            raise
        finally:
            duration = time.perf_counter() - start
            try:
                if raised or status["code"] is None:
                    code = "500"
                else:
                    code = str(status["code"])
                endpoint = _route_template(scope, entry_scope) or "unmatched"
                scope["monlight.endpoint"] = endpoint  # for MonlightExceptionHandler, which runs after this
                labels = {"method": scope.get("method", ""), "endpoint": endpoint, "status": code}
                self.metrics_client.counter("http_requests_total", labels=labels)
                self.metrics_client.histogram("http_request_duration_seconds", duration, labels=labels)
            except Exception:  # metrics must never break a request
                logger.debug("recording request metrics failed", exc_info=True)


async def MonlightExceptionHandler(request, exc):
    """Exception handler for unhandled exceptions: schedules the report (without waiting for the network), logs the
    exception and answers 500 `{"detail": "Internal server error"}`."""
    client = getattr(request.app.state, "monlight_error_client", None)
    if client is not None and len(_pending_reports) >= MAX_PENDING_REPORTS:
        _storm_warning.warning("storm", "%d error reports already in flight: this one is not reported",
                               len(_pending_reports))
    elif client is not None:
        try:
            context = {"request_url": str(request.url), "request_method": request.method,
                       "request_headers": dict(request.headers)}
            route = request.scope.get("monlight.endpoint") or _route_template(request.scope)
            if route and route != "unmatched":
                context["extra"] = {"route": route}
            task = asyncio.get_running_loop().create_task(client.report_error(exc, request_context=context))
            _pending_reports.add(task)
            task.add_done_callback(_pending_reports.discard)
        except Exception:
            logger.debug("scheduling the error report failed", exc_info=True)
    logger.error("Unhandled exception: %s", exc, exc_info=(type(exc), exc, exc.__traceback__))
    return JSONResponse(status_code=500, content={"detail": "Internal server error"})


async def _wait_pending_reports(timeout):
    tasks = [t for t in _pending_reports if not t.done() and t.get_loop() is asyncio.get_running_loop()]
    if tasks:
        await asyncio.wait(tasks, timeout=timeout)


def _wrap_lifespan(app, metrics_client, error_client):
    router = app.router
    original = router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a):
        try:
            async with original(a) as state:
                yield state
        finally:
            try:
                if metrics_client is not None:
                    await asyncio.get_running_loop().run_in_executor(None, metrics_client.shutdown)
                if error_client is not None:
                    await _wait_pending_reports(5.0)
                    await error_client.aclose()
            except Exception:
                logger.warning("closing the Monlight clients failed", exc_info=True)

    router.lifespan_context = lifespan


def setup_monlight(app, *, error_tracker_url=None, metrics_collector_url=None, api_key=None,
                   error_tracker_api_key=None, metrics_collector_api_key=None, project="default",
                   environment="prod", flush_interval=10.0):
    """Adds error reporting (with `error_tracker_url`) and request metrics (with `metrics_collector_url`) to a
    FastAPI/Starlette app. Returns {"error_client": ErrorClient | None, "metrics_client": MetricsClient | None}."""
    et_key = error_tracker_api_key or api_key
    mc_key = metrics_collector_api_key or api_key
    if error_tracker_url and not et_key:
        raise ValueError("error_tracker_url given without error_tracker_api_key or api_key")
    if metrics_collector_url and not mc_key:
        raise ValueError("metrics_collector_url given without metrics_collector_api_key or api_key")
    error_client = metrics_client = None
    if error_tracker_url:
        error_client = ErrorClient(base_url=error_tracker_url, api_key=et_key, project=project,
                                   environment=environment)
    if metrics_collector_url:
        metrics_client = MetricsClient(base_url=metrics_collector_url, api_key=mc_key, project=project,
                                       flush_interval=flush_interval)
    if error_client is not None:
        app.state.monlight_error_client = error_client
        app.add_exception_handler(Exception, MonlightExceptionHandler)
    if metrics_client is not None:
        app.add_middleware(MonlightMiddleware, metrics_client=metrics_client)
        metrics_client.start()
    if error_client is not None or metrics_client is not None:
        _wrap_lifespan(app, metrics_client, error_client)
    return {"error_client": error_client, "metrics_client": metrics_client}
