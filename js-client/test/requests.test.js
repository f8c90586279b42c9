// request/call/publish correlation, subscriptions and the offline queue.
import { describe, expect, it } from 'vitest';
import { client, next, startGateway, until } from './helpers.js';

// Reconnect at once, whatever the close code.
const FAST = { reconnectDelay: 1, goingAwayJitter: 1 };

async function connected(options) {
  const gateway = await startGateway();
  const socket = client(gateway.url, options);
  const connection = await gateway.nextConnection();
  await until(() => socket.connected);
  return { gateway, socket, connection };
}

describe('requests', () => {
  it('request resolves with the message of the reply carrying its id', async () => {
    const { socket, connection } = await connected();
    const [pong, echo] = await Promise.all([
      socket.request('ping'),
      socket.request('controller', { module: 'chat', data: 'hi' }),
    ]);
    expect(pong).toBe('pong');
    expect(echo).toEqual({ module: 'chat', data: 'hi' });
    const [a, b] = connection.frames;
    expect(a).toEqual({ handler: 'ping', id: a.id });
    expect(b).toEqual({ handler: 'controller', module: 'chat', data: 'hi', id: b.id });
    expect(a.id).not.toBe(b.id);
  });

  it('call() is controller sugar, with an optional action; publish() sends to a room', async () => {
    const { socket, connection } = await connected();
    expect(await socket.call('chat', { text: 'yo' }, { action: 'say' })).toEqual({
      module: 'chat',
      action: 'say',
      data: { text: 'yo' },
    });
    expect(await socket.call('chat', 1)).toEqual({ module: 'chat', data: 1 });
    expect(await socket.publish('lobby', { hi: 1 })).toBe(true);
    expect(connection.frames[2]).toMatchObject({ handler: 'publish', channel: 'lobby', message: { hi: 1 } });
  });

  it('an error frame with the id rejects with an Error carrying the code', async () => {
    const { socket } = await connected();
    const error = await socket.call('fail', null).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('bad_request');
    expect(error.message).toBe('chat says no');
  });

  it('an error frame without a request behind it is emitted as an error event and a message', async () => {
    const { socket } = await connected();
    const channels = [];
    socket.addEventListener('message', (frame) => channels.push(frame.channel));
    socket.send({ handler: 'nope' });
    await until(() => socket.errors.length === 1);
    expect(socket.errors[0]).toMatchObject({ code: 'unknown_handler', message: 'no handler nope' });
    expect(channels).toEqual(['error']);
  });

  it('rejects on timeout, and a late reply is ignored', async () => {
    const { socket, connection } = await connected();
    const error = await socket.call('hang', null, { timeout: 30 }).catch((e) => e);
    expect(error.code).toBe('timeout');
    connection.push('reply', 'late', connection.frames[0].id);
    await next(socket, 'message'); // not swallowed, nor an unhandled settle
  });

  it('rejects requests in flight when the connection drops', async () => {
    const { gateway, socket, connection } = await connected();
    gateway.replies = false;
    const pending = socket.call('chat', 1).catch((e) => e);
    await connection.nextFrame();
    connection.ws.terminate();
    const error = await pending;
    expect(error.code).toBe('disconnected');
  });

  it('queues a request made while disconnected and resolves it after the reconnect', async () => {
    const { gateway, socket, connection } = await connected(FAST);
    await Promise.all([connection.close(1001), next(socket, 'close')]);
    const reply = socket.call('chat', 'offline');
    const again = await gateway.nextConnection();
    expect(await reply).toEqual({ module: 'chat', data: 'offline' });
    expect(again.frames[0]).toMatchObject({ handler: 'controller', data: 'offline' });
  });

  it('close() rejects pending requests, and later requests, with code closed', async () => {
    const { gateway, socket } = await connected();
    gateway.replies = false;
    const pending = socket.request('ping').catch((e) => e);
    socket.close();
    expect((await pending).code).toBe('closed');
    expect((await socket.request('ping').catch((e) => e)).code).toBe('closed');
    expect(socket.send('x')).toBe(false);
  });
});

describe('subscriptions', () => {
  it('delivers a room to its callbacks and stops after unsubscribe', async () => {
    const { gateway, socket, connection } = await connected();
    const got = [];
    await socket.subscribe('lobby', (message, frame) => got.push([message, frame.channel]));
    expect(connection.rooms.has('lobby')).toBe(true);
    gateway.broadcast('lobby', { n: 1 });
    await until(() => got.length === 1);
    expect(got).toEqual([[{ n: 1 }, 'lobby']]);

    await socket.unsubscribe('lobby');
    expect(connection.rooms.has('lobby')).toBe(false);
    expect(connection.frames.at(-1)).toMatchObject({ handler: 'unsubscribe', channel: 'lobby' });
  });

  it('removing one callback keeps the room until the last one goes', async () => {
    const { socket, connection } = await connected();
    const a = () => {};
    const b = () => {};
    await socket.subscribe('lobby', a);
    await socket.subscribe('lobby', b);
    expect(connection.frames.filter((f) => f.handler === 'subscribe')).toHaveLength(1);
    await socket.unsubscribe('lobby', a);
    expect(connection.rooms.has('lobby')).toBe(true);
    await socket.unsubscribe('lobby', b);
    expect(connection.rooms.has('lobby')).toBe(false);
  });

  it('joins rooms again after every reconnect, before flushing queued frames', async () => {
    const { gateway, socket, connection } = await connected(FAST);
    const got = [];
    await socket.subscribe('lobby', (m) => got.push(m));
    await socket.subscribe('news');
    await Promise.all([connection.close(1001), next(socket, 'close')]);
    socket.send({ handler: 'publish', channel: 'lobby', message: 'queued' });

    const again = await gateway.nextConnection();
    await until(() => got.length === 1);
    expect(again.frames.map((f) => f.handler + ':' + f.channel)).toEqual([
      'subscribe:lobby',
      'subscribe:news',
      'publish:lobby',
    ]);
    expect(got).toEqual(['queued']);
  });

  it('subscribe() made offline resolves once the gateway confirms the join', async () => {
    const gateway = await startGateway();
    const socket = client(gateway.url);
    const joined = socket.subscribe('lobby');
    expect(socket.connected).toBe(false);
    await joined;
    expect(gateway.connections[0].rooms.has('lobby')).toBe(true);
  });

  it('a refused join rejects, emits an error, and is not retried after a reconnect', async () => {
    const { gateway, socket, connection } = await connected(FAST);
    const error = await socket.subscribe('private-x').catch((e) => e);
    expect(error).toMatchObject({ code: 'forbidden', channel: 'private-x' });
    expect(socket.errors).toEqual([error]);
    await Promise.all([connection.close(1001), next(socket, 'close')]);
    const again = await gateway.nextConnection();
    await socket.request('ping');
    expect(again.frames.map((f) => f.handler)).toEqual(['ping']);
  });
});

describe('offline queue', () => {
  it('flushes frames sent while disconnected, in order, on reconnect', async () => {
    const { gateway, socket, connection } = await connected(FAST);
    await Promise.all([connection.close(1001), next(socket, 'close')]);
    for (let i = 0; i < 5; i++) expect(socket.send({ handler: 'controller', module: 'm', data: i })).toBe(true);
    const again = await gateway.nextConnection();
    const frames = await again.frameCount(5);
    expect(frames.map((f) => f.data)).toEqual([0, 1, 2, 3, 4]);
  });

  it('is bounded by queueSize: overflow returns false, emits queue_overflow, rejects requests', async () => {
    const gateway = await startGateway();
    gateway.reject = true;
    const socket = client(gateway.url, { queueSize: 2 });
    expect(socket.send('{"n":1}')).toBe(true);
    expect(socket.send('{"n":2}')).toBe(true);
    expect(socket.send('{"n":3}')).toBe(false);
    const error = await socket.request('ping').catch((e) => e);
    expect(error.code).toBe('queue_overflow');
    expect(socket.errors.filter((e) => e.code === 'queue_overflow')).toHaveLength(2);
    expect(socket.errors[0].message).toMatch(/queue is full \(2 frames\)/);

    gateway.reject = false;
    socket.reconnect();
    const connection = await gateway.nextConnection();
    expect(await connection.frameCount(2)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('drops a timed-out request from the queue instead of sending it later', async () => {
    const gateway = await startGateway();
    gateway.reject = true;
    const socket = client(gateway.url);
    const error = await socket.request('ping', {}, { timeout: 20 }).catch((e) => e);
    expect(error.code).toBe('timeout');
    socket.send('{"handler":"ping"}');
    gateway.reject = false;
    socket.reconnect();
    const connection = await gateway.nextConnection();
    await connection.nextFrame();
    expect(connection.frames).toEqual([{ handler: 'ping' }]);
  });
});
