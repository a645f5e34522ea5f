"""MonlightLogHandler: a `logging.Handler` that ships records to the log viewer's `POST /api/logs` (SPEC §12),
in batches from a background thread, with the same buffering rules as MetricsClient (SPEC §7.2)."""
import logging
import math
import os
import re
import sys

from . import _http
from ._batch import BatchSender

logger = logging.getLogger("monlight.log_handler")

_TRACE_ID = re.compile(r"^[0-9a-fA-F]{32}$")


def _level_name(levelno):
    if levelno >= logging.CRITICAL:
        return "CRITICAL"
    if levelno >= logging.ERROR:
        return "ERROR"
    if levelno >= logging.WARNING:
        return "WARNING"
    if levelno >= logging.INFO:
        return "INFO"
    return "DEBUG"


def _default_source():
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if name in ("", "-c", "-m", "__main__.py"):
        name = "python"
    return name[:128]


def _split_utf8(text, max_bytes):
    """Pieces of `text` of at most max_bytes UTF-8 bytes each, cut at character boundaries."""
    data = text.encode("utf-8", "replace")
    if len(data) <= max_bytes:
        return [text]
    pieces, start = [], 0
    while start < len(data):
        end = min(len(data), start + max_bytes)
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # do not cut inside a character
            end -= 1
        pieces.append(data[start:end].decode("utf-8", "replace"))
        start = end
    return pieces


def _fit(text, max_bytes):
    """Pieces of `text` whose JSON string form (escapes included) is at most max_bytes each."""
    out = []
    for piece in _split_utf8(text, max_bytes):
        stack = [piece]
        while stack:
            p = stack.pop()
            if len(p) <= 1 or len(_http.dumps(p)) <= max_bytes:
                out.append(p)
            else:
                mid = len(p) // 2
                stack.extend((p[mid:], p[:mid]))
    return out


class MonlightLogHandler(logging.Handler):
    """Sends log records to a Monlight log viewer, where they appear next to container logs under `source`.

    Each record becomes one entry with its time, level, logger name (attribute `logger`) and the formatted message,
    which includes the `exc_info` traceback and `stack_info` text. `emit()` only appends to a bounded buffer; a daemon
    thread sends every `flush_interval` seconds; `flush()`/`close()` (run by `logging.shutdown()` at exit) send what
    is left. httpx's log of the SDK's own requests and the records this handler's own sending logs are ignored, so
    shipping logs never feeds itself."""

    def __init__(self, base_url, api_key, source=None, level=logging.NOTSET, flush_interval=2.0, timeout=5.0,
                 max_buffer=10000, max_batch_items=1000, max_batch_bytes=512_000, max_retries=3,
                 attributes=None, transport=None):
        super().__init__(level)
        self.base_url = _http.check_base_url(base_url)
        api_key = _http.check_api_key(api_key)
        if source is None:
            source = _default_source()
        if not isinstance(source, str) or not 1 <= len(source) <= 128 or \
                any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in source):
            raise ValueError("source must be a string of 1-128 characters without control characters")
        _http.check_positive("flush_interval", flush_interval)
        _http.check_positive("timeout", timeout)
        _http.check_positive("max_buffer", max_buffer, integer=True)
        _http.check_positive("max_batch_items", max_batch_items, integer=True)
        if isinstance(max_batch_bytes, bool) or not isinstance(max_batch_bytes, int) or max_batch_bytes < 4096:
            raise ValueError("max_batch_bytes must be an integer >= 4096")
        _http.check_non_negative_int("max_retries", max_retries)
        self.source = source
        self.attributes = self._check_attributes(attributes)
        # A message longer than this is sent as several consecutive entries, each small enough for any body cap
        # of the log viewer (64 KiB at least by default) with room for the entry's other fields.
        self._max_message_bytes = min(60_000, max_batch_bytes - 1024 - len(_http.dumps(self.attributes))) - \
            len(source) * 6
        self._sender = BatchSender(
            url=self.base_url + "/api/logs", api_key=api_key, timeout=timeout, flush_interval=flush_interval,
            max_buffer=max_buffer, max_batch_items=max_batch_items, max_batch_bytes=max_batch_bytes,
            max_retries=max_retries, transport=transport, logger=logger, what="log entries",
            thread_name="monlight-logs")

    @staticmethod
    def _check_attributes(attributes):
        """Static attributes added to every entry: at most 63 (the log viewer takes 64 with `logger`), keys of
        1-100 characters, scalar values of at most 1000 characters (others are converted with str())."""
        if attributes is None:
            return {}
        if not isinstance(attributes, dict) or len(attributes) > 63:
            raise ValueError("attributes must be a dict of at most 63 items")
        out = {}
        for k, v in attributes.items():
            k = str(k)
            if not 1 <= len(k) <= 100 or k == "logger":
                raise ValueError(f"attribute key {k!r} must be 1-100 characters and not 'logger'")
            if v is None:
                raise ValueError(f"attribute {k!r} must not be None")
            if not isinstance(v, (str, int, float, bool)) or isinstance(v, float) and not math.isfinite(v):
                v = str(v)
            if len(str(v)) > 1000:
                raise ValueError(f"attribute {k!r} exceeds 1000 characters")
            out[k] = v
        return out

    def emit(self, record):
        sender = _http.sdk_sender()
        if sender is not None and (sender is self._sender or record.name.split(".", 1)[0] in ("httpx", "httpcore")):
            return
        try:
            message = self.format(record)
            if not message:
                return  # the log viewer requires a non-empty message
            attributes = dict(self.attributes)
            attributes["logger"] = str(record.name)[:1000]
            base = {"timestamp": _http.utc_timestamp(record.created), "level": _level_name(record.levelno),
                    "source": self.source, "attributes": attributes}
            trace_id = getattr(record, "trace_id", None)
            if isinstance(trace_id, str) and _TRACE_ID.match(trace_id):
                base["trace_id"] = trace_id.lower()
            for piece in _fit(message, max(1024, self._max_message_bytes)):
                entry = dict(base)
                entry["message"] = piece
                self._sender.add(entry)
            if not self._sender.started:
                self._sender.start()
        except RecursionError:  # as logging.Handler does
            raise
        except Exception:
            self.handleError(record)

    def flush(self):
        """Sends what is buffered now (bounded by the retries); never raises."""
        if _http.sdk_sender() is not self._sender:  # not from inside its own flush
            self._sender.flush()

    def close(self):
        """Stops the thread and sends what is left (at most 5 s). Called by `logging.shutdown()` at exit."""
        try:
            self._sender.shutdown(5.0)
        finally:
            super().close()

    @property
    def dropped_count(self):
        """Entries dropped so far (buffer overflow, refused or undeliverable at close)."""
        return self._sender.dropped_count

    @property
    def sent_count(self):
        return self._sender.sent_count

    @property
    def batches_sent(self):
        return self._sender.batches_sent
