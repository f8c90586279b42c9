// A small stand-in for the Java gateway, speaking wire protocol v1 (DESIGN.md §2),
// on a free port of the loopback interface.
import { EventEmitter, once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';

export { WebSocket };

export class Gateway extends EventEmitter {
  /** When true, upgrades are refused with HTTP 401, as an invalid token is. */
  reject = false;
  /** When false, requests get no reply (a hung handler, or a dead link for pings). */
  replies = true;
  handshakes = 0;
  connections = [];

  static async start() {
    const gateway = new Gateway();
    gateway.server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: (info, done) => {
        gateway.handshakes++;
        gateway.emit('handshake', info.req.url);
        if (gateway.reject) done(false, 401, 'Unauthorized');
        else done(true);
      },
    });
    gateway.server.on('connection', (ws, req) => gateway.#accept(ws, req));
    await once(gateway.server, 'listening');
    gateway.url = `ws://127.0.0.1:${gateway.server.address().port}/ws`;
    return gateway;
  }

  /** Resolves with the next accepted connection. */
  async nextConnection() {
    const [connection] = await once(this, 'connection');
    return connection;
  }

  /** The connections still open. */
  get open() {
    return this.connections.filter((c) => c.ws.readyState === WebSocket.OPEN);
  }

  broadcast(channel, message) {
    for (const connection of this.open) connection.push(channel, message);
  }

  async stop() {
    for (const connection of this.connections) connection.ws.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }

  #accept(ws, req) {
    const connection = new Connection(this, ws, new URL(req.url, 'http://gateway'));
    this.connections.push(connection);
    connection.push('state', { num_online: this.open.length, num_clients: this.open.length });
    this.emit('connection', connection);
  }
}

class Connection extends EventEmitter {
  frames = [];
  rooms = new Set();

  constructor(gateway, ws, url) {
    super();
    this.gateway = gateway;
    this.ws = ws;
    this.url = url;
    this.closed = once(ws, 'close');
    ws.on('message', (data) => this.#receive(String(data)));
  }

  /** Resolves with the next frame from the client. */
  async nextFrame() {
    const [frame] = await once(this, 'frame');
    return frame;
  }

  /** Resolves with the client's frames once there are at least n. */
  async frameCount(n) {
    while (this.frames.length < n) await once(this, 'frame');
    return this.frames;
  }

  push(channel, message, id) {
    this.ws.send(JSON.stringify(id === undefined ? { channel, message } : { channel, message, id }));
  }

  close(code, reason) {
    this.ws.close(code, reason);
    return this.closed;
  }

  #receive(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      this.frames.push(text);
      this.push('error', { code: 'bad_json', reason: 'frame is not JSON' });
      return this.emit('frame', text);
    }
    this.frames.push(frame);
    const { handler, id } = frame;
    const reply = (message) => id !== undefined && this.push('reply', message, id);
    const fail = (code, reason) => this.push('error', { code, reason }, id);
    if (this.gateway.replies) {
      switch (handler) {
        case 'ping':
          reply('pong');
          break;
        case 'subscribe':
          if (frame.channel.startsWith('private-')) fail('forbidden', `not allowed in ${frame.channel}`);
          else reply(this.rooms.add(frame.channel) && true);
          break;
        case 'unsubscribe':
          reply(this.rooms.delete(frame.channel));
          break;
        case 'publish':
          for (const c of this.gateway.open) if (c.rooms.has(frame.channel)) c.push(frame.channel, frame.message);
          reply(true);
          break;
        case 'controller':
          if (frame.module === 'fail') fail('bad_request', 'chat says no');
          else if (frame.module !== 'hang') reply({ module: frame.module, action: frame.action, data: frame.data });
          break;
        default:
          fail('unknown_handler', `no handler ${handler}`);
      }
    }
    this.emit('frame', frame);
  }
}
