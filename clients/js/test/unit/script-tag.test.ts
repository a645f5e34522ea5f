// The IIFE build (dist/monlight.min.js) as a page loads it: bundled here with the real build script.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { DSN, ENDPOINT, mockFetch, tick } from './helpers';

let code = '';
beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), 'monlight-iife-'));
  execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', out], { stdio: 'pipe' });
  code = readFileSync(join(out, 'monlight.min.js'), 'utf8');
}, 60000);

const w = window as any;
afterEach(() => {
  w.Monlight?.destroy();
  delete w.Monlight;
  delete w.MonlightConfig;
  delete w.MonlightSDK;
});

// A global eval, as a classic <script> runs; its completion value is the `MonlightSDK` the script declares.
const load = () => (w.MonlightSDK = (0, eval)(code + '\n;MonlightSDK'));

describe('script tag build', () => {
  test('window.MonlightConfig → window.Monlight, and MonlightSDK.init', async () => {
    const net = mockFetch();
    w.MonlightConfig = { dsn: DSN, endpoint: ENDPOINT, release: '9.9.9' };
    load();
    expect(typeof w.MonlightSDK.init).toBe('function');
    expect(typeof w.Monlight.captureError).toBe('function');
    w.Monlight.captureError(new Error('from the tag'));
    await tick();
    expect(net.errors()).toMatchObject([{ message: 'from the tag', release: '9.9.9' }]);
  });

  test('without MonlightConfig nothing starts', () => {
    const before = window.fetch;
    load();
    expect(w.Monlight).toBeUndefined();
    expect(window.fetch).toBe(before);
    expect(typeof w.MonlightSDK.init).toBe('function');
  });

  test('a bad config is logged, not thrown', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    w.MonlightConfig = { endpoint: ENDPOINT };
    expect(load).not.toThrow();
    expect(error).toHaveBeenCalledWith('[Monlight] Auto-init failed:', new Error("[Monlight] 'dsn' is required"));
    expect(w.Monlight).toBeUndefined();
  });
});
