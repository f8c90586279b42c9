import { afterEach, vi } from 'vitest';
import { Socket } from '../src/switchboard.js';
import { Gateway, WebSocket } from './gateway.js';

const sockets = [];
const gateways = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  vi.useRealTimers();
  vi.restoreAllMocks();
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

export async function startGateway() {
  const gateway = await Gateway.start();
  gateways.push(gateway);
  return gateway;
}

/** A client on the test gateway, closed after the test; `errors` collects its 'error' events. */
export function client(url, options = {}) {
  const socket = new Socket(url, { WebSocket, ...options });
  socket.errors = [];
  socket.addEventListener('error', (e) => socket.errors.push(e));
  sockets.push(socket);
  return socket;
}

/** Resolves with the arguments of the next event of that type. */
export function next(socket, type) {
  return new Promise((resolve) => {
    const off = socket.addEventListener(type, (...args) => {
      off();
      resolve(args);
    });
  });
}

/** Fakes only the clock the client uses, so that sockets and promises run for real. */
export function fakeClock() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
}

/** Waits for real I/O (setImmediate is not faked) until the condition holds. */
export async function until(condition) {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
