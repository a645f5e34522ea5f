"""ErrorClient: reports exceptions to the error tracker (`POST <base>/api/errors`, SPEC §7.1)."""
import asyncio
import logging
import os
import socket
import threading
import traceback
import weakref

from . import _http

logger = logging.getLogger("monlight.error_client")

SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization",
                            "x-monlight-key"})

_RETRY_BASE = 0.5
_RETRY_CAP = 5.0

_instances = weakref.WeakSet()


def _after_fork_in_child():
    for c in list(_instances):
        c._sync_lock = threading.Lock()
        c._async_lock = threading.Lock()
        c._sync_client = None  # the parent's pooled connections are not ours to use
        c._async_clients = weakref.WeakKeyDictionary()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _hostname():
    try:
        return socket.gethostname()
    except Exception:
        return None


class ErrorClient:
    """Sends one report per call; `report_error` (async) and `report_error_sync` return the tracker's answer
    (`{"status": "created", ...}`) or None on failure, and never raise."""

    def __init__(self, base_url, api_key, project="default", environment="prod", timeout=5.0,
                 excluded_headers=None, max_retries=2, transport=None, async_transport=None):
        self.base_url = _http.check_base_url(base_url)
        self._api_key = _http.check_api_key(api_key)
        if not isinstance(project, str) or not 1 <= len(project) <= 100:
            raise ValueError("project must be a string of 1-100 characters")
        if environment is not None and not isinstance(environment, str):
            raise ValueError("environment must be a string")
        _http.check_positive("timeout", timeout)
        _http.check_non_negative_int("max_retries", max_retries)
        self.project = project
        self.environment = environment
        self.timeout = timeout
        self.max_retries = max_retries
        self.excluded_headers = SECRET_HEADERS | {str(h).lower() for h in (excluded_headers or ())}
        self.server_name = _hostname()
        self._url = self.base_url + "/api/errors"
        self._transport = transport
        self._async_transport = async_transport
        self._sync_client = None
        self._sync_lock = threading.Lock()
        self._async_clients = weakref.WeakKeyDictionary()  # event loop -> httpx.AsyncClient
        self._async_lock = threading.Lock()
        self._warn = _http.RateLimitedLog(logger)
        _instances.add(self)

    # -- payload ----------------------------------------------------------------------------------------------------
    def build_payload(self, exc, request_context=None):
        """The JSON body reported for `exc` (SPEC §7.1), with `server_name` (the host name) in `extra`."""
        etype = type(exc)
        try:
            message = str(exc)
        except Exception:
            message = f"<unprintable {etype.__name__}>"
        try:
            tb = "".join(traceback.format_exception(etype, exc, exc.__traceback__))
        except Exception:
            tb = ""
        payload = {
            "project": self.project,
            "exception_type": (getattr(etype, "__qualname__", None) or etype.__name__)[:200],
            "message": message,
            "traceback": tb,
        }
        if self.environment:
            payload["environment"] = self.environment[:50]
        ctx = request_context if isinstance(request_context, dict) else {}
        for key in ("request_url", "request_method"):
            if ctx.get(key) is not None:
                payload[key] = str(ctx[key])
        headers = ctx.get("request_headers")
        if headers is not None:
            try:
                items = headers.items() if hasattr(headers, "items") else headers
                payload["request_headers"] = {
                    str(k): _http.to_json_safe(v) for k, v in items if str(k).lower() not in self.excluded_headers}
            except Exception:
                pass  # not a mapping nor pairs: leave it out rather than fail the report
        if ctx.get("user_id") is not None:
            payload["user_id"] = str(ctx["user_id"])
        extra = ctx.get("extra")
        extra = dict(_http.to_json_safe(extra)) if isinstance(extra, dict) else {}
        if self.server_name and "server_name" not in extra:
            extra["server_name"] = self.server_name
        if extra:
            payload["extra"] = extra
        return payload

    def _encode(self, exc, request_context):
        try:
            return _http.dumps(self.build_payload(exc, request_context))
        except Exception as exc2:
            logger.warning("error report not sent: cannot build it (%s)", _http.describe_error(exc2))
            return None

    def _result(self, outcome, detail):
        if outcome == "ok":
            try:
                return detail.json()
            except Exception:
                return {"status": "ok", "http_status": detail.status_code}
        if outcome == "rejected":
            self._warn.warning(f"rejected{detail.status_code}", "error report refused: HTTP %d %s",
                               detail.status_code, _http.body_excerpt(detail))
        else:
            self._warn.warning("failed", "error report not delivered to %s: %s", self._url, detail)
        return None

    # -- sync -------------------------------------------------------------------------------------------------------
    def _get_sync_client(self):
        with self._sync_lock:
            if self._sync_client is None:
                self._sync_client = _http.new_sync_client(self._api_key, self.timeout, self._transport)
            return self._sync_client

    def report_error_sync(self, exc, request_context=None):
        """Reports `exc`, blocking (with retries). Returns the tracker's JSON answer or None; never raises."""
        try:
            body = self._encode(exc, request_context)
            if body is None:
                return None
            outcome, detail = _http.post_sync(
                self._get_sync_client, self._url, body, max_retries=self.max_retries, base=_RETRY_BASE,
                cap=_RETRY_CAP, logger=logger, what="error report", timeout=self.timeout)
            return self._result(outcome, detail)
        except Exception as exc2:  # pragma: no cover - defensive: reporting must never break the caller
            logger.warning("error report failed: %s", _http.describe_error(exc2))
            return None

    # -- async ------------------------------------------------------------------------------------------------------
    def _get_async_client(self):
        import httpx
        loop = asyncio.get_running_loop()
        with self._async_lock:
            client = self._async_clients.get(loop)
            if client is None or client.is_closed:
                kwargs = {"headers": _http.default_headers(self._api_key), "timeout": self.timeout}
                if self._async_transport is not None:
                    kwargs["transport"] = self._async_transport
                client = httpx.AsyncClient(**kwargs)
                self._async_clients[loop] = client
            return client

    async def report_error(self, exc, request_context=None):
        """Reports `exc` without blocking the event loop (with retries). Returns the tracker's JSON answer or None;
        never raises (cancellation excepted)."""
        try:
            body = self._encode(exc, request_context)
            if body is None:
                return None
            outcome, detail = await self._post_async(body)
            return self._result(outcome, detail)
        except asyncio.CancelledError:
            raise
        except Exception as exc2:  # pragma: no cover - defensive
            logger.warning("error report failed: %s", _http.describe_error(exc2))
            return None

    async def _post_async(self, body):
        import httpx
        attempt = 0
        while True:
            response = None
            try:
                with _http.sending(self):
                    response = await self._get_async_client().post(self._url, content=body)
            except httpx.TransportError as exc:
                reason = _http.describe_error(exc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                return "failed", _http.describe_error(exc)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return "ok", response
                if not _http.is_retryable_status(status):
                    return "rejected", response
                reason = f"HTTP {status}"
            if attempt >= self.max_retries:
                return "failed", reason
            delay = _http.retry_after_seconds(response, _RETRY_CAP)
            if delay is None:
                delay = _http.backoff_delay(attempt, _RETRY_BASE, _RETRY_CAP)
            attempt += 1
            logger.debug("error report: %s, retry %d/%d in %.2fs", reason, attempt, self.max_retries, delay)
            await asyncio.sleep(delay)

    # -- closing ----------------------------------------------------------------------------------------------------
    async def aclose(self):
        """Closes the pooled clients (the async one of the running loop is closed properly)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._async_lock:
            clients = dict(self._async_clients)
            self._async_clients.clear()
        for client_loop, client in clients.items():
            if client_loop is loop:
                try:
                    await client.aclose()
                except Exception:
                    pass
        self._close_sync()

    def close(self):
        """Closes the sync client and forgets the async ones (close those with `aclose()` inside their loop)."""
        with self._async_lock:
            self._async_clients.clear()
        self._close_sync()

    def _close_sync(self):
        with self._sync_lock:
            client, self._sync_client = self._sync_client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.aclose()
        return False
