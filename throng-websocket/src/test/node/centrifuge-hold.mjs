// Holds N idle subscribers of one channel on a throng push node, for memory figures
// (docs/centrifugo.md): with Centrifugo's SDK on /connection/websocket, or raw on /sub/<channel>.
// Usage: node centrifuge-hold.mjs HOST:PORT N CHANNEL sdk KEY_FILE | node centrifuge-hold.mjs HOST:PORT N CHANNEL raw
// Prints "held N" once all are subscribed, then stays (the SDK answers the server's pings) until
// stdin closes. The token (HS256, sub "hold-<i>", an hour) is signed here with node:crypto.
// SDK mode, for the recovery run (scripts/centrifugo-recovery.sh), by environment:
//   CHANNELS=C BASE=B: subscriber i takes channel CHANNEL-((B+i) % C) instead of CHANNEL;
//   RECOVERABLE=1: the SDK's recoverable option; SRC=127.0.0.K: the local address its connections
//   come from (one source address has ~28,000 ephemeral ports towards one server port). Each subscriber counts the publications it gets;
//   after a lost connection the SDK subscribes again by itself (its own back-off and recovery),
//   and once all N have: "resubscribed N recovered R failed F at <ms since the epoch>" (failed: told
//   "not recovered"). A line "count" on stdin prints "pubs total T min M max X" (per subscriber).
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [hostPort, nArg, channel, mode, keyFile] = process.argv.slice(2);
const n = Number(nArg);
if (!(n > 0 && n <= 5000)) { console.log('N must be 1..5000'); process.exit(2); }
const b64 = (s) => Buffer.from(s).toString('base64url');
const token = (sub) => {
  const key = readFileSync(keyFile).toString().replace(/\r?\n$/, '');
  const body = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' })) + '.'
    + b64(JSON.stringify({ sub, exp: Math.floor(Date.now() / 1000) + 3600 }));
  return body + '.' + createHmac('sha256', key).update(body).digest('base64url');
};
// "held N" once every subscriber has subscribed or been closed for good (then "held S lost L")
let held = 0, lostFirst = 0;
const settled = () => {
  if (held + lostFirst === n) console.log(lostFirst === 0 ? 'held ' + n : `held ${held} lost ${lostFirst}`);
};
const done = () => { held++; settled(); };
const clients = [];
const channels = Number(process.env.CHANNELS || 0);
const base = Number(process.env.BASE || 0);
const pubs = new Array(n).fill(0);
const states = new Array(n).fill('new'); // new -> subscribed -> (after a lost connection) again; or lost
let again = 0, recovered = 0, failed = 0, lostAgain = 0;
const resettled = () => {
  if (again + lostAgain + lostFirst === n) console.log(`resubscribed ${again} recovered ${recovered} failed ${failed} lost ${lostAgain} at ${Date.now()}`);
};
// the SDK takes a WebSocket class: this one binds the local address SRC, when given
const Socket = process.env.SRC
  ? class extends WebSocket { constructor(url, protocols) { super(url, protocols, { localAddress: process.env.SRC }); } }
  : WebSocket;
for (let i = 0; i < n; i++) {
  if (mode === 'raw') {
    const ws = new WebSocket(`ws://${hostPort}/sub/${channel}`, { perMessageDeflate: false });
    ws.on('open', done);
    ws.on('error', (e) => console.log('error ' + e.message));
    clients.push(ws);
  } else {
    const c = new Centrifuge(`ws://${hostPort}/connection/websocket`, { token: token('hold-' + i), websocket: Socket });
    c.on('disconnected', (ctx) => {
      console.log('disconnected ' + ctx.code + ' ' + ctx.reason); // for good: the SDK does not reconnect
      if (states[i] === 'new') { states[i] = 'lost'; lostFirst++; settled(); }
      else if (states[i] === 'subscribed') { states[i] = 'lost'; lostAgain++; resettled(); }
    });
    const name = channels > 0 ? `${channel}-${(base + i) % channels}` : channel;
    const sub = c.newSubscription(name, process.env.RECOVERABLE === '1' ? { recoverable: true } : {});
    sub.on('subscribed', (ctx) => {
      if (states[i] === 'new') { states[i] = 'subscribed'; done(); return; }
      if (states[i] !== 'subscribed') return;
      states[i] = 'again';
      if (ctx.wasRecovering && ctx.recovered) recovered++;
      else if (ctx.wasRecovering) failed++;
      again++;
      resettled();
    });
    sub.on('publication', () => { pubs[i]++; });
    sub.subscribe();
    c.connect();
    clients.push(c);
  }
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50)); // a gentle ramp
}
process.stdin.on('data', (d) => {
  if (String(d).includes('count')) {
    const back = pubs.filter((_, k) => states[k] === 'again'); // those that came back (all, unless some were lost)
    console.log(`pubs total ${back.reduce((a, b) => a + b, 0)} min ${Math.min(...back)} max ${Math.max(...back)}`);
  }
});
process.stdin.on('end', () => process.exit(0));
