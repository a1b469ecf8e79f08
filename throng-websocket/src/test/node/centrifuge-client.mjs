// Centrifugo's official JavaScript SDK (the `centrifuge` npm package) in Node, over the `ws` library,
// against throng push's /connection/websocket. Nothing here frames the protocol: the SDK does.
// Usage: node centrifuge-client.mjs URL TOKEN [CHANNEL] [MAX_SERVER_PING_DELAY_MS] [NEXT_TOKEN]
//   TOKEN "-" for none; CHANNEL "-" for no subscription; NEXT_TOKEN: what getToken gives when the
//   SDK asks for a new token (after error 109), "null" for null (the SDK gives up); without it no getToken.
// Prints one line per event:
//   connected <client id> | disconnected <code> <reason> | connecting <code> <reason>
//   subscribed <channel> | unsubscribed <channel> <code> | pub <channel> <data as JSON>
//   published <channel> | publish-error <code> <message> | error <type> <message>
//   recovered <channel> <n> (after a subscribe that recovered: the n publications it brought, printed
//   as pub lines just before) | dropped
//   pub-info <channel> <ClientInfo as the SDK gives it, JSON> (after a pub line, when the publication
//   carries its publisher's info) | join-info / leave-info <channel> <the same> (after join / leave)
// Reads commands on stdin: "publish <channel> <JSON data>", "history <channel> <limit>", "presence <channel>",
// "presence-info <channel>" (prints "presence-info <channel> <JSON list of the clients as the SDK gives
// them: {user, client, connInfo?, chanInfo?}, sorted by user then client>"),
// "presence-stats <channel>", "unsubscribe", "drop" (cuts the
// TCP connection under the SDK, which then reconnects and recovers on its own), "quit".
// Environment: RECOVERABLE=1 makes the subscription recoverable (the SDK's own option);
// JOIN_LEAVE=1 asks for join/leave pushes (prints "join|leave <channel> <user>");
// MIN_RECONNECT_MS / MAX_RECONNECT_MS set the SDK's reconnect delays (default 200 / 500);
// SUB_TOKEN: the subscription's token; SUB_NEXT_TOKENS: what the subscription's getToken gives, in
// turn, comma-separated (the last one again when they run out), each call printed as "get-sub-token".
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import readline from 'node:readline';

const [url, tokenArg, channelArg, pingDelayArg, nextTokenArg] = process.argv.slice(2);
setTimeout(() => { console.log('timeout 120 s'); process.exit(2); }, 120_000).unref();
const say = (...words) => console.log(words.join(' '));
// The SDK's transport, remembered so that "drop" can cut it as a network failure would.
const sockets = [];
class TrackedWebSocket extends WebSocket {
  constructor(...args) { super(...args); sockets.push(this); }
}
const options = {
  websocket: TrackedWebSocket,
  minReconnectDelay: Number(process.env.MIN_RECONNECT_MS || 200),
  maxReconnectDelay: Number(process.env.MAX_RECONNECT_MS || 500),
};
if (tokenArg && tokenArg !== '-') options.token = tokenArg;
if (pingDelayArg && pingDelayArg !== '-') options.maxServerPingDelay = Number(pingDelayArg);
if (nextTokenArg) options.getToken = async () => { say('get-token'); return nextTokenArg === 'null' ? null : nextTokenArg; };
const client = new Centrifuge(url, options);
// A ClientInfo as the SDK hands it to the application (user, client, connInfo, chanInfo), in a fixed key order.
const info = (i) => JSON.stringify({ user: i.user, client: i.client, connInfo: i.connInfo, chanInfo: i.chanInfo });
client.on('connecting', (ctx) => say('connecting', ctx.code, ctx.reason));
client.on('connected', (ctx) => say('connected', ctx.client));
client.on('disconnected', (ctx) => say('disconnected', ctx.code, ctx.reason));
client.on('error', (ctx) => say('error', ctx.type, ctx.error && ctx.error.code, ctx.error && ctx.error.message));
client.on('subscribed', (ctx) => say('subscribed', ctx.channel, '(server-side)'));
client.on('publication', (ctx) => say('pub', ctx.channel, JSON.stringify(ctx.data), '(server-side)'));
let sub = null;
if (channelArg && channelArg !== '-') {
  const subOptions = process.env.RECOVERABLE === '1' ? { recoverable: true } : {};
  if (process.env.JOIN_LEAVE === '1') subOptions.joinLeave = true;
  if (process.env.SUB_TOKEN) subOptions.token = process.env.SUB_TOKEN;
  if (process.env.SUB_NEXT_TOKENS) {
    const next = process.env.SUB_NEXT_TOKENS.split(',');
    let k = 0;
    subOptions.getToken = async () => { say('get-sub-token'); return next[Math.min(k++, next.length - 1)]; };
  }
  sub = client.newSubscription(channelArg, subOptions);
  let counting = null;
  sub.on('subscribed', (ctx) => {
    say('subscribed', ctx.channel, ctx.wasRecovering ? `was-recovering recovered=${ctx.recovered}` : '',
      ctx.streamPosition ? `offset=${ctx.streamPosition.offset} epoch=${ctx.streamPosition.epoch}` : '');
    if (ctx.wasRecovering) {
      // the SDK emits the recovered publications right after this event, in the same turn
      counting = 0;
      setTimeout(() => { say('recovered', ctx.channel, counting); counting = null; }, 0);
    }
  });
  sub.on('unsubscribed', (ctx) => say('unsubscribed', ctx.channel, ctx.code));
  sub.on('join', (ctx) => { say('join', ctx.channel, ctx.info.user); say('join-info', ctx.channel, info(ctx.info)); });
  sub.on('leave', (ctx) => { say('leave', ctx.channel, ctx.info.user); say('leave-info', ctx.channel, info(ctx.info)); });
  sub.on('error', (ctx) => say('sub-error', ctx.channel, ctx.error && ctx.error.code));
  sub.on('publication', (ctx) => {
    if (counting !== null) counting++;
    say('pub', ctx.channel, JSON.stringify(ctx.data));
    if (ctx.info) say('pub-info', ctx.channel, info(ctx.info));
  });
  sub.subscribe();
}
client.connect();

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const [cmd, channel, ...rest] = line.split(' ');
  if (cmd === 'publish') {
    try {
      await client.publish(channel, JSON.parse(rest.join(' ')));
      say('published', channel);
    } catch (e) {
      say('publish-error', e.code, e.message);
    }
  } else if (cmd === 'history') {
    try {
      const h = await sub.history({ limit: Number(rest[0]) });
      say('history', channel, JSON.stringify(h.publications.map((p) => [p.offset, p.data])), `offset=${h.offset} epoch=${h.epoch}`);
    } catch (e) {
      say('history-error', e.code, e.message);
    }
  } else if (cmd === 'presence') {
    try {
      const p = await sub.presence();
      say('presence', channel, Object.values(p.clients).map((c) => c.user).sort().join(','));
    } catch (e) {
      say('presence-error', e.code, e.message);
    }
  } else if (cmd === 'presence-info') {
    try {
      const p = await sub.presence();
      const clients = Object.values(p.clients).map((c) => JSON.parse(info(c)));
      clients.sort((a, b) => (a.user + ' ' + a.client).localeCompare(b.user + ' ' + b.client));
      say('presence-info', channel, JSON.stringify(clients));
    } catch (e) {
      say('presence-error', e.code, e.message);
    }
  } else if (cmd === 'presence-stats') {
    try {
      const p = await sub.presenceStats();
      say('presence-stats', channel, p.numClients, p.numUsers);
    } catch (e) {
      say('presence-error', e.code, e.message);
    }
  } else if (cmd === 'unsubscribe') {
    sub.unsubscribe();
  } else if (cmd === 'drop') {
    for (const s of sockets) s.terminate(); // no close frame: the TCP connection just ends
    say('dropped');
  } else if (cmd === 'quit') {
    client.disconnect();
    process.exit(0);
  }
});
rl.on('close', () => { client.disconnect(); process.exit(0); });
