// An independent client: the `ws` library from npm against a throng WebSocket echo server.
// Usage: node ws-client.mjs ws://127.0.0.1:PORT/ [deflate]
// Prints one JSON line with what it checked; exits non-zero on the first mismatch.
import WebSocket from 'ws';
import { createHash, randomBytes } from 'node:crypto';

const url = process.argv[2];
const deflate = process.argv[3] === 'deflate';
const fail = (why) => { console.log(JSON.stringify({ ok: false, why })); process.exit(1); };
setTimeout(() => fail('timed out after 60 s'), 60_000).unref();

const ws = new WebSocket(url, { perMessageDeflate: deflate ? { threshold: 0 } : false, maxPayload: 64 << 20 });
const inbox = [];
let waiter = null;
ws.on('message', (data, isBinary) => { inbox.push({ data, isBinary }); if (waiter) { const w = waiter; waiter = null; w(); } });
const next = () => new Promise((resolve) => {
  if (inbox.length) return resolve(inbox.shift());
  waiter = () => resolve(inbox.shift());
});
const sha = (b) => createHash('sha1').update(b).digest('hex');

ws.on('open', async () => {
  const checks = [];
  try {
    const texts = ['hello', '', 'κόσμε — ünïcödé ✓', 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(65536)];
    for (const t of texts) {
      ws.send(t);
      const m = await next();
      if (m.isBinary || m.data.toString('utf8') !== t) fail(`text echo of ${t.length} chars differs`);
    }
    checks.push(`${texts.length} text echoes`);
    for (const n of [0, 1, 125, 126, 65535, 65536, 1 << 20, 5 << 20]) {
      const b = randomBytes(n);
      ws.send(b);
      const m = await next();
      if (!m.isBinary || sha(m.data) !== sha(b)) fail(`binary echo of ${n} B differs`);
    }
    checks.push('8 binary echoes up to 5 MiB');
    // a fragmented message: three frames, FIN on the last
    ws.send('frag-1 ', { fin: false });
    ws.send('frag-2 ', { fin: false });
    ws.send('frag-3', { fin: true });
    const f = await next();
    if (f.data.toString() !== 'frag-1 frag-2 frag-3') fail('fragmented echo differs: ' + f.data.toString());
    checks.push('fragmented message');
    const pong = new Promise((resolve) => ws.once('pong', resolve));
    ws.ping(Buffer.from('are you there'));
    const p = await pong;
    if (p.toString() !== 'are you there') fail('pong payload differs');
    checks.push('ping/pong');
    const extensions = ws.extensions;
    if (deflate && !String(extensions).includes('permessage-deflate')) fail('permessage-deflate was not negotiated: ' + extensions);
    checks.push('extensions: ' + (extensions || 'none'));
    ws.on('close', (code, reason) => {
      if (code !== 1000) fail('closed with ' + code);
      console.log(JSON.stringify({ ok: true, checks, closeCode: code }));
      process.exit(0);
    });
    ws.close(1000, 'done');
  } catch (e) {
    fail(String(e));
  }
});
ws.on('error', (e) => fail('error: ' + e.message));
