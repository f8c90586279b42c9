'use strict';
// Reference broadcast hub on Node's `ws`: every text frame a client sends goes to every open client, as
// the Netty reference hubs do; with --mode=echo, it goes back to its sender only (request/reply reference).
// Options: --port=N (0: a free port), --host=ADDR, --max-seconds=S (stops by itself). Prints "Node ws hub started: public=HOST:PORT pid=PID" once listening.
const { WebSocketServer, WebSocket } = require('ws');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  return m ? [m[1], m[2]] : [a.replace(/^--/, ''), 'true'];
}));
const host = args.host || '127.0.0.1';
const port = Number(args.port || 0);
const maxSeconds = Number(args['max-seconds'] || 3600);
const echo = args.mode === 'echo';

const wss = new WebSocketServer({ host, port, perMessageDeflate: false, clientTracking: true, backlog: 4096 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (echo) {
      ws.send(data, { binary: isBinary });
      return;
    }
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    }
  });
  ws.on('error', () => {});
});
wss.on('listening', () => {
  const a = wss.address();
  console.log(`Node ws hub started: public=${a.address}:${a.port} pid=${process.pid}`);
});
const stop = () => { wss.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, maxSeconds * 1000).unref();
