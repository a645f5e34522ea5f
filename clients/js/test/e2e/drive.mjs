// End-to-end driver (run by tests/browser-relay/test_br_sdk_browser.py): Debian's headless Chromium through
// playwright-core (no browser download). Loads the page, clicks, runs the page's failures, hides the page by
// navigating away, and prints the network log of the relay's requests and the console as JSON.
// Usage: node drive.mjs '{"page": URL, "done": URL, "closedPort": N, "relay": URL}'
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: process.env.MONLIGHT_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});
const out = { requests: {}, console: [], results: null, monlight: null };
try {
  const page = await browser.newPage();
  page.on('console', (m) => out.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => out.console.push(`pageerror: ${e.message}`));
  // Chromium's own network log (DevTools protocol), which also sees sendBeacon requests ("Ping")
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const req = (id) => (out.requests[id] ||= { id });
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.url.startsWith(cfg.relay)) Object.assign(req(e.requestId), { url: e.request.url, method: e.request.method, type: e.type, headers: e.request.headers, postData: e.request.postData, at: Date.now() });
  });
  cdp.on('Network.responseReceived', (e) => {
    if (out.requests[e.requestId]) Object.assign(req(e.requestId), { status: e.response.status });
  });
  cdp.on('Network.responseReceivedExtraInfo', (e) => {
    if (out.requests[e.requestId]) Object.assign(req(e.requestId), { rawStatus: e.statusCode });
  });
  cdp.on('Network.loadingFailed', (e) => {
    if (out.requests[e.requestId]) Object.assign(req(e.requestId), { failed: e.errorText, cors: e.corsErrorStatus || null, blocked: e.blockedReason || null });
  });
  cdp.on('Network.loadingFinished', (e) => {
    if (out.requests[e.requestId]) Object.assign(req(e.requestId), { finished: true });
  });

  await page.goto(cfg.page, { waitUntil: 'load' });
  await page.waitForFunction(() => !!window.Monlight, null, { timeout: 10000 });
  out.monlight = await page.evaluate(() => ({ sdk: typeof window.MonlightSDK?.init, client: Object.keys(window.Monlight) }));
  await page.click('#pay'); // an interaction, for INP
  out.results = await page.evaluate((port) => window.App.run(port), cfg.closedPort);
  await page.waitForTimeout(1500); // the uncaught error and the rejection are reported
  const beacons = () => Object.values(out.requests).filter((r) => r.url?.includes('/api/browser/metrics?key='));
  // 1. The tab is hidden, as a switch to another tab does (headless Chromium keeps every tab visible, so the page's
  //    visibilityState is set and the event fired); the beacon leaves while the page lives, so its response is
  //    in the network log.
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  for (let i = 0; i < 100 && !beacons().some((r) => r.status || r.failed); i++) await page.waitForTimeout(100);
  // 2. Visible again, one more failing request, then the page is left for real: visibilitychange and pagehide from
  //    Chromium itself. That beacon is sent during unload, which this page's network log no longer sees; the test
  //    finds its metrics in the collector.
  await page.evaluate(async () => {
    delete document.visibilityState;
    delete document.hidden;
    document.dispatchEvent(new Event('visibilitychange'));
    await fetch('/api/fail?again=1');
  });
  await page.goto(cfg.done, { waitUntil: 'load' });
  await page.waitForTimeout(1000);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
