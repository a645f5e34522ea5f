import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { MonlightClient } from '../../src/index';
import { DSN, ENDPOINT, FakeXhr, fresh, mockBeacon, mockFetch, setVisibility, tick } from './helpers';

let client: MonlightClient | undefined;
beforeEach(() => setVisibility('visible', false));
afterEach(() => {
  client?.destroy();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const KEYED = `${ENDPOINT}/api/browser/metrics?key=${DSN}`;

describe('errors transport (SPEC §8.4)', () => {
  test('sent at once with fetch: POST, JSON headers with the DSN, keepalive below 60000 characters', async () => {
    const net = mockFetch();
    client = await fresh();
    client.captureError(new Error('small'));
    client.captureError(new Error('x'.repeat(70000)));
    expect(net.calls).toHaveLength(2); // synchronously, not batched
    const [small, big] = net.calls;
    expect(small.url).toBe(`${ENDPOINT}/api/browser/errors`);
    expect(small.init).toMatchObject({ method: 'POST', keepalive: true, headers: { 'Content-Type': 'application/json', 'X-Monlight-Key': DSN } });
    expect(big.init.keepalive).toBe(false);
  });

  test('XMLHttpRequest fallback when there is no fetch', async () => {
    vi.stubGlobal('fetch', undefined);
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    FakeXhr.last = [];
    client = await fresh({ captureNetwork: false });
    client.captureError(new Error('via xhr'));
    expect(FakeXhr.last).toHaveLength(1);
    const x = FakeXhr.last[0];
    expect([x.method, x.url]).toEqual(['POST', `${ENDPOINT}/api/browser/errors`]);
    expect(x.headers).toEqual({ 'Content-Type': 'application/json', 'X-Monlight-Key': DSN });
    expect(JSON.parse(x.body as string).message).toBe('via xhr');
    x.respond(429, { 'Retry-After': '30' });
    await tick();
    client.captureError(new Error('paused'));
    expect(FakeXhr.last).toHaveLength(1);
  });

  test('429 pauses sending for Retry-After seconds; errors during the pause are dropped', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    let status = 429;
    const net = mockFetch(() => ({ status, headers: { 'Retry-After': '2' } }));
    client = await fresh();
    client.captureError(new Error('first'));
    await tick();
    status = 201;
    client.captureError(new Error('during pause'));
    vi.setSystemTime(new Date('2026-01-01T00:00:01.999Z'));
    client.captureError(new Error('still paused'));
    vi.setSystemTime(new Date('2026-01-01T00:00:02.000Z'));
    client.captureError(new Error('after pause'));
    await tick();
    expect(net.errors().map((e) => e.message)).toEqual(['first', 'after pause']);
  });

  test('429 with an unreadable Retry-After pauses for 60 s', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const net = mockFetch(() => ({ status: 429, headers: { 'Retry-After': 'soon' } }));
    client = await fresh();
    client.captureError(new Error('a'));
    await tick();
    vi.setSystemTime(new Date('2026-01-01T00:00:59.000Z'));
    client.captureError(new Error('b'));
    vi.setSystemTime(new Date('2026-01-01T00:01:00.000Z'));
    client.captureError(new Error('c'));
    await tick();
    expect(net.errors().map((e) => e.message)).toEqual(['a', 'c']);
  });

  test('failures are swallowed: rejected fetch, 500, no retries', async () => {
    const net = mockFetch((url) => (url.includes('errors') ? new TypeError('Failed to fetch') : { status: 500 }));
    client = await fresh();
    client.captureError(new Error('lost'));
    client.recordMetric('m', 'counter', 1);
    await expect(client.flush()).resolves.toBeUndefined();
    await tick();
    expect(net.calls).toHaveLength(2);
  });
});

describe('metrics transport', () => {
  test('items, batching at maxBatchSize, envelope with session_id and no url', async () => {
    const net = mockFetch();
    client = await fresh({ maxBatchSize: 3 });
    history.replaceState(null, '', '/orders/550e8400-e29b-41d4-a716-446655440000/items?x=1');
    client.recordMetric('cart_size', 'gauge', 4, { plan: 'pro' });
    client.recordMetric('clicks', 'counter', 1);
    expect(net.calls).toHaveLength(0);
    client.recordMetric('lat', 'histogram', 12.5);
    expect(net.calls).toHaveLength(1);
    const { url, init, body } = net.calls[0];
    expect(url).toBe(`${ENDPOINT}/api/browser/metrics`);
    expect(init.headers).toEqual({ 'Content-Type': 'application/json', 'X-Monlight-Key': DSN });
    expect(Object.keys(body)).toEqual(['metrics', 'session_id']);
    expect(body.session_id).toBe(sessionStorage.getItem('monlight_session_id'));
    expect(body.metrics[0]).toEqual({
      name: 'cart_size',
      type: 'gauge',
      value: 4,
      labels: { plan: 'pro', page: '/orders/{id}/items' },
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(body.metrics.map((m: any) => m.name)).toEqual(['cart_size', 'clicks', 'lat']);
    history.replaceState(null, '', '/users/42/cart?tab=1');
  });

  test('flushed every flushInterval; flush() sends at once; nothing sent when empty', async () => {
    vi.useFakeTimers();
    const net = mockFetch();
    client = await fresh({ flushInterval: 1000 });
    vi.advanceTimersByTime(1500);
    expect(net.calls).toHaveLength(0);
    client.recordMetric('a', 'counter', 1);
    vi.advanceTimersByTime(999);
    expect(net.calls).toHaveLength(1);
    client.recordMetric('b', 'counter', 1);
    await client.flush();
    expect(net.metricPosts().map((b) => b.metrics.map((m: any) => m.name))).toEqual([['a'], ['b']]);
  });

  test('at most 100 items are buffered; the oldest are dropped', async () => {
    const net = mockFetch();
    client = await fresh({ maxBatchSize: 1000 });
    for (let i = 0; i < 150; i++) client.recordMetric('m' + i, 'counter', 1);
    await client.flush();
    const items = net.metricPosts()[0].metrics;
    expect(items).toHaveLength(100);
    expect(items[0].name).toBe('m50');
    expect(items[99].name).toBe('m149');
  });

  test('429 keeps the metrics buffered and sends them after the pause', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    let status = 429;
    const net = mockFetch(() => ({ status, headers: { 'Retry-After': '5' } }));
    client = await fresh({ maxBatchSize: 1000 });
    client.recordMetric('kept', 'counter', 1);
    await client.flush();
    status = 202;
    client.recordMetric('later', 'counter', 1);
    await client.flush(); // paused: nothing sent
    expect(net.calls).toHaveLength(1);
    vi.setSystemTime(new Date('2026-01-01T00:00:05Z'));
    await client.flush();
    expect(net.metricPosts()[1].metrics.map((m: any) => m.name)).toEqual(['kept', 'later']);
  });
});

describe('page hide (sendBeacon)', () => {
  test('visibilitychange to hidden and pagehide send the buffer as text/plain with ?key=', async () => {
    const net = mockFetch();
    const beacon = mockBeacon();
    client = await fresh({ maxBatchSize: 1000 });
    client.recordMetric('a', 'counter', 1);
    setVisibility('visible'); // not hidden: nothing
    expect(beacon.fn).not.toHaveBeenCalled();
    setVisibility('hidden');
    client.recordMetric('b', 'counter', 2);
    setVisibility('visible');
    window.dispatchEvent(new Event('pagehide'));
    await beacon.settled();
    // (Blob lower-cases its type)
    expect(beacon.beacons.map((b) => [b.url, b.type, b.json.metrics.map((m: any) => m.name)])).toEqual([
      [KEYED, 'text/plain;charset=utf-8', ['a']],
      [KEYED, 'text/plain;charset=utf-8', ['b']],
    ]);
    expect(beacon.beacons[0].json.session_id).toBe(sessionStorage.getItem('monlight_session_id'));
    expect(net.calls).toHaveLength(0);
  });

  test('the DSN is URL-encoded in the query', async () => {
    mockFetch();
    const beacon = mockBeacon();
    vi.resetModules();
    const { init } = await import('../../src/index');
    client = init({ dsn: 'a b&c', endpoint: ENDPOINT, captureWebVitals: false });
    client.recordMetric('a', 'counter', 1);
    client.destroy(); // destroy flushes with a beacon too
    expect(beacon.fn.mock.calls[0][0]).toBe(`${ENDPOINT}/api/browser/metrics?key=a%20b%26c`);
  });

  test('chunks of at most 60000 bytes', async () => {
    mockFetch();
    const beacon = mockBeacon();
    client = await fresh({ maxBatchSize: 1000 });
    for (let i = 0; i < 100; i++) client.recordMetric('m', 'counter', i, { blob: 'é'.repeat(800) + i });
    setVisibility('hidden');
    await beacon.settled();
    expect(beacon.beacons.length).toBeGreaterThan(2);
    expect(Math.max(...beacon.beacons.map((b) => b.size))).toBeLessThanOrEqual(60000);
    expect(beacon.beacons.flatMap((b) => b.json.metrics.map((m: any) => m.value))).toEqual([...Array(100).keys()]);
  });

  test('sendBeacon refused (or missing) → fetch keepalive with the same query key and a text/plain body', async () => {
    const net = mockFetch();
    mockBeacon(false);
    client = await fresh({ maxBatchSize: 1000 });
    client.recordMetric('a', 'counter', 1);
    window.dispatchEvent(new Event('pagehide'));
    expect(net.calls).toHaveLength(1);
    expect(net.calls[0].url).toBe(KEYED);
    expect(net.calls[0].init).toMatchObject({ method: 'POST', keepalive: true, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } });
    expect(net.calls[0].body.metrics[0].name).toBe('a');
  });

  test('while hidden, a full batch leaves by beacon', async () => {
    const net = mockFetch();
    const beacon = mockBeacon();
    client = await fresh({ maxBatchSize: 2 });
    setVisibility('hidden');
    client.recordMetric('a', 'counter', 1);
    client.recordMetric('b', 'counter', 1);
    await beacon.settled();
    expect(beacon.beacons.map((b) => b.json.metrics.length)).toEqual([2]);
    expect(net.calls).toHaveLength(0);
  });
});
