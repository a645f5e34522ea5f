import { afterEach, describe, expect, test, vi } from 'vitest';
import type { MonlightClient } from '../../src/index';
import { DSN, ENDPOINT, fresh, mockFetch, tick } from './helpers';

let client: MonlightClient | undefined;
afterEach(() => client?.destroy());

describe('init options (SPEC §8.1)', () => {
  test('dsn and endpoint are required, with the exact messages', async () => {
    vi.resetModules();
    const { init } = await import('../../src/index');
    expect(() => init({ endpoint: ENDPOINT } as any)).toThrow(new Error("[Monlight] 'dsn' is required"));
    expect(() => init({ dsn: DSN } as any)).toThrow(new Error("[Monlight] 'endpoint' is required"));
    expect(() => (init as any)()).toThrow("[Monlight] 'dsn' is required");
    expect(() => init({ dsn: '', endpoint: ENDPOINT })).toThrow("[Monlight] 'dsn' is required");
  });

  test('the seed example works as written', async () => {
    const net = mockFetch();
    vi.resetModules();
    const { init } = await import('../../src/index');
    const m = init({ dsn: 'PUBLIC_KEY', endpoint: 'https://relay.example.com', release: '1.0.0' });
    m.captureError(new Error('fail'), { page: '/checkout' });
    m.setUser('u-42');
    m.addContext('tenant', 'acme');
    m.destroy();
    await tick();
    expect(net.calls).toHaveLength(1);
    expect(net.calls[0].url).toBe('https://relay.example.com/api/browser/errors');
    expect(net.calls[0].init.headers).toEqual({ 'Content-Type': 'application/json', 'X-Monlight-Key': 'PUBLIC_KEY' });
    expect(net.calls[0].body).toMatchObject({ type: 'Error', message: 'fail', release: '1.0.0', environment: 'prod', context: { page: '/checkout' } });
  });

  test('trailing slashes of the endpoint are removed; a path prefix is kept', async () => {
    const net = mockFetch();
    client = await fresh({ endpoint: 'https://relay.example.com/prefix//' });
    client.captureError(new Error('x'));
    await tick();
    expect(net.calls[0].url).toBe('https://relay.example.com/prefix/api/browser/errors');
  });

  test('environment defaults to prod; release is sent only when given', async () => {
    const net = mockFetch();
    client = await fresh();
    client.captureError(new Error('a'));
    client = await fresh({ environment: 'staging', release: '2.1.0' });
    client.captureError(new Error('b'));
    await tick();
    const [a, b] = net.errors();
    expect(a.environment).toBe('prod');
    expect('release' in a).toBe(false);
    expect(b.environment).toBe('staging');
    expect(b.release).toBe('2.1.0');
  });

  test('enabled: false gives a no-op client: no patches, no listeners, no requests', async () => {
    const net = mockFetch();
    const before = window.fetch;
    const consoleError = console.error;
    client = await fresh({ enabled: false, captureConsole: true });
    expect(window.fetch).toBe(before);
    expect(console.error).toBe(consoleError);
    client.captureError(new Error('x'));
    client.captureMessage('m');
    client.recordMetric('m', 'counter', 1);
    window.dispatchEvent(new ErrorEvent('error', { message: 'boom' }));
    await expect(client.flush()).resolves.toBeUndefined();
    client.destroy();
    await tick();
    expect(net.calls).toHaveLength(0);
  });

  test('a second init destroys the first client (its patches and listeners are gone)', async () => {
    const net = mockFetch();
    const original = window.fetch;
    vi.resetModules();
    const { init } = await import('../../src/index');
    const first = init({ dsn: DSN, endpoint: ENDPOINT, captureWebVitals: false });
    const patched = window.fetch;
    expect(patched).not.toBe(original);
    client = init({ dsn: 'second', endpoint: ENDPOINT, captureWebVitals: false });
    first.captureError(new Error('from first'));
    window.dispatchEvent(new ErrorEvent('error', { error: new Error('auto'), message: 'auto' }));
    await tick();
    // one report, from the second client only
    expect(net.errors().map((e) => e.message)).toEqual(['auto']);
    expect((net.calls[0].init.headers as Record<string, string>)['X-Monlight-Key']).toBe('second');
    client.destroy();
    expect(window.fetch).toBe(original);
  });

  test('sampleRate is drawn once per page load and applies to performance data, not to errors', async () => {
    const net = mockFetch((url) => (url.includes('/api/browser/') ? { status: 202 } : { status: 503 }));
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    client = await fresh({ sampleRate: 0.4, maxBatchSize: 1 });
    await window.fetch('https://api.example.com/x');
    await tick();
    // not sampled: no request metrics, but the 503 is still reported as an error
    expect(net.metricPosts()).toHaveLength(0);
    expect(net.errors().map((e) => e.type)).toEqual(['NetworkError']);
    // same page load, new client with a higher rate: the same draw (0.5) is now inside the sample
    vi.mocked(Math.random).mockReturnValue(0.99);
    const { init } = await import('../../src/index');
    client = init({ dsn: DSN, endpoint: ENDPOINT, captureWebVitals: false, sampleRate: 0.6, maxBatchSize: 1 });
    await window.fetch('https://api.example.com/y');
    await tick();
    expect(net.metricPosts().length).toBeGreaterThan(0);
  });

  test('custom metrics (recordMetric) are not sampled', async () => {
    const net = mockFetch();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    client = await fresh({ sampleRate: 0, maxBatchSize: 1 });
    client.recordMetric('orders_total', 'counter', 1, { plan: 'pro' });
    await tick();
    expect(net.metricPosts().map((b) => b.metrics.map((m: any) => [m.name, m.labels]))).toEqual([
      [['orders_total', { plan: 'pro', page: '/users/{id}/cart' }]],
    ]);
  });

  test('debug: transport failures and dropped events are warned about with [Monlight]', async () => {
    mockFetch(() => new TypeError('Failed to fetch'));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    client = await fresh({ debug: true, beforeSend: () => null });
    client.captureError(new Error('dropped'));
    await tick();
    expect(warn.mock.calls.some((c) => String(c[0]).startsWith('[Monlight] ') && /beforeSend/.test(c[0]))).toBe(true);
    client = await fresh({ debug: true });
    client.captureError(new Error('sent'));
    await tick();
    expect(warn.mock.calls.some((c) => /errors: failed/.test(c[0]))).toBe(true);
    // without debug: silent
    warn.mockClear();
    client = await fresh();
    client.captureError(new Error('sent again'));
    await tick();
    expect(warn).not.toHaveBeenCalled();
  });
});
