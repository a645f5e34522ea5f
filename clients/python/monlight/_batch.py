"""A bounded buffer flushed in chunks by one daemon thread: the delivery engine of MetricsClient and
MonlightLogHandler.

Rules (SPEC §7.2): the buffer holds at most `max_buffer` items and drops the oldest when full (counted); a flush
takes everything buffered, cuts it into chunks of at most `max_batch_items` items and `max_batch_bytes` bytes of JSON,
POSTs each chunk as a bare JSON array with retries (connection errors, timeouts, 429 honouring Retry-After, 5xx); a
chunk refused with another 4xx is dropped (counted); a chunk that still failed is put back at the front of the buffer,
with every chunk after it, for the next flush. Nothing here raises into the application."""
import atexit
import collections
import os
import threading
import time
import weakref

from . import _http

_live = weakref.WeakSet()
_live_lock = threading.Lock()


def _shutdown_all_at_exit():
    with _live_lock:
        senders = list(_live)
    for s in senders:
        try:
            s.shutdown(s.exit_timeout)
        except Exception:  # never let one sender stop the others at exit
            pass


atexit.register(_shutdown_all_at_exit)


def _after_fork_in_child():
    """A forked child (gunicorn --preload, multiprocessing fork) gets fresh locks, an empty buffer (the parent sends
    its own points), no shared connections, and its own flush thread when the parent had one."""
    global _live_lock
    _live_lock = threading.Lock()
    for s in list(_live):
        s._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class BatchSender:
    def __init__(self, *, url, api_key, timeout, flush_interval, max_buffer, max_batch_items, max_batch_bytes,
                 max_retries, transport, logger, what, thread_name, retry_base=1.0, retry_cap=60.0):
        self.url = url
        self.exit_timeout = 5.0
        self._api_key = api_key
        self._timeout = timeout
        self._flush_interval = flush_interval
        self._max_buffer = max_buffer
        self._max_batch_items = max_batch_items
        self._max_batch_bytes = max_batch_bytes
        self._max_retries = max_retries
        self._transport = transport
        self._logger = logger
        self._what = what
        self._thread_name = thread_name
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._warn = _http.RateLimitedLog(logger)

        self._buf = collections.deque()
        self._lock = threading.Lock()          # buffer, counters, state
        self._flush_lock = threading.Lock()    # serialises flushes
        self._client_lock = threading.Lock()
        self._client = None
        self._stop = threading.Event()
        self._thread = None
        self._shut_down = False
        self._closed = False  # the final flush is over: nothing goes back into the buffer any more
        self._dropped = 0
        self._sent = 0
        self._batches = 0
        self._in_flight = 0  # items taken by the running flush and not yet delivered, dropped or put back
        with _live_lock:
            _live.add(self)

    # -- counters ---------------------------------------------------------------------------------------------------
    @property
    def dropped_count(self):
        with self._lock:
            return self._dropped

    @property
    def sent_count(self):
        with self._lock:
            return self._sent

    @property
    def batches_sent(self):
        with self._lock:
            return self._batches

    def pending(self):
        """Items not delivered yet: buffered, or in the flush under way."""
        with self._lock:
            return len(self._buf) + self._in_flight

    def _drop(self, n, reason_key, msg, *args):
        with self._lock:
            self._dropped += n
        self._warn.warning(reason_key, msg, *args)

    # -- buffering --------------------------------------------------------------------------------------------------
    def add(self, item):
        """Buffers one item (a dict). O(1), no I/O; drops the oldest item when the buffer is full."""
        overflow = False
        with self._lock:
            if self._shut_down:
                self._dropped += 1
                closed = True
            else:
                closed = False
                if len(self._buf) >= self._max_buffer:
                    self._buf.popleft()
                    self._dropped += 1
                    overflow = True
                self._buf.append(item)
        if closed:
            self._warn.warning("closed", "%s recorded after shutdown() dropped", self._what)
        elif overflow:
            self._warn.warning("overflow", "%s buffer full (%d): oldest dropped; %d dropped so far",
                               self._what, self._max_buffer, self.dropped_count)

    def _requeue(self, items):
        """Puts undelivered items back in front (they are the oldest), keeping at most max_buffer in total."""
        with self._lock:
            self._in_flight = 0  # they move from the flush back to the buffer at once
            if self._closed:  # a flush that outlived shutdown(): too late to keep them
                self._dropped += len(items)
                return
            merged = list(items) + list(self._buf)
            excess = max(0, len(merged) - self._max_buffer)
            self._dropped += excess
            self._buf = collections.deque(merged[excess:])
        if excess:
            self._warn.warning("overflow", "%s buffer full (%d): %d oldest undelivered dropped",
                               self._what, self._max_buffer, excess)

    # -- lifecycle --------------------------------------------------------------------------------------------------
    def start(self):
        with self._lock:
            if self._thread is not None or self._shut_down:
                return
            self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
            self._thread.start()

    @property
    def started(self):
        return self._thread is not None

    def _run(self):
        while not self._stop.wait(self._flush_interval):
            try:
                self.flush(interrupt=self._stop)
            except Exception:  # pragma: no cover - flush does not raise; keep the thread alive regardless
                self._logger.exception("%s flush failed", self._what)

    def shutdown(self, timeout=5.0):
        """Stops the thread, then flushes until done or `timeout` seconds passed. Idempotent; never raises."""
        with self._lock:
            if self._shut_down:
                return
            self._shut_down = True
            thread = self._thread
        try:
            deadline = time.monotonic() + max(0.0, float(timeout))
        except (TypeError, ValueError):
            deadline = time.monotonic() + 5.0
        self._stop.set()
        try:
            if thread is not None and thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
            self.flush(deadline=deadline)
            with self._lock:
                lost = len(self._buf)
                self._buf.clear()
                self._dropped += lost
                self._closed = True
            if lost:
                self._logger.warning("%d %s could not be delivered before shutdown; dropped (%d dropped in total)",
                                     lost, self._what, self.dropped_count)
        except Exception:  # pragma: no cover - defensive
            self._logger.exception("%s shutdown failed", self._what)
        finally:
            self._close_client()
            with _live_lock:
                _live.discard(self)

    def _after_fork(self):
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._client_lock = threading.Lock()
        self._warn = _http.RateLimitedLog(self._logger)
        self._client = None  # the parent's connections are not ours to use
        self._buf = collections.deque()
        self._in_flight = 0
        self._stop = threading.Event()
        restart = self._thread is not None and not self._shut_down
        self._thread = None
        if restart:
            self.start()

    # -- sending ----------------------------------------------------------------------------------------------------
    def _get_client(self):
        with self._client_lock:
            if self._client is None:
                self._client = _http.new_sync_client(self._api_key, self._timeout, self._transport)
            return self._client

    def _close_client(self):
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                pass

    def _chunks(self, items):
        """Yields (items, body) chunks within the item and byte limits; an item too large alone is dropped."""
        chunk, parts, size = [], [], 2
        for item in items:
            try:
                part = _http.dumps(item)
            except (TypeError, ValueError) as exc:
                self._drop(1, "encode", "%s item dropped: cannot encode as JSON (%s)", self._what, exc)
                continue
            if len(part) + 2 > self._max_batch_bytes:
                self._drop(1, "too_large", "%s item dropped: %d bytes of JSON exceed max_batch_bytes=%d",
                           self._what, len(part), self._max_batch_bytes)
                continue
            if chunk and (len(chunk) >= self._max_batch_items or size + 1 + len(part) > self._max_batch_bytes):
                yield chunk, b"[" + b",".join(parts) + b"]"
                chunk, parts, size = [], [], 2
            size += len(part) + (1 if chunk else 0)
            chunk.append(item)
            parts.append(part)
        if chunk:
            yield chunk, b"[" + b",".join(parts) + b"]"

    def flush(self, deadline=None, interrupt=None):
        """Sends everything buffered now. Returns True when the buffer was delivered (or had nothing)."""
        if deadline is not None:
            acquired = self._flush_lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
        else:
            acquired = self._flush_lock.acquire()
        if not acquired:
            return False
        try:
            with _http.sending(self):
                return self._flush_locked(deadline, interrupt)
        except Exception:  # pragma: no cover - defensive
            self._logger.exception("%s flush failed", self._what)
            return False
        finally:
            self._flush_lock.release()

    def _flush_locked(self, deadline, interrupt):
        with self._lock:
            items = list(self._buf)
            self._buf.clear()
            self._in_flight = len(items)
        try:
            return self._send_all(items, deadline, interrupt)
        finally:
            with self._lock:
                self._in_flight = 0

    def _send_all(self, items, deadline, interrupt):
        if not items:
            return True
        todo = list(self._chunks(items))
        with self._lock:
            self._in_flight = sum(len(c) for c, _ in todo)  # items too large to send were dropped
        todo.reverse()  # a stack: the next chunk to send is last
        while todo:
            chunk, body = todo.pop()
            outcome, detail = _http.post_sync(
                self._get_client, self.url, body, max_retries=self._max_retries, base=self._retry_base,
                cap=self._retry_cap, logger=self._logger, what=f"{self._what} batch", timeout=self._timeout,
                deadline=deadline, interrupt=interrupt)
            if outcome == "ok":
                with self._lock:
                    self._in_flight -= len(chunk)
                    self._sent += len(chunk)
                    self._batches += 1
                continue
            if outcome == "rejected" and detail.status_code == 413 and len(chunk) > 1:
                # the host's body cap is below max_batch_bytes: send the chunk in two halves
                half = len(chunk) // 2
                self._logger.debug("%s batch of %d bytes refused as too large: splitting it", self._what, len(body))
                for part in (chunk[half:], chunk[:half]):
                    todo.append((part, b"[" + b",".join(_http.dumps(it) for it in part) + b"]"))
                continue
            if outcome == "rejected":
                with self._lock:
                    self._in_flight -= len(chunk)
                self._drop(len(chunk), f"rejected{detail.status_code}",
                           "%s batch of %d dropped: HTTP %d %s", self._what, len(chunk), detail.status_code,
                           _http.body_excerpt(detail))
                continue
            rest = chunk + [it for c, _ in reversed(todo) for it in c]
            self._requeue(rest)
            self._warn.warning("failed", "%s delivery failed (%s): %d kept for the next flush",
                               self._what, detail, len(rest))
            return False
        return True
