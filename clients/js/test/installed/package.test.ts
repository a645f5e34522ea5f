// @vitest-environment jsdom
// The npm tarball as an application gets it (tests/release: `npm install ./monlight-browser-X.Y.Z.tgz` into a fresh
// directory), against a running relay: '@monlight/browser' is resolved by Node from that directory (package.json
// "exports", its own web-vitals dependency), not from ../../src. Run by `vitest run -c vitest.installed.config.ts`
// with MONLIGHT_SDK_INSTALLED_DIR (the application directory), MONLIGHT_RELAY_URL (the relay's base URL),
// MONLIGHT_DSN (a DSN key of project MONLIGHT_PROJECT), MONLIGHT_ET_URL / MONLIGHT_MC_URL and MONLIGHT_API_KEY (to
// look the events up); any of them missing fails.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MonlightClient } from '../../src/index';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (this suite runs from tests/release)`);
  return v;
}

const app = env('MONLIGHT_SDK_INSTALLED_DIR');
const marker = `InstalledPackage${Date.now().toString(36)}`;
let sdk: { init: (o: Record<string, unknown>) => MonlightClient };
let client: MonlightClient | undefined;

async function get(url: string): Promise<string> {
  const r = await fetch(url, { headers: { 'X-API-Key': env('MONLIGHT_API_KEY') } });
  return `${r.status} ${await r.text()}`;
}

beforeAll(async () => {
  // resolved the way Node resolves it for the application (the ESM "import" condition of the installed package)
  const url = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('@monlight/browser'))"],
    { cwd: app, encoding: 'utf8' }).trim();
  expect(fileURLToPath(url).startsWith(`${app}/node_modules/@monlight/browser/`)).toBe(true);
  sdk = await import(/* @vite-ignore */ url);
});
afterAll(() => client?.destroy());

describe('the installed @monlight/browser package', () => {
  test('exports init, and its package.json has the version of its bundle banner', () => {
    expect(typeof sdk.init).toBe('function');
    const dir = `${app}/node_modules/@monlight/browser`;
    const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
    expect(readFileSync(`${dir}/dist/monlight.min.js`, 'utf8').slice(0, 200)).toContain(`@monlight/browser ${pkg.version}`);
  });

  test('an error and a metric reach the error tracker and the metrics collector through the relay', async () => {
    client = sdk.init({ dsn: env('MONLIGHT_DSN'), endpoint: env('MONLIGHT_RELAY_URL'), release: 'installed-check',
      captureWebVitals: false, captureNetwork: false });
    client.captureError(new TypeError(marker), { check: 'installed' });
    client.recordMetric(`release_check_${marker.toLowerCase()}`, 'counter', 1, { via: 'npm' });
    await client.flush();
    const project = env('MONLIGHT_PROJECT');
    await expect.poll(() => get(`${env('MONLIGHT_ET_URL')}/api/errors?project=${project}&source=browser`),
      { timeout: 15000, interval: 200 }).toMatch(new RegExp(`^200 .*${marker}`));
    await expect.poll(() => get(`${env('MONLIGHT_MC_URL')}/api/metrics/names`), { timeout: 15000, interval: 200 })
      .toMatch(new RegExp(`^200 .*release_check_${marker.toLowerCase()}`));
  });
});
