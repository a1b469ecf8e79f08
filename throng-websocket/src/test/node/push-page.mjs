// Drives Debian's Chromium (through playwright-core) on throng push's page: subscribe, receive a
// notification published by the Java test, publish one from the page's form, take a screenshot.
// Usage: node push-page.mjs http://127.0.0.1:PORT/ SCREENSHOT.png  (https://, with THRONG_SPKI set to the server key's pin)
// Protocol with the Java test: prints "subscribed", then waits for a line on stdin (the test has
// published), then prints a JSON result line.
import { done, launch, nextLine } from './chromium.mjs';

const [url, screenshot] = process.argv.slice(2);
const browser = await launch({
  viewport: { width: 1180, height: 720 },
  // over https: trust exactly the test server's key (base64 SHA-256 of its SubjectPublicKeyInfo)
  args: process.env.THRONG_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.THRONG_SPKI}`] : [],
});
try {
  const page = await browser.newPage();
  await page.goto(url + '?channel=news');
  await page.waitForSelector('#status.open', { timeout: 20_000 });
  console.log('subscribed');
  await nextLine();
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
