// throng push's Centrifugo page (GET /centrifugo): Centrifugo's official JavaScript SDK, loaded
// before this script, against this server's /connection/websocket. Everything the protocol does
// (connect, reconnect, recovery, presence) is the SDK's; this script only shows its events.
// The token is read from its field when Connect is pressed and handed to the SDK, nowhere else:
// not to the URL, not to storage, not to the log below.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const $ = (id) => document.getElementById(id);
  const endpoint = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/connection/websocket';
  $('endpoint').textContent = endpoint;
  $('origin').textContent = location.origin;
  const query = new URLSearchParams(location.search);
  if (query.get('channel')) $('channel').value = query.get('channel');
  const showCurl = () => {
    $('curl').textContent = "curl -d '{\"text\":\"hi\"}' " + location.origin + '/pub/' + $('channel').value.trim();
  };
  showCurl();
  $('channel').addEventListener('input', showCurl);
  if (typeof Centrifuge === 'undefined') {
    $('sdk-missing').style.display = 'block';
    return;
  }

  let client = null;
  let sub = null;
  let clientId = null;
  // the stream position as the page knows it: the subscribe reply's, then each publication's offset
  let stream = null;
  const showStream = () => {
    $('stream').textContent = stream ? (stream.epoch !== undefined ? 'offset ' + stream.offset + ', epoch ' + stream.epoch + '; ' : '')
        + stream.flags : '\u2013';
  };
  // the publications the SDK hands over right after a 'subscribed' that recovered (it emits them in the same turn)
  let recovering = null;

  const time = () => new Date().toTimeString().slice(0, 8); // 24-hour, whatever the locale
  const log = (text) => {
    const li = document.createElement('li');
    li.textContent = time() + ' ' + text;
    $('log').prepend(li);
  };
  const pill = (id, text, kind) => {
    $(id).textContent = text;
    $(id).className = 'pill ' + (kind || '');
  };
  const why = (ctx) => (ctx.code !== undefined ? ctx.code + ' ' + (ctx.reason || '') : '').trim();
  const failure = (e) => (e && e.code !== undefined ? e.code + ' ' + (e.message || '') : String(e)).trim();

  function addPublication(ctx, tag) {
    const li = document.createElement('li');
    li.dataset.offset = ctx.offset === undefined ? '' : String(ctx.offset);
    for (const [cls, text] of [['offset', ctx.offset === undefined ? '-' : '#' + ctx.offset], ['time', time()],
                               ['data', JSON.stringify(ctx.data)], ['tag', tag]]) {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = text;
      li.append(span);
    }
    $('publications').prepend(li);
    $('no-publications').style.display = 'none';
  }

  function stop() {
    // the old client goes quietly: its events would overwrite the new one's states
    if (sub) sub.removeAllListeners();
    if (client) {
      client.removeAllListeners();
      client.disconnect();
    }
    client = null;
    sub = null;
    clientId = null;
  }

  function start() {
    stop();
    const token = $('token').value.trim();
    const channel = $('channel').value.trim();
    const subToken = $('sub-token').value.trim();
    $('publications').replaceChildren();
    $('presence-list').replaceChildren();
    $('presence-result').textContent = '';
    stream = null;
    showStream();
    client = new Centrifuge(endpoint, token ? { token } : {});
    client.on('connecting', (ctx) => {
      pill('conn-state', 'connecting' + (ctx.code ? ' (' + why(ctx) + ')' : ''), 'warn');
      log('connecting: ' + why(ctx));
    });
    client.on('connected', (ctx) => {
      clientId = ctx.client;
      pill('conn-state', 'connected as client ' + ctx.client, 'ok');
      log('connected: client ' + ctx.client + ' over ' + ctx.transport);
    });
    client.on('disconnected', (ctx) => {
      pill('conn-state', 'disconnected (' + why(ctx) + ')', 'bad');
      log('disconnected: ' + why(ctx));
    });
    client.on('error', (ctx) => log('error (' + ctx.type + '): ' + failure(ctx.error)));

    const options = { recoverable: true, positioned: true };
    if (subToken) options.token = subToken;
    sub = client.newSubscription(channel, options);
    sub.on('subscribing', (ctx) => {
      pill('sub-state', 'subscribing to ' + channel + (ctx.code ? ' (' + why(ctx) + ')' : ''), 'warn');
      log('subscribing to ' + channel + ': ' + why(ctx));
    });
    sub.on('subscribed', (ctx) => {
      let text = 'subscribed to ' + channel;
      if (ctx.wasRecovering) text += ctx.recovered ? ', recovered' : ', NOT recovered (reload the state)';
      pill('sub-state', text, ctx.wasRecovering && !ctx.recovered ? 'warn' : 'ok');
      const flags = [ctx.recoverable ? 'recoverable' : 'not recoverable', ctx.positioned ? 'positioned' : 'not positioned'];
      // after a recovery this is where the client was: the recovered publications follow
      stream = { offset: ctx.streamPosition && ctx.streamPosition.offset, epoch: ctx.streamPosition && ctx.streamPosition.epoch,
        flags: flags.join(', ') };
      showStream();
      log(text + ' (' + flags.join(', ') + (ctx.streamPosition ? ', offset ' + ctx.streamPosition.offset : '') + ')');
      if (ctx.wasRecovering && ctx.recovered) {
        recovering = [];
        setTimeout(() => {
          const offsets = recovering.map((p) => p.offset);
          log('recovered ' + offsets.length + ' publication(s)' + (offsets.length ? ': offsets ' + offsets.join(', ') : ''));
          recovering = null;
        }, 0);
      }
    });
    sub.on('unsubscribed', (ctx) => {
      pill('sub-state', 'unsubscribed (' + why(ctx) + ')', 'bad');
      log('unsubscribed from ' + channel + ': ' + why(ctx));
    });
    sub.on('error', (ctx) => log('subscription error (' + ctx.type + '): ' + failure(ctx.error)));
    sub.on('publication', (ctx) => {
      if (recovering) recovering.push(ctx);
      if (stream && stream.epoch !== undefined && ctx.offset !== undefined) {
        stream.offset = ctx.offset;
        showStream();
      }
      addPublication(ctx, recovering ? 'recovered' : '');
    });
    sub.subscribe();
    client.connect();
  }

  $('connect').addEventListener('click', start);
  $('disconnect').addEventListener('click', () => {
    if (client) client.disconnect();
  });
  $('publish').addEventListener('click', async () => {
    if (!sub) {
      $('publish-result').textContent = 'Connect first';
      return;
    }
    const text = $('data').value;
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
    try {
      await sub.publish(data);
      $('publish-result').textContent = 'Published to ' + sub.channel + ' at ' + time();
    } catch (e) {
      $('publish-result').textContent = 'Refused: ' + failure(e);
    }
  });
  $('presence').addEventListener('click', async () => {
    if (!sub) return;
    try {
      const { clients } = await sub.presence();
      const entries = Object.values(clients);
      $('presence-result').textContent = entries.length + ' client(s) in ' + sub.channel;
      $('presence-list').replaceChildren(...entries.map((c) => {
        const li = document.createElement('li');
        li.dataset.client = c.client;
        li.textContent = (c.user || '(anonymous)') + ' \u2013 ' + c.client + (c.client === clientId ? ' (this page)' : '');
        return li;
      }));
    } catch (e) {
      $('presence-result').textContent = 'Presence refused: ' + failure(e);
      $('presence-list').replaceChildren();
    }
  });
  $('presence-stats').addEventListener('click', async () => {
    if (!sub) return;
    try {
      const s = await sub.presenceStats();
      $('presence-result').textContent = s.numClients + ' client(s), ' + s.numUsers + ' user(s) in ' + sub.channel;
    } catch (e) {
      $('presence-result').textContent = 'Presence stats refused: ' + failure(e);
    }
  });
});
