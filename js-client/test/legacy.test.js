// The Trongate `Socket` surface that existing pages use, unchanged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Socket } from '../src/switchboard.js';
import { WebSocket } from './gateway.js';
import { client, next, startGateway, until } from './helpers.js';

afterEach(() => {
  delete globalThis.WebSocket;
  delete globalThis.document;
  delete globalThis.localStorage;
  delete globalThis.location;
});

describe('legacy Socket surface', () => {
  it('uses the global WebSocket and keeps the query, adding a fingerprint', async () => {
    const gateway = await startGateway();
    globalThis.WebSocket = WebSocket;
    const socket = new Socket(`${gateway.url}?trongateToken=t0k&user_id=7`);
    const connection = await gateway.nextConnection();
    expect(connection.url.searchParams.get('trongateToken')).toBe('t0k');
    expect(connection.url.searchParams.get('user_id')).toBe('7');
    expect(connection.url.searchParams.get('fingerprint')).toMatch(/^[0-9a-f]{32}$/);
    await until(() => socket.connected);
    expect(socket.instance.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('takes the fingerprint from localStorage, creating it once', async () => {
    const gateway = await startGateway();
    const store = new Map();
    globalThis.localStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
    client(gateway.url);
    const first = (await gateway.nextConnection()).url.searchParams.get('fingerprint');
    expect(store.get('switchboard.device')).toBe(first);
    client(gateway.url);
    expect((await gateway.nextConnection()).url.searchParams.get('fingerprint')).toBe(first);
  });

  it('keeps one in-memory fingerprint where storage throws, and keeps a fingerprint given in the URL', async () => {
    const gateway = await startGateway();
    globalThis.localStorage = {
      getItem() {
        throw new Error('SecurityError');
      },
    };
    client(gateway.url);
    const a = (await gateway.nextConnection()).url.searchParams.get('fingerprint');
    client(gateway.url);
    const b = (await gateway.nextConnection()).url.searchParams.get('fingerprint');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toBe(a);
    client(`${gateway.url}?fingerprint=mine`);
    expect((await gateway.nextConnection()).url.searchParams.get('fingerprint')).toBe('mine');
  });

  it('resolves a page-relative URL against location, http becoming ws', async () => {
    const gateway = await startGateway();
    globalThis.location = { href: gateway.url.replace('ws:', 'http:').replace('/ws', '/page') };
    const socket = client('/ws?user_id=1');
    expect(socket.url).toMatch(new RegExp(`^${gateway.url}\\?user_id=1&fingerprint=`));
    await next(socket, 'open');
  });

  it('fails clearly when there is no WebSocket at all', () => {
    expect(() => new Socket('ws://127.0.0.1:1/ws')).toThrow(/options.WebSocket/);
  });

  it('onStateChange(key) fires only when that key changes; onStateChange(cb) gets every state_change', async () => {
    const gateway = await startGateway();
    const socket = client(gateway.url);
    const online = [];
    const events = [];
    socket.onStateChange('num_online', (value) => online.push(value));
    socket.onStateChange((event, target) => events.push([event, target]));
    const connection = await gateway.nextConnection();
    await until(() => events.length === 1); // the state sent on connect
    connection.push('state', { num_online: 1, num_clients: 2 });
    connection.push('state', { num_online: 3, num_clients: 4 });
    await until(() => events.length === 3);

    expect(online).toEqual([1, 3]);
    expect(events[1][0]).toEqual({
      changes: ['num_clients'],
      original: { num_online: 1, num_clients: 1 },
      value: { num_online: 1, num_clients: 2 },
    });
    expect(events[2][1]).toBe(socket.state);
    expect(socket.state.value).toEqual({ num_online: 3, num_clients: 4 });
  });

  it("addEventListener('state_change') is the event behind onStateChange", async () => {
    const gateway = await startGateway();
    const socket = client(gateway.url);
    const [event] = await next(socket, 'state_change');
    expect(event.value).toEqual({ num_online: 1, num_clients: 1 });
    expect(event.changes).toEqual(['num_online', 'num_clients']);
  });

  it('onMessage(channel) gets the message of that channel only; message listeners get every frame', async () => {
    const gateway = await startGateway();
    const socket = client(gateway.url);
    const streams = [];
    const frames = [];
    socket.onMessage('live_streams', (message) => streams.push(message));
    socket.addEventListener('onmessage', (frame, event) => frames.push([frame, typeof event.data]));
    await next(socket, 'open');
    gateway.broadcast('other', 1);
    gateway.broadcast('live_streams', { status: 'new', id: 17 });
    await until(() => frames.length === 3);
    expect(streams).toEqual([{ status: 'new', id: 17 }]);
    expect(frames.map(([frame]) => frame.channel)).toEqual(['state', 'other', 'live_streams']);
    expect(frames[2][1]).toBe('string');
  });

  it('removes listeners with removeEventListener or the returned function', async () => {
    const gateway = await startGateway();
    const socket = client(gateway.url);
    const seen = [];
    const listener = (frame) => seen.push(frame.channel);
    socket.addEventListener('message', listener);
    const off = socket.onMessage('a', (m) => seen.push(m));
    await next(socket, 'message');
    socket.removeEventListener('message', listener);
    off();
    gateway.broadcast('a', 'x');
    await next(socket, 'message');
    expect(seen).toEqual(['state']);
  });

  it('emits open, close and error with the native events', async () => {
    const gateway = await startGateway();
    const socket = client(gateway.url, { reconnectDelay: 1 });
    const [opened] = await next(socket, 'open');
    expect(opened.type).toBe('open');
    expect(socket.connected).toBe(true);
    const connection = gateway.connections[0];
    const closed = next(socket, 'close');
    connection.close(1011, 'boom');
    const [event] = await closed;
    expect([event.code, event.reason]).toEqual([1011, 'boom']);
    expect(socket.connected).toBe(false);

    gateway.reject = true;
    const [error] = await next(socket, 'error');
    expect(error.type).toBe('error');
  });

  it('send(raw) passes the string through and JSON-encodes objects', async () => {
    const gateway = await startGateway();
    const socket = client(gateway.url);
    const connection = await gateway.nextConnection();
    await next(socket, 'open');
    const raw = JSON.stringify({ handler: 'controller', module: 'chat', data: 'hello world' });
    expect(socket.send(raw)).toBe(true);
    expect(socket.send({ handler: 'controller', module: 'chat', data: 2 })).toBe(true);
    const frames = await connection.frameCount(2);
    expect(frames).toEqual([JSON.parse(raw), { handler: 'controller', module: 'chat', data: 2 }]);
  });

  it('setUrlParam reconnects with the new URL', async () => {
    const gateway = await startGateway();
    const socket = client(`${gateway.url}?user_id=1`);
    const first = await gateway.nextConnection();
    await next(socket, 'open');

    socket.setUrlParam('user_id', 2);
    const second = await gateway.nextConnection();
    await first.closed;
    expect(second.url.searchParams.get('user_id')).toBe('2');

    socket.setUrlParam({ user_id: null, room: 'lobby' });
    const third = await gateway.nextConnection();
    expect(third.url.searchParams.has('user_id')).toBe(false);
    expect(third.url.searchParams.get('room')).toBe('lobby');
    expect(third.url.searchParams.get('fingerprint')).toBe(first.url.searchParams.get('fingerprint'));
    expect(gateway.open).toEqual([third]);
  });

  it('flags.reconnect_on_close = false leaves the socket closed until connect()', async () => {
    const gateway = await startGateway();
    const socket = client(gateway.url);
    socket.flags.reconnect_on_close = false;
    await next(socket, 'open');
    const reconnecting = vi.fn();
    socket.addEventListener('reconnecting', reconnecting);
    await Promise.all([gateway.connections[0].close(1001), next(socket, 'close')]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reconnecting).not.toHaveBeenCalled();
    expect(gateway.handshakes).toBe(1);
    socket.connect();
    await next(socket, 'open');
    expect(gateway.handshakes).toBe(2);
  });

  it("dispatches 'websocket:init.done' on document once, when the first connection opens", async () => {
    const gateway = await startGateway();
    const dispatched = [];
    globalThis.document = { dispatchEvent: (event) => dispatched.push(event) };
    const socket = client(gateway.url);
    expect(dispatched).toEqual([]);
    await next(socket, 'open');
    expect(dispatched.map((e) => [e.type, e.bubbles])).toEqual([['websocket:init.done', true]]);
    socket.reconnect();
    await next(socket, 'open');
    expect(dispatched).toHaveLength(1);
  });
});
