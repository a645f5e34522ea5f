"""A small Chrome DevTools Protocol driver for the UI tests: starts headless Chromium, opens pages, evaluates
JavaScript and waits for conditions. Needs the `websocket-client` package (Debian python3-websocket, installed by scripts/install-deps.sh --test)."""
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time

import websocket

CHROMIUM = os.environ.get("MONLIGHT_CHROMIUM", "/usr/bin/chromium")


class CdpError(RuntimeError):
    pass


class Browser:
    """One headless Chromium process with a single DevTools websocket (flattened sessions)."""

    def __init__(self, binary=CHROMIUM):
        self.profile = tempfile.mkdtemp(prefix="monlight-ui-")
        args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--remote-debugging-port=0", "--remote-allow-origins=*",
                f"--user-data-dir={self.profile}", "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        ws_url = None
        deadline = time.time() + 30
        self.stderr_lines = []
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                if self.proc.poll() is not None:
                    break
                continue
            self.stderr_lines.append(line)
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                ws_url = m.group(1)
                break
        if not ws_url:
            self.close()
            raise CdpError("chromium did not start: " + "".join(self.stderr_lines[-20:]))
        # keep draining stderr so Chromium never blocks on a full pipe
        threading.Thread(target=self._drain, daemon=True).start()
        self.ws = websocket.create_connection(ws_url, timeout=30)
        self.ws.settimeout(None)
        self._ids = itertools.count(1)
        self._pending = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._listeners = {}  # sessionId -> callable(method, params)
        self._closed = False
        threading.Thread(target=self._reader, daemon=True).start()

    def _drain(self):
        try:
            for line in self.proc.stderr:
                self.stderr_lines.append(line)
                del self.stderr_lines[:-200]
        except (OSError, ValueError):
            pass

    def _reader(self):
        while not self._closed:
            try:
                msg = json.loads(self.ws.recv())
            except Exception:  # connection closed
                break
            if "id" in msg:
                with self._lock:
                    q = self._pending.pop(msg["id"], None)
                if q:
                    q.put(msg)
            else:
                cb = self._listeners.get(msg.get("sessionId"))
                if cb:
                    cb(msg.get("method"), msg.get("params", {}))

    def send(self, method, params=None, session=None, timeout=30):
        mid = next(self._ids)
        q = queue.Queue()
        with self._lock:
            self._pending[mid] = q
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        with self._send_lock:
            self.ws.send(json.dumps(msg))
        try:
            res = q.get(timeout=timeout)
        except queue.Empty:
            raise CdpError(f"timeout waiting for {method}")
        if "error" in res:
            raise CdpError(f"{method}: {res['error']}")
        return res.get("result", {})

    def new_page(self, width=1280, height=900):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, target, session, width, height)

    def close(self):
        self._closed = True
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser, target, session, width, height):
        self.b = browser
        self.target = target
        self.session = session
        self.exceptions = []
        self.console = []
        self.events = queue.Queue()
        browser._listeners[session] = self._on_event
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Log.enable")
        self.set_viewport(width, height)

    def _on_event(self, method, params):
        if method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.exceptions.append((d.get("exception") or {}).get("description") or d.get("text"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error" \
                and params["entry"].get("source") != "network":  # 4xx answers the UI handles itself
            self.console.append(params["entry"].get("text", ""))
        elif method == "Page.javascriptDialogOpening":
            # confirm() dialogs: accept them (the tests want the confirmed action)
            threading.Thread(target=lambda: self.send("Page.handleJavaScriptDialog", {"accept": True}),
                             daemon=True).start()
        self.events.put((method, params))

    def send(self, method, params=None, timeout=30):
        return self.b.send(method, params, self.session, timeout)

    def set_viewport(self, width, height=900):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def goto(self, url, timeout=20):
        while not self.events.empty():
            self.events.get_nowait()
        self.send("Page.navigate", {"url": url})
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                method, _ = self.events.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if method == "Page.loadEventFired":
                return
        raise CdpError(f"page did not load: {url}")

    def eval(self, expr, timeout=20):
        """Evaluates an expression (awaiting promises) and returns its JSON value."""
        res = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True,
                                             "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            raise CdpError("JS error: " + ((d.get("exception") or {}).get("description") or d.get("text", "")))
        return res.get("result", {}).get("value")

    def wait(self, expr, timeout=10, interval=0.05, message=None):
        """Polls a JS expression until it is truthy; returns its value."""
        deadline = time.time() + timeout
        value = None
        wrapped = f"((v) => (v instanceof Node) ? true : v)(({expr}))"
        while time.time() < deadline:
            try:
                value = self.eval(wrapped)
            except CdpError as e:  # the page is navigating: its old context went away, ask the new one
                if "navigated" not in str(e) and "context" not in str(e):
                    raise
                value = None
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(message or f"timed out waiting for: {expr} (last value {value!r}); "
                                        f"exceptions={self.exceptions} console={self.console}")

    def text(self, selector):
        return self.eval(f"(function(){{const e=document.querySelector({json.dumps(selector)});"
                         f"return e ? e.textContent : null;}})()")

    def count(self, selector):
        return self.eval(f"document.querySelectorAll({json.dumps(selector)}).length")

    def visible(self, selector):
        return self.eval(f"(function(){{const e=document.querySelector({json.dumps(selector)});"
                         f"return !!e && e.offsetParent !== null;}})()")

    def click(self, selector):
        try:
            ok = self.eval(f"(function(){{const e=document.querySelector({json.dumps(selector)});"
                           f"if(!e) return false; e.click(); return true;}})()")
        except CdpError as e:  # the click navigated away before the evaluation answered
            if "navigated" not in str(e):
                raise
            ok = True
        if not ok:
            raise AssertionError(f"no element to click: {selector}")

    def fill(self, selector, value):
        """Sets an input's value the way typing would (input + change events)."""
        ok = self.eval(f"(function(){{const e=document.querySelector({json.dumps(selector)});"
                       f"if(!e) return false; e.focus(); e.value={json.dumps(value)};"
                       f"e.dispatchEvent(new Event('input',{{bubbles:true}}));"
                       f"e.dispatchEvent(new Event('change',{{bubbles:true}})); return true;}})()")
        if not ok:
            raise AssertionError(f"no element to fill: {selector}")

    def select(self, selector, value):
        """Chooses a <select> value and fires change, like a user would."""
        ok = self.eval(f"(function(){{const e=document.querySelector({json.dumps(selector)});"
                       f"if(!e) return false; e.value={json.dumps(value)};"
                       f"e.dispatchEvent(new Event('change',{{bubbles:true}})); return e.value === {json.dumps(value)};}})()")
        if not ok:
            raise AssertionError(f"cannot select {value!r} in {selector}")

    def submit(self, form_selector):
        self.eval(f"document.querySelector({json.dumps(form_selector)}).requestSubmit()")

    def url(self):
        return self.eval("location.href")

    def close(self):
        self.b._listeners.pop(self.session, None)
        try:
            self.b.send("Target.closeTarget", {"targetId": self.target}, timeout=5)
        except CdpError:
            pass
