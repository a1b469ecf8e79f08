// Centrifugo's official JavaScript SDK (the `centrifuge` npm package) in Node, over the `ws` library,
// against throng push's /connection/websocket. Nothing here frames the protocol: the SDK does.
// Usage: node centrifuge-client.mjs URL TOKEN [CHANNEL] [MAX_SERVER_PING_DELAY_MS] [NEXT_TOKEN]
//   TOKEN "-" for none; CHANNEL "-" for no subscription; NEXT_TOKEN: what getToken gives when the
//   SDK asks for a new token (after error 109), "null" for null (the SDK gives up); without it no getToken.
// Prints one line per event:
//   connected <client id> | disconnected <code> <reason> | connecting <code> <reason>
//   subscribed <channel> | unsubscribed <channel> <code> | pub <channel> <data as JSON>
//   published <channel> | publish-error <code> <message> | error <type> <message>
// Reads commands on stdin: "publish <channel> <JSON data>", "quit".
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import readline from 'node:readline';

const [url, tokenArg, channelArg, pingDelayArg, nextTokenArg] = process.argv.slice(2);
setTimeout(() => { console.log('timeout 120 s'); process.exit(2); }, 120_000).unref();
const say = (...words) => console.log(words.join(' '));
const options = { websocket: WebSocket, minReconnectDelay: 200, maxReconnectDelay: 500 };
if (tokenArg && tokenArg !== '-') options.token = tokenArg;
if (pingDelayArg && pingDelayArg !== '-') options.maxServerPingDelay = Number(pingDelayArg);
if (nextTokenArg) options.getToken = async () => { say('get-token'); return nextTokenArg === 'null' ? null : nextTokenArg; };
const client = new Centrifuge(url, options);
client.on('connecting', (ctx) => say('connecting', ctx.code, ctx.reason));
client.on('connected', (ctx) => say('connected', ctx.client));
client.on('disconnected', (ctx) => say('disconnected', ctx.code, ctx.reason));
client.on('error', (ctx) => say('error', ctx.type, ctx.error && ctx.error.code, ctx.error && ctx.error.message));
client.on('subscribed', (ctx) => say('subscribed', ctx.channel, '(server-side)'));
client.on('publication', (ctx) => say('pub', ctx.channel, JSON.stringify(ctx.data), '(server-side)'));
if (channelArg && channelArg !== '-') {
  const sub = client.newSubscription(channelArg);
  sub.on('subscribed', (ctx) => say('subscribed', ctx.channel));
  sub.on('unsubscribed', (ctx) => say('unsubscribed', ctx.channel, ctx.code));
  sub.on('error', (ctx) => say('sub-error', ctx.channel, ctx.error && ctx.error.code));
  sub.on('publication', (ctx) => say('pub', ctx.channel, JSON.stringify(ctx.data)));
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
  } else if (cmd === 'quit') {
    client.disconnect();
    process.exit(0);
  }
});
rl.on('close', () => { client.disconnect(); process.exit(0); });
