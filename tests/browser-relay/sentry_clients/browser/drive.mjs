// Loads the page in Debian's headless Chromium (playwright-core from clients/js), clicks, navigates away so the SDK
// flushes Web Vitals, and prints the relay requests Chromium saw as JSON. Usage: node drive.mjs '{"page","done","relay"}'
import { createRequire } from 'node:module';
const require = createRequire(process.env.PLAYWRIGHT_FROM + '/');
const { chromium } = require('playwright-core');

const cfg = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: process.env.MONLIGHT_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
    '--disable-dev-shm-usage'],
});
const out = { requests: [], console: [] };
try {
  const page = await browser.newPage();
  page.on('console', (m) => out.console.push(`${m.type()}: ${m.text()}`));
  page.on('response', (r) => {
    if (r.url().startsWith(cfg.relay)) out.requests.push({ url: r.url(), status: r.status(), headers: r.headers() });
  });
  await page.goto(cfg.page, { waitUntil: 'load' });
  await page.waitForTimeout(500);
  await page.click('#pay');
  await page.waitForTimeout(1500);
  await page.goto(cfg.done, { waitUntil: 'load' });
  await page.waitForTimeout(1500);
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
