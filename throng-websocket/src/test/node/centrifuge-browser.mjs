// Centrifugo's browser SDK (the `centrifuge` npm package's own bundle, dist/centrifuge.js) in
// Debian's Chromium, driven by playwright-core, against throng push's /connection/websocket: the
// browser's WebSocket, its Origin header, the SDK's browser build. The page is one of the server's
// (/stats), so the origin is the server's.
// Usage: node centrifuge-browser.mjs http://127.0.0.1:PORT TOKEN CHANNEL SCREENSHOT.png
//   (SUBSCRIBE_TIMEOUT_MS: how long to wait for the subscription, default 20 s)
// Prints "subscribed", waits for a line on stdin (the test has published), publishes from the
// browser, then prints a JSON line with every event the page saw.
import { fileURLToPath } from 'node:url';
import { done, launch, nextLine } from './chromium.mjs';

const [base, token, channel, screenshot] = process.argv.slice(2);
const sdk = fileURLToPath(new URL('node_modules/centrifuge/dist/centrifuge.js', import.meta.url));
const browser = await launch({ viewport: { width: 900, height: 400 } });
const events = (page) => page.evaluate(() => window.events);
try {
  const page = await browser.newPage();
  await page.goto(base + '/stats');
  await page.addScriptTag({ path: sdk });
  await page.evaluate(({ token, channel }) => {
    window.events = [];
    const client = new Centrifuge('ws://' + location.host + '/connection/websocket', { token });
    client.on('connected', (ctx) => window.events.push('connected ' + ctx.transport));
    client.on('disconnected', (ctx) => window.events.push('disconnected ' + ctx.code + ' ' + ctx.reason));
    const sub = client.newSubscription(channel);
    sub.on('subscribed', () => window.events.push('subscribed ' + channel));
    sub.on('publication', (ctx) => {
      window.events.push('pub ' + JSON.stringify(ctx.data));
      document.body.textContent = window.events.join('\n');
    });
    sub.subscribe();
    client.connect();
    window.client = client;
  }, { token, channel });
  const subscribeTimeout = Number(process.env.SUBSCRIBE_TIMEOUT_MS || 20_000);
  await page.waitForFunction((c) => window.events.includes('subscribed ' + c), channel, { timeout: subscribeTimeout });
  console.log('subscribed');
  await nextLine();
  await page.waitForFunction(() => window.events.some((e) => e.startsWith('pub ')), null, { timeout: 20_000 });
  await page.evaluate((c) => window.client.publish(c, { from: 'chromium' }), channel);
  await page.waitForFunction(() => window.events.some((e) => e.includes('chromium')), null, { timeout: 20_000 });
  await page.screenshot({ path: screenshot });
  const seen = await events(page);
  await browser.close();
  done({ ok: true, events: seen }, 0);
} catch (e) {
  const seen = await browser.pages()[0]?.evaluate(() => window.events).catch(() => null);
  await browser.close().catch(() => {});
  done({ ok: false, why: String(e), events: seen }, 1);
}
