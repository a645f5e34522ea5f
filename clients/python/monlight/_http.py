"""Pieces shared by every client: argument checks, headers, JSON encoding, retry delays and a re-entrancy guard."""
import contextvars
import datetime
import email.utils
import json
import logging
import math
import random
import threading
import time

from ._version import __version__

USER_AGENT = f"monlight-python/{__version__}"

# Who is sending on behalf of the SDK in the current thread / task (None when nobody): MonlightLogHandler ignores
# every record its own sender logs while sending (its warnings about a failed delivery) and httpx's request logs of
# any SDK request, so that shipping logs can never feed itself.
_sending = contextvars.ContextVar("monlight_sending", default=None)


def sdk_sender():
    return _sending.get()


class sending:
    """Context manager marking the current thread / task as sending on behalf of `owner` (the SDK object)."""

    def __init__(self, owner=True):
        self._owner = owner

    def __enter__(self):
        self._token = _sending.set(self._owner)
        return self

    def __exit__(self, *exc):
        _sending.reset(self._token)
        return False


def check_base_url(base_url):
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValueError("base_url must be a non-empty string")
    return base_url.strip().rstrip("/")


def check_api_key(api_key):
    if not isinstance(api_key, str) or not api_key.strip():
        raise ValueError("api_key must be a non-empty string")
    return api_key.strip()


def check_positive(name, value, integer=False):
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value > 0 or \
            (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{name} must be a positive {'integer' if integer else 'number'}")
    return value


def check_non_negative_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0")
    return value


def default_headers(api_key):
    return {"X-API-Key": api_key, "Content-Type": "application/json", "User-Agent": USER_AGENT}


def dumps(obj):
    """Compact UTF-8 JSON; lone surrogates (undecodable bytes) become '?' so the body is always valid UTF-8."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8", "replace")


def to_json_safe(value, depth=0):
    """A copy of `value` that json can encode and the host accepts: dict keys as str, tuples and sets as lists,
    NaN/Infinity and unknown objects as their str(), nesting cut below the host's limit of 64."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= 48:
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_safe(v, depth + 1) for v in value]
    try:
        return str(value)
    except Exception:  # a broken __str__ must not break reporting
        return f"<{type(value).__name__}>"


def utc_timestamp(epoch=None):
    """`2026-11-25T10:00:00.123Z` for `epoch` (seconds, default now)."""
    if epoch is None:
        epoch = time.time()
    dt = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def backoff_delay(attempt, base, cap):
    """min(cap, base * 2^attempt) with +-20 % jitter (never above cap)."""
    delay = min(cap, base * (2 ** attempt))
    return min(cap, delay * random.uniform(0.8, 1.2))


def retry_after_seconds(response, cap):
    """The Retry-After of a 429/503 answer in seconds (capped at cap), or None."""
    if response is None or response.status_code not in (429, 503):
        return None
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(cap, max(0.0, seconds))


def is_retryable_status(status):
    return status == 429 or status >= 500


def body_excerpt(response):
    try:
        return response.text[:200]
    except Exception:
        return ""


class RateLimitedLog:
    """Emits a given warning at most once per `period` seconds, counting the repeats it held back."""

    def __init__(self, logger, period=60.0):
        self._logger = logger
        self._period = period
        self._last = {}
        self._held = {}
        self._lock = threading.Lock()

    def warning(self, key, msg, *args):
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self._period:
                self._held[key] = self._held.get(key, 0) + 1
                return
            self._last[key] = now
            held = self._held.pop(key, 0)
        if held:
            msg += " (%d similar warnings suppressed)"
            args = args + (held,)
        self._logger.warning(msg, *args)


def describe_error(exc):
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def new_sync_client(api_key, timeout, transport):
    import httpx
    kwargs = {"headers": default_headers(api_key), "timeout": timeout}
    if transport is not None:
        kwargs["transport"] = transport
    return httpx.Client(**kwargs)


def post_sync(client_getter, url, body, *, max_retries, base, cap, logger, what, timeout,
              deadline=None, interrupt=None):
    """POSTs `body` (bytes) with retries on connection errors, timeouts, 429 and 5xx.

    Returns ("ok", response), ("rejected", response) for another 4xx/3xx, or ("failed", reason) once the retries, the
    deadline (time.monotonic()) or the interrupt event ran out. Never raises."""
    import httpx
    attempt = 0
    while True:
        req_timeout = timeout
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "failed", "deadline reached"
            req_timeout = min(timeout, remaining)
        response = None
        try:
            with sending(_sending.get() or True):
                response = client_getter().post(url, content=body, timeout=req_timeout)
        except httpx.TransportError as exc:  # connection refused/reset, timeouts, protocol errors
            reason = describe_error(exc)
        except Exception as exc:  # anything else (a bad transport, ...): not worth retrying
            return "failed", describe_error(exc)
        else:
            status = response.status_code
            if 200 <= status < 300:
                return "ok", response
            if not is_retryable_status(status):
                return "rejected", response
            reason = f"HTTP {status}"
        if attempt >= max_retries:
            return "failed", reason
        delay = retry_after_seconds(response, cap)
        if delay is None:
            delay = backoff_delay(attempt, base, cap)
        attempt += 1
        if deadline is not None and time.monotonic() + delay >= deadline:
            return "failed", f"{reason}; no time left to retry"
        logger.debug("%s: %s, retry %d/%d in %.2fs", what, reason, attempt, max_retries, delay)
        if interrupt is not None:
            if interrupt.wait(delay):
                return "failed", f"{reason}; interrupted by shutdown"
        else:
            time.sleep(delay)
