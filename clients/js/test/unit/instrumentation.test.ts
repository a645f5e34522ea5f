import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { MonlightClient } from '../../src/index';
import { normalizePage, sanitizeUrl } from '../../src/util';
import { ENDPOINT, FakeXhr, fresh, mockBeacon, mockFetch, setVisibility, tick } from './helpers';

// web-vitals is replaced by a double that hands out the callbacks; `onHidden` mimics the library reporting its
// final CLS from its own visibilitychange listener (registered when onCLS is called).
const vitals = vi.hoisted(() => ({ cb: {} as Record<string, (m: { name: string; value: number }) => void>, onHidden: false }));
vi.mock('web-vitals', () => {
  const on = (name: string) => (cb: (m: { name: string; value: number }) => void) => {
    vitals.cb[name] = cb;
    if (name == 'CLS' && vitals.onHidden)
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState == 'hidden') cb({ name: 'CLS', value: 0.12 });
      });
  };
  return { onLCP: on('LCP'), onINP: on('INP'), onCLS: on('CLS'), onFCP: on('FCP'), onTTFB: on('TTFB') };
});

let client: MonlightClient | undefined;
let net: ReturnType<typeof mockFetch>;
beforeEach(() => {
  setVisibility('visible', false);
  vitals.cb = {};
  vitals.onHidden = false;
  net = mockFetch((url) => {
    const m = /status=(\d+)/.exec(url);
    if (url.includes('/offline')) return new TypeError('Failed to fetch');
    if (url.includes('/abort')) return Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    return { status: m ? Number(m[1]) : 200 };
  });
});
afterEach(() => {
  client?.destroy();
  vi.unstubAllGlobals();
});

async function sentMetrics() {
  await client!.flush();
  return net.metricPosts().flatMap((b) => b.metrics);
}
const summary = (ms: any[]) => ms.map((m) => [m.name, m.type, m.labels]);

describe('page labels (same rule as the relay, SPEC §5.7)', () => {
  test('normalizePage and sanitizeUrl', () => {
    expect(normalizePage('/users/42/orders/550e8400-e29b-41d4-a716-446655440000')).toBe('/users/{id}/orders/{id}');
    expect(normalizePage('/a/0123456789abcdefABCD/b/0123456789abcde')).toBe('/a/{id}/b/0123456789abcde');
    expect(normalizePage('/dashboard')).toBe('/dashboard');
    expect(normalizePage('/v2/x')).toBe('/v2/x');
    expect(normalizePage('/' + 'z'.repeat(300))).toHaveLength(200);
    expect(sanitizeUrl(new URL('https://api.example.com/items/7?token=secret#frag'))).toBe('https://api.example.com/items/{id}');
  });
});

describe('fetch instrumentation (SPEC §8.3)', () => {
  test('a completed request records a counter and a duration histogram with method, status, host, page', async () => {
    client = await fresh({ maxBatchSize: 1000 });
    const r = await window.fetch('https://api.example.com/items/123?q=1', { method: 'post' });
    expect(r.status).toBe(200);
    await window.fetch('/local/path');
    await window.fetch({ url: 'https://api.example.com/req', method: 'PUT' } as Request);
    const ms = await sentMetrics();
    expect(summary(ms)).toEqual([
      ['browser_http_requests_total', 'counter', { method: 'POST', status: '200', host: 'api.example.com', page: '/users/{id}/cart' }],
      ['browser_http_request_duration_ms', 'histogram', { method: 'POST', status: '200', host: 'api.example.com', page: '/users/{id}/cart' }],
      ['browser_http_requests_total', 'counter', { method: 'GET', status: '200', host: 'shop.example.com', page: '/users/{id}/cart' }],
      ['browser_http_request_duration_ms', 'histogram', { method: 'GET', status: '200', host: 'shop.example.com', page: '/users/{id}/cart' }],
      ['browser_http_requests_total', 'counter', { method: 'PUT', status: '200', host: 'api.example.com', page: '/users/{id}/cart' }],
      ['browser_http_request_duration_ms', 'histogram', { method: 'PUT', status: '200', host: 'api.example.com', page: '/users/{id}/cart' }],
    ]);
    expect(ms[0].value).toBe(1);
    expect(ms[1].value).toBeGreaterThanOrEqual(0);
    expect(net.errors()).toHaveLength(0);
  });

  test('5xx and network failures are reported as NetworkError (query dropped, ids normalised); 4xx is not', async () => {
    client = await fresh({ maxBatchSize: 1000 });
    await window.fetch('https://api.example.com/orders/77?status=503&token=secret');
    await window.fetch('https://api.example.com/missing?status=404');
    const failure = await window.fetch('https://api.example.com/offline/9', { method: 'delete' }).catch((e) => e);
    expect(failure).toBeInstanceOf(TypeError); // the page sees the original rejection
    expect(failure.message).toBe('Failed to fetch');
    await tick();
    expect(net.errors().map((e) => [e.type, e.message, e.stack])).toEqual([
      ['NetworkError', 'GET https://api.example.com/orders/{id} failed with status 503', ''],
      ['NetworkError', 'DELETE https://api.example.com/offline/{id} network error: Failed to fetch', ''],
    ]);
    const statuses = (await sentMetrics()).filter((m) => m.type == 'counter').map((m) => m.labels.status);
    expect(statuses).toEqual(['503', '404', '0']);
  });

  test('aborted requests record nothing; the SDK endpoint is not instrumented', async () => {
    client = await fresh({ maxBatchSize: 1000 });
    const e = await window.fetch('https://api.example.com/abort').catch((x) => x);
    expect(e.name).toBe('AbortError');
    await window.fetch(ENDPOINT + '/api/browser/metrics?status=500');
    await window.fetch('https://relay.example.com/elsewhere'); // outside the endpoint's path prefix
    await tick();
    const ms = await sentMetrics();
    expect(ms.filter((m) => m.type == 'counter').map((m) => m.labels.host + ' ' + m.labels.status)).toEqual(['relay.example.com 200']);
    expect(net.errors()).toHaveLength(0);
  });

  test('captureNetwork: false leaves fetch alone; destroy restores it, or leaves a later wrapper in place', async () => {
    const original = window.fetch;
    client = await fresh({ captureNetwork: false });
    expect(window.fetch).toBe(original);
    client = await fresh();
    expect(window.fetch).not.toBe(original);
    client.destroy();
    expect(window.fetch).toBe(original);

    client = await fresh({ maxBatchSize: 1 });
    const ours = window.fetch;
    const theirs = vi.fn((...args: Parameters<typeof fetch>) => ours(...args));
    window.fetch = theirs as unknown as typeof fetch;
    client.destroy();
    expect(window.fetch).toBe(theirs); // not ripped out
    await window.fetch('https://api.example.com/x?status=500'); // our inner wrapper is inert now
    await tick();
    expect(net.errors()).toHaveLength(0);
    expect(net.metricPosts()).toHaveLength(0);
  });
});

describe('XMLHttpRequest instrumentation', () => {
  beforeEach(() => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    FakeXhr.last = [];
  });
  const open = (method: string, url: string) => {
    const x = new XMLHttpRequest() as unknown as FakeXhr;
    x.open(method, url);
    x.send();
    return x;
  };

  test('status, failure kinds, abort; restored by destroy', async () => {
    const proto = { open: FakeXhr.prototype.open, send: FakeXhr.prototype.send };
    client = await fresh({ maxBatchSize: 1000 });
    expect(FakeXhr.prototype.open).not.toBe(proto.open);
    open('get', 'https://api.example.com/a').respond(204);
    open('post', 'https://api.example.com/b/0123456789abcdef0123?x=1').respond(502);
    open('GET', 'https://api.example.com/c').fail('error');
    open('GET', 'https://api.example.com/d').fail('timeout');
    open('GET', 'https://api.example.com/e').fail('abort');
    open('POST', ENDPOINT + '/api/browser/errors').respond(500);
    const ms = await sentMetrics();
    expect(ms.filter((m) => m.type == 'counter').map((m) => `${m.labels.method} ${m.labels.status}`)).toEqual([
      'GET 204',
      'POST 502',
      'GET 0',
      'GET 0',
    ]);
    expect(net.errors().map((e) => e.message)).toEqual([
      'POST https://api.example.com/b/{id} failed with status 502',
      'GET https://api.example.com/c network error: XHR error',
      'GET https://api.example.com/d network error: XHR timeout',
    ]);
    client.destroy();
    expect(FakeXhr.prototype.open).toBe(proto.open);
    expect(FakeXhr.prototype.send).toBe(proto.send);
  });
});

describe('Web Vitals and page load', () => {
  test('the five vitals become histograms labelled with the page they were measured on', async () => {
    client = await fresh({ captureWebVitals: true, maxBatchSize: 1000 });
    expect(Object.keys(vitals.cb).sort()).toEqual(['CLS', 'FCP', 'INP', 'LCP', 'TTFB']);
    history.pushState(null, '', '/elsewhere/5');
    for (const [name, value] of [['LCP', 2100], ['INP', 180], ['CLS', 0.05], ['FCP', 900], ['TTFB', 120.5]] as const)
      vitals.cb[name]({ name, value });
    client.recordMetric('custom', 'counter', 1);
    history.pushState(null, '', '/users/42/cart?tab=1');
    const ms = await sentMetrics();
    expect(ms.map((m) => [m.name, m.type, m.value, m.labels])).toEqual([
      ['web_vitals_lcp', 'histogram', 2100, { page: '/users/{id}/cart' }],
      ['web_vitals_inp', 'histogram', 180, { page: '/users/{id}/cart' }],
      ['web_vitals_cls', 'histogram', 0.05, { page: '/users/{id}/cart' }],
      ['web_vitals_fcp', 'histogram', 900, { page: '/users/{id}/cart' }],
      ['web_vitals_ttfb', 'histogram', 120.5, { page: '/users/{id}/cart' }],
      ['custom', 'counter', 1, { page: '/elsewhere/{id}' }],
    ]);
  });

  test('the final values reported when the page is hidden leave in the beacon', async () => {
    const beacon = mockBeacon();
    vitals.onHidden = true; // the library's own hidden listener exists before the SDK's
    client = await fresh({ captureWebVitals: true, maxBatchSize: 1000 });
    vitals.cb.FCP({ name: 'FCP', value: 800 });
    setVisibility('hidden');
    // a late value while hidden is sent at once
    vitals.cb.LCP({ name: 'LCP', value: 2500 });
    await beacon.settled();
    expect(beacon.beacons.map((b) => b.json.metrics.map((m: any) => m.name))).toEqual([
      ['web_vitals_fcp', 'web_vitals_cls'],
      ['web_vitals_lcp'],
    ]);
    expect(net.calls).toHaveLength(0);
  });

  test('captureWebVitals: false and an unsampled page register nothing', async () => {
    client = await fresh({ captureWebVitals: false });
    expect(vitals.cb).toEqual({});
    vi.spyOn(Math, 'random').mockReturnValue(0.9);
    client = await fresh({ captureWebVitals: true, sampleRate: 0.5 });
    expect(vitals.cb).toEqual({});
  });

  test('page_load_time after load, from the navigation entry', async () => {
    vi.spyOn(performance, 'getEntriesByType').mockImplementation(((type: string) =>
      type == 'navigation' ? [{ startTime: 0, loadEventEnd: 1234.5 }] : []) as any);
    client = await fresh({ captureWebVitals: true, maxBatchSize: 1000 });
    await tick();
    expect((await sentMetrics()).map((m) => [m.name, m.type, m.value, m.labels])).toEqual([
      ['page_load_time', 'histogram', 1234.5, { page: '/users/{id}/cart' }],
    ]);
  });

  test('no page_load_time when loadEventEnd is not set', async () => {
    vi.spyOn(performance, 'getEntriesByType').mockImplementation(((type: string) =>
      type == 'navigation' ? [{ startTime: 0, loadEventEnd: 0 }] : []) as any);
    client = await fresh({ captureWebVitals: true, maxBatchSize: 1000 });
    await tick();
    expect(await sentMetrics()).toEqual([]);
  });
});
