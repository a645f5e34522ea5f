// The browser client (SPEC §8): error pipeline, metric buffer, transport and the automatic instrumentation.
// Written as one closure (local variables minify to one letter, which keeps the bundle within the §8.5 budget).
// Every entry point from the page (methods, listeners, patched functions) runs through guard(), so nothing the
// SDK does can throw into the page.
import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';
import type { MetricItem, MetricType, MonlightClient, MonlightEvent, MonlightOptions } from './types';
import { normalizePage, sanitizeUrl, sessionId, str } from './util';

type Labels = Record<string, string>;
type Done = (status: number, err?: { message?: unknown }) => void;

const MAX_BUFFER = 100;
const CHUNK = 60000;
const TEXT = 'text/plain;charset=UTF-8';
const HIST = 'histogram';

let active: MonlightClient | undefined;
/** One random draw per page load, compared with each client's sampleRate. */
let roll: number | undefined;

const or = <T>(v: T | undefined | null, d: T): T => (v == null ? d : v);
const now = () => Date.now();
const iso = () => new Date().toISOString();
const page = () => normalizePage(location.pathname);
const hidden = () => document.visibilityState == 'hidden';
const size = (s: string) => new Blob([s]).size;
const noop = () => {};

/** Creates the client (SPEC §8.1); a previous client is destroyed first. */
export function init(options: MonlightOptions): MonlightClient {
  const o = options || ({} as MonlightOptions);
  if (!o.dsn) throw new Error("[Monlight] 'dsn' is required");
  if (!o.endpoint) throw new Error("[Monlight] 'endpoint' is required");
  if (active) active.destroy();
  return create(o);
}

function create(o: MonlightOptions): MonlightClient {
  const dsn = String(o.dsn);
  const ep = String(o.endpoint).replace(/\/+$/, '');
  const environment = o.environment || 'prod';
  const ignore = o.ignoreErrors || [];
  const maxErrors = or(o.maxErrorsPerPage, 100);
  const batch = or(o.maxBatchSize, 10);
  const ctx: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  const undo: (() => void)[] = [];
  let on = o.enabled !== false;
  let user: string | number | null = null;
  let buf: MetricItem[] = [];
  let pause = 0;
  let busy = 0;
  let sent = 0;
  let sid = '';
  let sampled = false;
  let abs = '';
  let send: typeof fetch | undefined;

  /** Runs `f` while the client is active; an exception is swallowed (debug warning). */
  const guard = (f: () => unknown) => {
    if (on)
      try {
        f();
      } catch (e) {
        warn('internal error', e);
      }
  };

  const warn = (msg: string, detail: unknown) => {
    if (o.debug) {
      busy++;
      try {
        console.warn('[Monlight] ' + msg, detail);
      } catch (e) {
        // console replaced by something that throws
      }
      busy--;
    }
  };

  const listen = <E extends Event>(target: EventTarget, type: string, f: (e: E) => void) => {
    const h = (e: Event) => guard(() => f(e as E));
    target.addEventListener(type, h);
    undo.push(() => target.removeEventListener(type, h));
  };

  /** Replaces obj[name] with make(original); destroy() restores it unless someone wrapped it again since. */
  const patch = <T, K extends keyof T>(obj: T, name: K, make: (orig: T[K]) => T[K]) => {
    const orig = obj[name];
    const w = (obj[name] = make(orig));
    undo.push(() => {
      if (obj[name] === w) obj[name] = orig;
    });
  };

  // ---- transport ------------------------------------------------------------------------------------------

  /** POSTs JSON with the DSN header; resolves to the HTTP status (0 when the request failed), never rejects. */
  const post = (path: string, body: string): Promise<number> => {
    const url = ep + '/api/browser/' + path;
    const headers: Labels = { 'Content-Type': 'application/json', 'X-Monlight-Key': dsn };
    let p: Promise<[number, string | null]>;
    busy++;
    try {
      p = send
        ? send(url, { method: 'POST', headers, body, keepalive: body.length < CHUNK }).then((r) => [
            r.status,
            r.headers.get('Retry-After'),
          ])
        : new Promise((resolve) => {
            const x = new XMLHttpRequest();
            x.open('POST', url);
            for (const h in headers) x.setRequestHeader(h, headers[h]);
            x.onloadend = () => resolve([x.status, x.getResponseHeader('Retry-After')]);
            x.send(body);
          });
    } catch (e) {
      p = Promise.reject(e);
    }
    busy--;
    return p.then(
      ([status, retry]) => {
        if (status == 429) {
          const s = retry ? Number(retry) : NaN;
          pause = now() + 1000 * (s >= 0 ? s : 60);
        }
        if (status > 299 || !status) warn(path + ': status', status);
        return status;
      },
      (e) => {
        warn(path + ': failed', e);
        return 0;
      },
    );
  };

  const flush = (): Promise<void> => {
    let p: Promise<unknown> | undefined;
    guard(() => {
      if (!buf.length || now() < pause) return;
      const items = buf.splice(0);
      p = post('metrics', JSON.stringify({ metrics: items, session_id: sid })).then((status) => {
        // 429: the items stay buffered for after the pause
        if (status == 429) buf = items.concat(buf).slice(-MAX_BUFFER);
      });
    });
    return Promise.resolve(p).then(noop);
  };

  /** Sends the buffer with navigator.sendBeacon (text/plain, `?key=`), in chunks of at most 60 000 bytes. */
  const beacon = () => {
    if (!buf.length || now() < pause) return;
    const url = ep + '/api/browser/metrics?key=' + encodeURIComponent(dsn);
    const room = CHUNK - 30 - size(JSON.stringify(sid));
    let items: MetricItem[] = [];
    let bytes = 0;
    const out = () => {
      const body = JSON.stringify({ metrics: items, session_id: sid });
      let queued = false;
      try {
        queued = navigator.sendBeacon(url, new Blob([body], { type: TEXT }));
      } catch (e) {
        // no sendBeacon: fetch below
      }
      if (!queued && send)
        send(url, { method: 'POST', body, keepalive: true, headers: { 'Content-Type': TEXT } }).catch((e) =>
          warn('beacon: failed', e),
        );
      items = [];
      bytes = 0;
    };
    for (const m of buf.splice(0)) {
      const n = size(JSON.stringify(m)) + 1;
      if (items.length && bytes + n > room) out();
      items.push(m);
      bytes += n;
    }
    out();
  };

  // ---- errors and metrics ---------------------------------------------------------------------------------

  /** ignoreErrors → dedup → maxErrorsPerPage → beforeSend → send. */
  const report = (type: string, message: string, stack: string, context?: Record<string, unknown>) => {
    if (ignore.some((p) => (typeof p == 'string' ? message.indexOf(p) >= 0 : message.search(p) >= 0)))
      return warn('ignored', message);
    const frame = stack
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.indexOf('at ') == 0 || l.indexOf('@') >= 0);
    const key = type + ':' + message + ':' + (frame || '');
    const t = now();
    if (t - or(seen.get(key), -1e9) < 60000) return warn('duplicate', message);
    seen.delete(key);
    seen.set(key, t);
    if (seen.size > 50) seen.delete(seen.keys().next().value!);
    if (sent >= maxErrors) return warn('maxErrorsPerPage reached', message);
    let ev: MonlightEvent | null = {
      type,
      message,
      stack,
      url: location.href,
      user_agent: navigator.userAgent,
      session_id: sid,
      release: o.release,
      environment,
      timestamp: iso(),
      context: Object.assign(
        {},
        ctx,
        context && typeof context == 'object' ? context : 0,
        user != null ? { user_id: user } : 0,
      ),
    };
    if (o.beforeSend) {
      try {
        ev = o.beforeSend(ev);
      } catch (e) {
        return warn('beforeSend threw', e);
      }
      if (!ev || typeof ev != 'object') return warn('dropped by beforeSend', message);
    }
    if (now() < pause) return warn('rate limited (429), dropped', message);
    sent++;
    post('errors', JSON.stringify(ev));
  };

  const capture = (err: unknown, dflt: string, context?: Record<string, unknown>) =>
    err instanceof Error
      ? report(err.name || dflt, str(err.message), err.stack ? str(err.stack) : '', context)
      : report(dflt, str(err), '', context);

  const metric = (name: string, type: MetricType, value: number, labels?: Labels, pg?: string) => {
    buf.push({ name, type, value, labels: Object.assign({}, labels, { page: pg || page() }), timestamp: iso() });
    if (buf.length > MAX_BUFFER) buf.shift();
    if (buf.length >= batch) hidden() ? beacon() : flush();
  };

  // ---- instrumentation ------------------------------------------------------------------------------------

  /**
   * Starts timing a request; returns the function to call when it completes (status 0 = network failure), or
   * nothing when the request is not instrumented (the SDK's own endpoint, an unparsable URL, inactive client).
   */
  const track = (method: string, url: string): Done | undefined => {
    let u: URL;
    try {
      u = new URL(url, location.href);
    } catch (e) {
      return;
    }
    if (!on || u.href.indexOf(abs) == 0) return;
    const t0 = performance.now();
    return (status, err) =>
      guard(() => {
        if (sampled) {
          const labels = { method, status: '' + status, host: u.host };
          metric('browser_http_requests_total', 'counter', 1, labels);
          metric('browser_http_request_duration_ms', HIST, performance.now() - t0, labels);
        }
        const what = 'NetworkError';
        const target = method + ' ' + sanitizeUrl(u);
        if (status > 499) report(what, target + ' failed with status ' + status, '');
        else if (!status) report(what, target + ' network error: ' + str(err && err.message), '');
      });
  };

  const start = () => {
    abs = new URL(ep, location.href).href.replace(/\/+$/, '');
    sid = sessionId();
    if (roll == null) roll = Math.random();
    sampled = roll < or(o.sampleRate, 1);
    send = typeof fetch == 'function' ? fetch.bind(window) : undefined;

    listen(window, 'error', (e: ErrorEvent) => {
      if (e.error instanceof Error) capture(e.error, 'Error');
      // resource-loading errors carry no message
      else if (e.message) report('Error', str(e.message), '');
    });
    listen(window, 'unhandledrejection', (e: PromiseRejectionEvent) => capture(e.reason, 'UnhandledRejection'));

    if (o.captureConsole)
      for (const level of ['error', 'warn'] as const)
        patch(console, level, (orig) =>
          function (...args: unknown[]) {
            orig.apply(console, args);
            // not while the SDK itself is sending or warning (no loops)
            if (!busy)
              guard(() =>
                report(
                  level == 'warn' ? 'ConsoleWarning' : 'ConsoleError',
                  args.map((a) => str(a instanceof Error ? a.message : a)).join(' '),
                  '',
                ),
              );
          },
        );

    if (o.captureNetwork !== false) {
      if (send)
        patch(window, 'fetch', (orig) =>
          function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
            let done: Done | undefined;
            try {
              const req = input as Request;
              done = track(str((init && init.method) || req.method || 'GET').toUpperCase(), str(req.url || input));
            } catch (e) {
              // never in the way of the page's request
            }
            const p = orig.apply(this, arguments as unknown as Parameters<typeof fetch>);
            return done
              ? p.then(
                  (r) => {
                    done!(r.status);
                    return r;
                  },
                  (e) => {
                    if (!e || e.name != 'AbortError') done!(0, e);
                    throw e;
                  },
                )
              : p;
          },
        );
      if (typeof XMLHttpRequest == 'function') {
        const info = new WeakMap<XMLHttpRequest, [string, string]>();
        const proto = XMLHttpRequest.prototype;
        patch(
          proto,
          'open',
          (orig) =>
            function (this: XMLHttpRequest, method: string, url: string | URL) {
              guard(() => info.set(this, [str(method).toUpperCase(), str(url)]));
              return orig.apply(this, arguments as unknown as Parameters<typeof orig>);
            } as typeof orig,
        );
        patch(
          proto,
          'send',
          (orig) =>
            function (this: XMLHttpRequest) {
              const x = this;
              guard(() => {
                const i = info.get(x);
                const done = i && track(i[0], i[1]);
                let failed = '';
                if (done) {
                  for (const t of ['abort', 'error', 'timeout']) x.addEventListener(t, () => (failed = t));
                  // aborted requests record nothing
                  x.addEventListener('loadend', () => failed != 'abort' && done(failed ? 0 : x.status, { message: failed && 'XHR ' + failed }));
                }
              });
              return orig.apply(this, arguments as unknown as Parameters<typeof orig>);
            },
        );
      }
    }

    if (o.captureWebVitals !== false && sampled) {
      const initPage = page();
      const vital = (m: Metric) =>
        guard(() => {
          metric('web_vitals_' + m.name.toLowerCase(), HIST, m.value, {}, initPage);
          // a final value reported while the page is being hidden leaves with a beacon at once
          if (hidden()) beacon();
        });
      for (const f of [onLCP, onINP, onCLS, onFCP, onTTFB]) guard(() => f(vital));
      const load = () =>
        setTimeout(() =>
          guard(() => {
            const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
            const v = nav ? nav.loadEventEnd - nav.startTime : 0;
            if (v > 0) metric('page_load_time', HIST, v);
          }),
        );
      if (document.readyState == 'complete') load();
      else listen(window, 'load', load);
    }

    // registered after the web-vitals callbacks, so their final values are in the buffer when the beacon leaves
    const hide = (e: Event) => (e.type == 'pagehide' || hidden()) && beacon();
    listen(document, 'visibilitychange', hide);
    listen(window, 'pagehide', hide);
    const timer = setInterval(flush, or(o.flushInterval, 5000));
    undo.push(() => clearInterval(timer));
  };

  const client: MonlightClient = {
    captureError: (error, context) => guard(() => capture(error, 'Error', context)),
    captureMessage: (message, level) =>
      guard(() => report(level == 'warning' ? 'ConsoleWarning' : 'ConsoleError', str(message), '')),
    setUser: (id) => guard(() => (user = id)),
    addContext: (key, value) => guard(() => (ctx[key] = value)),
    removeContext: (key) => guard(() => delete ctx[key]),
    recordMetric: (name, type, value, labels) => guard(() => metric(name, type, value, labels)),
    flush,
    destroy: () =>
      guard(() => {
        for (const f of undo.splice(0).reverse())
          try {
            f();
          } catch (e) {
            // a wrapper that cannot be removed stays inert (every wrapper checks `on`)
          }
        beacon();
        seen.clear();
        on = false;
        if (active == client) active = undefined;
      }),
  };
  if (on) {
    active = client;
    guard(start);
  }
  return client;
}
