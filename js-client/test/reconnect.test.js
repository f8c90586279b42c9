// Backoff, handshake failures, getToken, liveness and close(), on a fake clock.
import { describe, expect, it, vi } from 'vitest';
import { client, fakeClock, next, startGateway, until } from './helpers.js';

/** Collects the delays of the next n reconnects, moving the clock past each one. */
async function delays(socket, n) {
  const seen = [];
  for (let i = 0; i < n; i++) {
    const [{ delay }] = await next(socket, 'reconnecting');
    seen.push(delay);
    if (i < n - 1) vi.advanceTimersByTime(delay);
  }
  return seen;
}

describe('reconnect', () => {
  it('backs off exponentially with full jitter up to the cap, then gives up on never-opened attempts', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const gateway = await startGateway();
    gateway.reject = true; // HTTP 401: the browser only sees a connection that never opened
    const socket = client(gateway.url, { reconnectDelay: 100, maxReconnectDelay: 1000, maxHandshakeFailures: 6 });

    expect(await delays(socket, 5)).toEqual([50, 100, 200, 400, 500]);
    vi.advanceTimersByTime(500);
    await until(() => socket.errors.some((e) => e.code === 'handshake_failed'));
    const error = socket.errors.at(-1);
    expect(error.message).toMatch(/6 connection attempts .* token rejected/);
    expect(gateway.handshakes).toBe(6);
    expect(vi.getTimerCount()).toBe(0);

    gateway.reject = false; // e.g. the user signed in again
    socket.connect();
    await next(socket, 'open');
    expect(gateway.handshakes).toBe(7);
  });

  it('with getToken, calls it before every attempt and never gives up', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const gateway = await startGateway();
    gateway.reject = true;
    let n = 0;
    const getToken = vi.fn(async () => `t${++n}`);
    const socket = client(`${gateway.url}?user_id=5`, { getToken, maxHandshakeFailures: 2 });
    const urls = [];
    gateway.on('handshake', (url) => urls.push(new URL(url, 'http://x').searchParams.get('token')));

    await delays(socket, 4);
    vi.advanceTimersByTime(0);
    gateway.reject = false;
    await next(socket, 'open');
    expect(getToken).toHaveBeenCalledTimes(5);
    expect(urls).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(socket.errors.some((e) => e.code === 'handshake_failed')).toBe(false);
  });

  it('puts the token in trongateToken when the URL used that name', async () => {
    const gateway = await startGateway();
    client(`${gateway.url}?trongateToken=old`, { getToken: () => 'fresh' });
    const connection = await gateway.nextConnection();
    expect(connection.url.searchParams.get('trongateToken')).toBe('fresh');
    expect(connection.url.searchParams.has('token')).toBe(false);
  });

  it('refreshes both names when the URL carries token and trongateToken', async () => {
    const gateway = await startGateway();
    client(`${gateway.url}?token=old&trongateToken=old`, { getToken: () => 'fresh' });
    const connection = await gateway.nextConnection();
    expect(connection.url.searchParams.get('trongateToken')).toBe('fresh');
    expect(connection.url.searchParams.get('token')).toBe('fresh');
  });

  it('reports a failing getToken and retries', async () => {
    const gateway = await startGateway();
    const getToken = vi.fn().mockRejectedValueOnce(new Error('session expired')).mockResolvedValue('ok');
    const socket = client(gateway.url, { getToken, reconnectDelay: 1 });
    const connection = await gateway.nextConnection();
    expect(socket.errors[0]).toMatchObject({ code: 'token', message: 'getToken failed: session expired' });
    expect(connection.url.searchParams.get('token')).toBe('ok');
  });

  it('resets the backoff only after a stable period of being connected', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const gateway = await startGateway();
    const socket = client(gateway.url, { reconnectDelay: 100, resetBackoffAfter: 5000, pingAfter: 0 });
    const drop = async () => {
      await until(() => socket.connected);
      gateway.open[0].ws.terminate();
      const [{ delay }] = await next(socket, 'reconnecting');
      vi.advanceTimersByTime(delay);
      return delay;
    };
    // Short-lived connections (a server that accepts, then drops) keep growing the window.
    expect([await drop(), await drop(), await drop()]).toEqual([50, 100, 200]);
    await until(() => socket.connected);
    vi.advanceTimersByTime(5000);
    expect(await drop()).toBe(50);
  });

  it('after a going-away close (1001) reconnects within the short jitter window', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    const gateway = await startGateway();
    const socket = client(gateway.url, { goingAwayJitter: 2000, pingAfter: 0 });
    await next(socket, 'open');
    gateway.open[0].close(1001, 'shutting down');
    const [{ delay, code }] = await next(socket, 'reconnecting');
    expect([delay, code]).toEqual([500, 1001]);
    vi.advanceTimersByTime(499);
    expect(gateway.handshakes).toBe(1);
    vi.advanceTimersByTime(1);
    await next(socket, 'open');
    expect(gateway.handshakes).toBe(2);
  });

  it.each([1008, 1011, 1013])('after close %i waits at least the fourth backoff window', async (code) => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const gateway = await startGateway();
    const socket = client(gateway.url, { reconnectDelay: 100, pingAfter: 0 });
    await next(socket, 'open');
    gateway.open[0].close(code);
    const [{ delay }] = await next(socket, 'reconnecting');
    expect(delay).toBe(400); // 0.5 × 100 × 2³
  });

  it('pings after pingAfter of silence and reconnects when no pong comes within pongTimeout', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const gateway = await startGateway();
    const socket = client(gateway.url, { pingAfter: 1000, pongTimeout: 500 });
    const connection = await gateway.nextConnection();
    await next(socket, 'message'); // the state frame re-arms the idle timer
    vi.advanceTimersByTime(999);
    expect(connection.frames).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(await connection.nextFrame()).toMatchObject({ handler: 'ping' });
    connection.push('marker', 1); // follows the pong on the wire: once it is here, so is the pong
    const [frame] = await next(socket, 'message');
    expect(frame.channel).toBe('marker'); // the pong itself was consumed by its request
    vi.advanceTimersByTime(500);
    expect(socket.connected).toBe(true);

    gateway.replies = false;
    vi.advanceTimersByTime(500); // 1000 ms after the marker
    await connection.nextFrame();
    const closed = next(socket, 'close');
    vi.advanceTimersByTime(500);
    const [event] = await closed;
    expect([event.code, event.reason]).toEqual([4000, 'no pong']);
    vi.advanceTimersByTime(0);
    const again = await gateway.nextConnection();
    expect(again).not.toBe(connection);
    await connection.closed;
  });
});

describe('close()', () => {
  it('leaves no timer behind and never reconnects', async () => {
    fakeClock();
    const gateway = await startGateway();
    gateway.replies = false;
    const socket = client(gateway.url);
    await next(socket, 'open');
    const pending = socket.request('ping').catch((e) => e); // a request timer, plus the idle timer
    const ws = socket.instance;
    expect(vi.getTimerCount()).toBe(2);
    socket.close();
    expect((await pending).code).toBe('closed');
    await until(() => ws.readyState === ws.CLOSED); // the ws package's own close timer is gone too
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(gateway.handshakes).toBe(1);
    expect(socket.connected).toBe(false);
  });

  it('cancels a pending reconnect', async () => {
    fakeClock();
    const gateway = await startGateway();
    gateway.reject = true;
    const socket = client(gateway.url);
    await next(socket, 'reconnecting');
    expect(vi.getTimerCount()).toBe(1);
    socket.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("called from a 'reconnecting' or 'close' listener, sticks", async () => {
    fakeClock();
    const gateway = await startGateway();
    gateway.reject = true;
    const socket = client(gateway.url);
    socket.addEventListener('reconnecting', () => socket.close());
    await next(socket, 'reconnecting');
    expect(vi.getTimerCount()).toBe(0);

    gateway.reject = false;
    const again = client(gateway.url);
    await next(again, 'open');
    again.addEventListener('close', () => again.close());
    gateway.open[0].ws.terminate();
    await next(again, 'close');
    expect(vi.getTimerCount()).toBe(0);
    expect(gateway.handshakes).toBe(2);
  });

  it('during getToken, no connection follows', async () => {
    const gateway = await startGateway();
    let resolve;
    const socket = client(gateway.url, { getToken: () => new Promise((r) => (resolve = r)) });
    await until(() => resolve);
    socket.close();
    resolve('late');
    await new Promise((r) => setTimeout(r, 20));
    expect(gateway.handshakes).toBe(0);
    expect(socket.instance).toBe(null);
  });
});
