"""MetricsClient: buffers counters, histograms and gauges and ships them to the metrics collector
(`POST <base>/api/metrics`) from a background thread (SPEC §7.2)."""
import logging
import math

from . import _http
from ._batch import BatchSender

logger = logging.getLogger("monlight.metrics_client")


def _control_chars(s):
    return any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in s)


class MetricsClient:
    """Records metric points without any I/O; a daemon thread started by `start()` sends them every
    `flush_interval` seconds. `shutdown()` (also run at interpreter exit) sends what is left."""

    def __init__(self, base_url, api_key, flush_interval=10.0, timeout=5.0, project=None, max_buffer=10000,
                 max_batch_items=1000, max_batch_bytes=400_000, max_retries=3, transport=None):
        self.base_url = _http.check_base_url(base_url)
        api_key = _http.check_api_key(api_key)
        _http.check_positive("flush_interval", flush_interval)
        _http.check_positive("timeout", timeout)
        _http.check_positive("max_buffer", max_buffer, integer=True)
        _http.check_positive("max_batch_items", max_batch_items, integer=True)
        _http.check_positive("max_batch_bytes", max_batch_bytes, integer=True)
        _http.check_non_negative_int("max_retries", max_retries)
        if project is not None and (not isinstance(project, str) or not 1 <= len(project) <= 100):
            raise ValueError("project must be a string of 1-100 characters")
        self.project = project
        self.flush_interval = flush_interval
        self._sender = BatchSender(
            url=self.base_url + "/api/metrics", api_key=api_key, timeout=timeout, flush_interval=flush_interval,
            max_buffer=max_buffer, max_batch_items=max_batch_items, max_batch_bytes=max_batch_bytes,
            max_retries=max_retries, transport=transport, logger=logger, what="metrics",
            thread_name="monlight-metrics")
        self._warn = _http.RateLimitedLog(logger)

    # -- recording (never blocks on the network, never raises) -------------------------------------------------------
    def counter(self, name, labels=None, value=1):
        self._record(name, "counter", value, labels)

    def histogram(self, name, value, labels=None):
        self._record(name, "histogram", value, labels)

    def gauge(self, name, value, labels=None):
        self._record(name, "gauge", value, labels)

    def _record(self, name, mtype, value, labels):
        try:
            point = self._point(name, mtype, value, labels)
        except Exception as exc:  # a point the collector would refuse: drop it alone, not the batch it would join
            self._sender._drop(1, "invalid", "metric point dropped: %s", exc)
            return
        self._sender.add(point)

    def _point(self, name, mtype, value, labels):
        if not isinstance(name, str) or not 1 <= len(name) <= 200 or _control_chars(name):
            raise ValueError(f"invalid name {name!r}: 1-200 characters without control characters")
        if isinstance(value, bool):
            value = int(value)
        if not isinstance(value, (int, float)):
            try:
                value = float(value)  # Decimal, numpy scalars, ...
            except (TypeError, ValueError):
                raise ValueError(f"{name}: value {value!r} is not a number") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{name}: value {value!r} is not finite")
        if isinstance(value, int) and not -(2 ** 63) <= value < 2 ** 64:
            value = float(value)
        point = {"name": name, "type": mtype, "value": value, "timestamp": _http.utc_timestamp()}
        if labels:
            if not isinstance(labels, dict):
                raise ValueError(f"{name}: labels must be a dict")
            if len(labels) > 32:
                raise ValueError(f"{name}: more than 32 labels")
            clean = {}
            for k, v in labels.items():
                k = str(k)
                if not 1 <= len(k) <= 100:
                    raise ValueError(f"{name}: label key {k!r} must be 1-100 characters")
                if isinstance(v, float) and not math.isfinite(v):
                    v = str(v)
                elif not isinstance(v, (str, int, float, bool)):
                    if v is None:
                        raise ValueError(f"{name}: label {k!r} is None")
                    v = str(v)
                if len(str(v)) > 1000:
                    raise ValueError(f"{name}: label {k!r} value exceeds 1000 characters")
                clean[k] = v
            point["labels"] = clean
        if self.project is not None:
            point["project"] = self.project
        return point

    # -- delivery ---------------------------------------------------------------------------------------------------
    def start(self):
        """Starts the flush thread (idempotent). Buffered points are also sent at interpreter exit."""
        self._sender.start()

    def flush(self):
        """Sends everything buffered now (blocking, retries included). Thread-safe; never raises."""
        self._sender.flush()

    def shutdown(self, timeout=5.0):
        """Stops the thread and sends what is left within `timeout` seconds. Idempotent; never raises."""
        self._sender.shutdown(timeout)

    @property
    def dropped_count(self):
        """Points dropped so far: buffer overflow, invalid, refused by the collector or undeliverable at shutdown."""
        return self._sender.dropped_count

    @property
    def sent_count(self):
        """Points the collector accepted so far."""
        return self._sender.sent_count

    @property
    def batches_sent(self):
        """Batches (HTTP requests) the collector accepted so far."""
        return self._sender.batches_sent

    @property
    def pending_count(self):
        """Points buffered and not yet sent."""
        return self._sender.pending()
