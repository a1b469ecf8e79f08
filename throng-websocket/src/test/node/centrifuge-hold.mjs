// Holds N idle subscribers of one channel on a throng push node, for memory figures
// (docs/centrifugo.md): with Centrifugo's SDK on /connection/websocket, or raw on /sub/<channel>.
// Usage: node centrifuge-hold.mjs HOST:PORT N CHANNEL sdk KEY_FILE | node centrifuge-hold.mjs HOST:PORT N CHANNEL raw
// Prints "held N" once all are subscribed, then stays (the SDK answers the server's pings) until
// stdin closes. The token (HS256, sub "hold-<i>", an hour) is signed here with node:crypto.
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
let held = 0;
const done = () => { if (++held === n) console.log('held ' + n); };
const clients = [];
for (let i = 0; i < n; i++) {
  if (mode === 'raw') {
    const ws = new WebSocket(`ws://${hostPort}/sub/${channel}`, { perMessageDeflate: false });
    ws.on('open', done);
    ws.on('error', (e) => console.log('error ' + e.message));
    clients.push(ws);
  } else {
    const c = new Centrifuge(`ws://${hostPort}/connection/websocket`, { token: token('hold-' + i), websocket: WebSocket });
    c.on('disconnected', (ctx) => console.log('disconnected ' + ctx.code + ' ' + ctx.reason));
    const sub = c.newSubscription(channel);
    sub.on('subscribed', done);
    sub.subscribe();
    c.connect();
    clients.push(c);
  }
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50)); // a gentle ramp
}
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
