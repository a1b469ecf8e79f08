// Debian's Chromium (playwright-core) on throng push's Centrifugo page (GET /centrifugo), driven
// through the page's own fields and buttons by the Java test (CentrifugoPageTest): the page runs
// the SDK, this script only types, clicks and reads what the page shows.
// Usage: node centrifugo-page.mjs http://127.0.0.1:PORT
//   CDN_URL=url CDN_FILE=path: the browser's requests for the CDN URL the page names are answered
//   with this file, as jsDelivr would (with CORS), so that the page's integrity hash is checked by
//   Chromium itself without leaving the machine.
// Prints "ready sdk=loaded|missing" once the page is up, then answers each command on stdin with one line:
//   fill <id> <text>            -> filled <id>          (the text may hold spaces; tokens come this way, never as arguments)
//   click <id>                  -> clicked <id>
//   wait <id> <text>            -> text <id> <content>  once #id's text holds <text> (20 s), else "timeout <id> <content>"
//   publications <n>            -> publications <JSON>  once there are n or more: [{offset, data, tag}], oldest first
//   presence                    -> presence <JSON>      the presence list's lines
//   log                         -> log <JSON>           the page's event log, oldest first
//   requests                    -> requests <JSON>      every URL the browser asked for, WebSocket ones included
//   url                         -> url <the page's URL>
//   screenshot <path>           -> screenshot <path>
//   quit                        -> the last line: {"ok":true,"consoleErrors":[...]}
// Console errors (a Content-Security-Policy violation is one) are printed as "console-error <text>" when they happen.
import { createInterface } from 'node:readline';
import { done, launch } from './chromium.mjs';

const [base] = process.argv.slice(2);
const browser = await launch({ viewport: { width: 1240, height: 860 } });
const requests = [];
const consoleErrors = [];
try {
  const page = await browser.newPage();
  page.on('request', (r) => requests.push(r.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') {
      consoleErrors.push(m.text());
      console.log('console-error ' + m.text());
    }
  });
  if (process.env.CDN_URL && process.env.CDN_FILE) {
    await page.route(process.env.CDN_URL, (route) => route.fulfill({ path: process.env.CDN_FILE, contentType: 'text/javascript',
      headers: { 'Access-Control-Allow-Origin': '*' } }));
  }
  await page.goto(base + '/centrifugo', { waitUntil: 'load' });
  const missing = await page.isVisible('#sdk-missing');
  console.log('ready sdk=' + (missing ? 'missing' : 'loaded'));

  const text = (id) => page.textContent('#' + id);
  const commands = createInterface({ input: process.stdin });
  for await (const line of commands) {
    const [command, id] = line.split(' ', 2);
    const rest = (n) => line.split(' ').slice(n).join(' ');
    if (command === 'fill') {
      await page.fill('#' + id, rest(2));
      console.log('filled ' + id);
    } else if (command === 'click') {
      await page.click('#' + id);
      console.log('clicked ' + id);
    } else if (command === 'wait') {
      const wanted = rest(2);
      try {
        await page.waitForFunction(([i, w]) => document.getElementById(i).textContent.includes(w), [id, wanted], { timeout: 20_000 });
        console.log('text ' + id + ' ' + (await text(id)));
      } catch {
        console.log('timeout ' + id + ' ' + (await text(id)));
      }
    } else if (command === 'publications') {
      const n = Number(id);
      await page.waitForFunction((k) => document.querySelectorAll('#publications li').length >= k, n, { timeout: 20_000 })
        .catch(() => {});
      const items = await page.$$eval('#publications li', (lis) => lis.map((li) => ({
        offset: li.dataset.offset === '' ? null : Number(li.dataset.offset),
        data: li.querySelector('.data').textContent,
        tag: li.querySelector('.tag').textContent,
      })).reverse());
      console.log('publications ' + JSON.stringify(items));
    } else if (command === 'presence') {
      console.log('presence ' + JSON.stringify(await page.$$eval('#presence-list li', (lis) => lis.map((li) => li.textContent))));
    } else if (command === 'log') {
      // each line without its time of day
      const lines = await page.$$eval('#log li', (lis) => lis.map((li) => li.textContent.replace(/^\S+ /, '')).reverse());
      console.log('log ' + JSON.stringify(lines));
    } else if (command === 'requests') {
      console.log('requests ' + JSON.stringify(requests));
    } else if (command === 'url') {
      console.log('url ' + page.url());
    } else if (command === 'screenshot') {
      await page.screenshot({ path: id, fullPage: true });
      console.log('screenshot ' + id);
    } else if (command === 'quit') {
      break;
    } else {
      console.log('unknown ' + line);
    }
  }
  await browser.close();
  done({ ok: true, consoleErrors }, 0);
} catch (e) {
  await browser.close().catch(() => {});
  done({ ok: false, why: String(e), consoleErrors }, 1);
}
