// Drives Debian's Chromium (through playwright-core) on throng push's page: subscribe, receive a
// notification published by the Java test, publish one from the page's form, take a screenshot.
// Usage: node push-page.mjs http://127.0.0.1:PORT/ SCREENSHOT.png  (https://, with THRONG_SPKI set to the server key's pin)
// Protocol with the Java test: prints "subscribed", then waits for a line on stdin (the test has
// published), then prints a JSON result line.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [url, screenshot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'throng-chromium-'));
const done = (result, code) => { console.log(JSON.stringify(result)); rmSync(profile, { recursive: true, force: true }); process.exit(code); };
setTimeout(() => done({ ok: false, why: 'timed out after 90 s' }, 1), 90_000).unref();

const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1180, height: 720 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync',
         // over https: trust exactly the test server's key (base64 SHA-256 of its SubjectPublicKeyInfo)
         ...(process.env.THRONG_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.THRONG_SPKI}`] : [])],
});
try {
  const page = await browser.newPage();
  await page.goto(url + '?channel=news');
  await page.waitForSelector('#status.open', { timeout: 20_000 });
  console.log('subscribed');
  const stdin = createInterface({ input: process.stdin });
  await new Promise((resolve) => stdin.once('line', resolve));
  await page.waitForSelector('#notifications li:has-text("Hello from the Java test")', { timeout: 20_000 });
  await page.fill('#message', 'And hello from Chromium, through the form');
  await page.click('#publish');
  await page.waitForSelector('#notifications li:has-text("And hello from Chromium")', { timeout: 20_000 });
  await page.waitForSelector('#result:has-text("Delivered to 1 of 1")', { timeout: 20_000 });
  await page.waitForFunction(() => document.getElementById('stats').textContent.includes('2 delivered'), null, { timeout: 10_000 });
  const items = await page.$$eval('#notifications li .m', (els) => els.map((e) => e.textContent));
  const status = await page.textContent('#status');
  await page.screenshot({ path: screenshot });
  await browser.close();
  done({ ok: true, status, items }, 0);
} catch (e) {
  await browser.close().catch(() => {});
  done({ ok: false, why: String(e) }, 1);
}
