// Test doubles for the unit tests: a recording fetch, sendBeacon, a fake XMLHttpRequest and page visibility.
import { vi } from 'vitest';
import type { MonlightClient, MonlightOptions } from '../../src/index';

export const DSN = 'k'.repeat(32);
export const ENDPOINT = 'https://relay.example.com/monlight';

export interface Call {
  url: string;
  init: RequestInit;
  body: any;
}

export type Reply = { status: number; headers?: Record<string, string> } | Error;

/** Replaces window.fetch with a recorder; `reply` decides each answer (default 202). */
export function mockFetch(reply: (url: string, init: RequestInit) => Reply = () => ({ status: 202 })) {
  const calls: Call[] = [];
  const fn = vi.fn((input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String((input as Request).url || input);
    let body: unknown = init.body;
    try {
      body = typeof init.body == 'string' ? JSON.parse(init.body) : init.body;
    } catch (e) {
      // not JSON
    }
    calls.push({ url, init, body });
    const r = reply(url, init);
    if (r instanceof Error) return Promise.reject(r);
    return Promise.resolve({ status: r.status, headers: new Headers(r.headers || {}) } as Response);
  });
  window.fetch = fn as unknown as typeof fetch;
  return {
    fn,
    calls,
    errors: () => calls.filter((c) => c.url.endsWith('/api/browser/errors')).map((c) => c.body),
    metricPosts: () => calls.filter((c) => c.url.endsWith('/api/browser/metrics')).map((c) => c.body),
  };
}

export interface Beacon {
  url: string;
  type: string;
  size: number;
  json: any;
}

/** navigator.sendBeacon recorder; `accept` is what it returns. */
export function mockBeacon(accept = true) {
  const beacons: Beacon[] = [];
  const pending: Promise<void>[] = [];
  const fn = vi.fn((url: string, data: Blob) => {
    pending.push(
      data.text().then((text) => {
        beacons.push({ url, type: data.type, size: data.size, json: JSON.parse(text) });
      }),
    );
    return accept;
  });
  Object.defineProperty(navigator, 'sendBeacon', { value: fn, configurable: true, writable: true });
  return { fn, beacons, settled: () => Promise.all(pending) };
}

let visibility: DocumentVisibilityState = 'visible';
Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });

/** Sets document.visibilityState and fires visibilitychange. */
export function setVisibility(state: DocumentVisibilityState, fire = true) {
  visibility = state;
  if (fire) document.dispatchEvent(new Event('visibilitychange'));
}

/** Lets pending promise callbacks run. */
export async function tick(n = 5) {
  for (let i = 0; i < n; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}

/** A fresh SDK module (its page-load state: active client and sampling draw) and a client from it. */
/** The previous fresh() client is destroyed first (another module instance would not do it). */
let previous: MonlightClient | undefined;
export async function fresh(options: Partial<MonlightOptions> = {}): Promise<MonlightClient> {
  previous?.destroy();
  vi.resetModules();
  const { init } = await import('../../src/index');
  return (previous = init({ dsn: DSN, endpoint: ENDPOINT, captureWebVitals: false, ...options }));
}

/** A minimal XMLHttpRequest double: `respond(status)` / `fail(kind)` finish the request with real events. */
export class FakeXhr extends EventTarget {
  static last: FakeXhr[] = [];
  status = 0;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  responseHeaders: Record<string, string> = {};
  onloadend: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.responseHeaders[name] ?? null;
  }
  send(body?: unknown) {
    this.body = body;
    FakeXhr.last.push(this);
  }
  respond(status: number, headers: Record<string, string> = {}) {
    this.status = status;
    this.responseHeaders = headers;
    this.dispatchEvent(new Event('load'));
    this.finish();
  }
  fail(kind: 'error' | 'abort' | 'timeout') {
    this.dispatchEvent(new Event(kind));
    this.finish();
  }
  private finish() {
    this.dispatchEvent(new Event('loadend'));
    if (this.onloadend) this.onloadend();
  }
}
