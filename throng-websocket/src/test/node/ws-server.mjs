// An independent server: the `ws` library from npm, echoing, for throng's WebSocket client.
// Usage: node ws-server.mjs [deflate]   prints "port N", serves until stdin closes (or 120 s).
import { WebSocketServer } from 'ws';

const deflate = process.argv[2] === 'deflate';
const wss = new WebSocketServer({
  host: '127.0.0.1', port: 0, maxPayload: 64 << 20,
  perMessageDeflate: deflate ? { threshold: 0, serverNoContextTakeover: false, clientNoContextTakeover: false } : false,
  handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
});
wss.on('connection', (ws, req) => {
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    if (text === 'close-me') { ws.close(4001, 'as you asked'); return; }
    if (text === 'tell-me-the-protocol') { ws.send('protocol=' + ws.protocol + ' extensions=' + Object.keys(ws._extensions || {}).join(',')); return; }
    ws.send(data, { binary: isBinary });
  });
});
wss.on('listening', () => console.log('port ' + wss.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), 120_000).unref();
