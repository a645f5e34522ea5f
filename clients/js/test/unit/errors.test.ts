import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { MonlightClient } from '../../src/index';
import { fresh, mockFetch, tick } from './helpers';

let client: MonlightClient | undefined;
let net: ReturnType<typeof mockFetch>;
beforeEach(() => {
  net = mockFetch();
  sessionStorage.clear();
});
afterEach(() => {
  client?.destroy();
  vi.useRealTimers();
});

/** An Error with a given stack (first frame decides the dedup key). */
function err(message: string, frame = 'at f (https://shop.example.com/app.js:1:10)', name?: string) {
  const e = new Error(message);
  if (name) e.name = name;
  e.stack = `${e.name}: ${message}\n    ${frame}\n    at g (https://shop.example.com/app.js:2:20)`;
  return e;
}

describe('error events (SPEC §8.2)', () => {
  test('payload of captureError: fields, session, context merge and user', async () => {
    client = await fresh({ release: '1.2.3' });
    client.addContext('tenant', 'acme');
    client.addContext('plan', 'free');
    client.setUser('u-42');
    const e = err('fail', undefined, 'TypeError');
    client.captureError(e, { page: '/checkout', plan: 'pro' });
    await tick();
    const [ev] = net.errors();
    expect(Object.keys(ev)).toEqual(['type', 'message', 'stack', 'url', 'user_agent', 'session_id', 'release', 'environment', 'timestamp', 'context']);
    expect(ev).toMatchObject({
      type: 'TypeError',
      message: 'fail',
      stack: e.stack,
      url: 'https://shop.example.com/users/42/cart?tab=1',
      user_agent: navigator.userAgent,
      release: '1.2.3',
      environment: 'prod',
    });
    expect(ev.context).toEqual({ tenant: 'acme', plan: 'pro', page: '/checkout', user_id: 'u-42' });
    expect(ev.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(ev.session_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sessionStorage.getItem('monlight_session_id')).toBe(ev.session_id);
    expect(localStorage.length).toBe(0);
    expect(document.cookie).toBe('');
  });

  test('the session id is kept in sessionStorage across clients', async () => {
    sessionStorage.setItem('monlight_session_id', 'existing-session');
    client = await fresh();
    client.captureError(new Error('x'));
    await tick();
    expect(net.errors()[0].session_id).toBe('existing-session');
  });

  test('setUser(null), removeContext', async () => {
    client = await fresh();
    client.setUser(7);
    client.addContext('a', 1);
    client.captureError(err('one'));
    client.setUser(null);
    client.removeContext('a');
    client.captureError(err('two'));
    await tick();
    expect(net.errors().map((e) => e.context)).toEqual([{ a: 1, user_id: 7 }, {}]);
  });

  test('non-Error values and captureMessage', async () => {
    client = await fresh();
    client.captureError('plain string');
    client.captureError({ toString: () => 'object text' });
    client.captureError(Object.create(null));
    client.captureMessage('careful', 'warning');
    client.captureMessage('bad');
    await tick();
    expect(net.errors().map((e) => [e.type, e.message, e.stack])).toEqual([
      ['Error', 'plain string', ''],
      ['Error', 'object text', ''],
      ['Error', '[object Object]', ''],
      ['ConsoleWarning', 'careful', ''],
      ['ConsoleError', 'bad', ''],
    ]);
  });

  test('automatic: window error events (Error, message only, resource errors ignored)', async () => {
    client = await fresh();
    const e = err('auto', undefined, 'RangeError');
    window.dispatchEvent(new ErrorEvent('error', { error: e, message: 'Uncaught RangeError: auto' }));
    window.dispatchEvent(new ErrorEvent('error', { error: 'thrown string', message: 'Uncaught thrown string' }));
    window.dispatchEvent(new ErrorEvent('error', { message: 'Script error.' }));
    window.dispatchEvent(new Event('error')); // what a failed <img> looks like when it reaches window
    await tick();
    expect(net.errors().map((x) => [x.type, x.message, x.stack])).toEqual([
      ['RangeError', 'auto', e.stack],
      ['Error', 'Uncaught thrown string', ''],
      ['Error', 'Script error.', ''],
    ]);
  });

  test('automatic: unhandled rejections', async () => {
    client = await fresh();
    const e = err('rejected');
    const reject = (reason: unknown) => {
      const ev = new Event('unhandledrejection') as Event & { reason: unknown };
      ev.reason = reason;
      window.dispatchEvent(ev);
    };
    reject(e);
    reject('just text');
    reject(42);
    await tick();
    expect(net.errors().map((x) => [x.type, x.message, x.stack])).toEqual([
      ['Error', 'rejected', e.stack],
      ['UnhandledRejection', 'just text', ''],
      ['UnhandledRejection', '42', ''],
    ]);
  });

  test('console capture is opt-in, calls the original first, maps Errors to messages', async () => {
    const calls: string[] = [];
    const original = vi.spyOn(console, 'error').mockImplementation(() => {
      calls.push('original');
    });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    client = await fresh();
    console.error('not captured');
    client = await fresh({ captureConsole: true });
    net.fn.mockImplementation(((...args: unknown[]) => {
      calls.push('sent');
      return Promise.resolve({ status: 201, headers: new Headers() });
    }) as any);
    console.error('a', new Error('b'), 3, null);
    console.warn('w');
    await tick();
    expect(calls).toEqual(['original', 'original', 'sent', 'sent']);
    expect(original).toHaveBeenCalledWith('a', expect.any(Error), 3, null);
    const sent = net.fn.mock.calls.map((c) => JSON.parse((c[1] as RequestInit).body as string));
    expect(sent.map((x) => [x.type, x.message, x.stack])).toEqual([
      ['ConsoleError', 'a b 3 null', ''],
      ['ConsoleWarning', 'w', ''],
    ]);
    client.destroy();
    expect(console.error).toBe(original);
  });

  test('debug warnings of the SDK are not captured as console events (no loop)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    net.fn.mockImplementation((() => Promise.reject(new TypeError('Failed to fetch'))) as any);
    client = await fresh({ captureConsole: true, debug: true });
    client.captureError(new Error('relay down'));
    await tick();
    expect(warn).toHaveBeenCalledWith('[Monlight] errors: failed', expect.any(TypeError));
    expect(net.fn).toHaveBeenCalledTimes(1); // the warning about the failure was not reported in turn
  });
});

describe('pipeline: ignoreErrors → dedup → maxErrorsPerPage → beforeSend', () => {
  test('ignoreErrors: substring and RegExp (global flag included)', async () => {
    client = await fresh({ ignoreErrors: ['ResizeObserver loop', /^Script error\.?$/g] });
    client.captureError(new Error('ResizeObserver loop limit exceeded'));
    client.captureError(new Error('Script error.'));
    client.captureError(new Error('Script error.'));
    client.captureError(new Error('real problem'));
    await tick();
    expect(net.errors().map((e) => e.message)).toEqual(['real problem']);
  });

  test('dedup: same type, message and first frame within 60 s is dropped, then sent again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    client = await fresh();
    client.captureError(err('dup'));
    client.captureError(err('dup'));
    client.captureError(err('dup', 'at other (https://shop.example.com/app.js:9:9)')); // another first frame
    client.captureError(err('dup', undefined, 'TypeError')); // another type
    client.captureError(err('dup', 'handler@https://shop.example.com/app.js:3:3')); // Firefox frame
    vi.setSystemTime(new Date('2026-01-01T00:00:59.900Z'));
    client.captureError(err('dup'));
    vi.setSystemTime(new Date('2026-01-01T00:01:00.000Z'));
    client.captureError(err('dup'));
    await tick();
    expect(net.errors().map((e) => `${e.type} ${e.stack.split('\n')[1].trim()}`)).toEqual([
      'Error at f (https://shop.example.com/app.js:1:10)',
      'Error at other (https://shop.example.com/app.js:9:9)',
      'TypeError at f (https://shop.example.com/app.js:1:10)',
      'Error handler@https://shop.example.com/app.js:3:3',
      'Error at f (https://shop.example.com/app.js:1:10)',
    ]);
  });

  test('dedup remembers 50 keys; the oldest is evicted; destroy clears them', async () => {
    client = await fresh();
    for (let i = 0; i <= 50; i++) client.captureError(err('e' + i)); // 51 keys: e0 evicted
    client.captureError(err('e0')); // sent again (evicts e1)
    client.captureError(err('e2')); // still remembered: dropped
    client.destroy();
    client = await fresh();
    client.captureError(err('e2')); // a new client remembers nothing
    await tick();
    const messages = net.errors().map((e) => e.message);
    expect(messages).toHaveLength(53);
    expect(messages.slice(-2)).toEqual(['e0', 'e2']);
  });

  test('maxErrorsPerPage caps what is sent; dropped duplicates do not count', async () => {
    client = await fresh({ maxErrorsPerPage: 3 });
    for (const m of ['a', 'a', 'b', 'c', 'd', 'e']) client.captureError(err(m));
    await tick();
    expect(net.errors().map((e) => e.message)).toEqual(['a', 'b', 'c']);
  });

  test('beforeSend runs after dedup, may modify, null drops, an exception drops', async () => {
    const seen: string[] = [];
    client = await fresh({
      beforeSend: (ev) => {
        seen.push(ev.message);
        if (ev.message == 'drop') return null;
        if (ev.message == 'throw') throw new Error('bug in beforeSend');
        return { ...ev, message: ev.message.toUpperCase(), context: { ...ev.context, scrubbed: true } };
      },
    });
    expect(() => {
      client!.captureError(err('keep'));
      client!.captureError(err('keep')); // deduplicated before beforeSend
      client!.captureError(err('drop'));
      client!.captureError(err('throw'));
    }).not.toThrow();
    await tick();
    expect(seen).toEqual(['keep', 'drop', 'throw']);
    expect(net.errors().map((e) => [e.message, e.context])).toEqual([['KEEP', { scrubbed: true }]]);
  });

  test('never throws into the page: unserialisable context, throwing toString, broken fetch', async () => {
    client = await fresh();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const evil = { toString() { throw new Error('no'); } };
    net.fn.mockImplementation(() => {
      throw new Error('fetch exploded synchronously');
    });
    expect(() => {
      client!.captureError(new Error('circular'), circular);
      client!.captureError(evil);
      client!.captureError(new Error('sync throw'));
      client!.recordMetric('m', 'counter', 1n as unknown as number);
      client!.addContext('big', 1n);
      client!.captureError(new Error('bigint context'));
    }).not.toThrow();
    await expect(client.flush()).resolves.toBeUndefined();
  });
});
