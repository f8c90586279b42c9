/**
 * Switchboard client: a reconnecting WebSocket that speaks the Switchboard wire
 * protocol v1 (docs: DESIGN.md §2) and is a drop-in for the Trongate `Socket` class.
 */

const DEFAULTS = {
  WebSocket: undefined,
  getToken: undefined,
  queueSize: 100,
  requestTimeout: 10_000,
  reconnectDelay: 500,
  maxReconnectDelay: 20_000,
  resetBackoffAfter: 10_000,
  goingAwayJitter: 2_000,
  maxHandshakeFailures: 8,
  // Below the 60 s default read timeout of nginx, so an idle connection survives it.
  pingAfter: 25_000,
  pongTimeout: 10_000,
};

const DEVICE_KEY = 'switchboard.device';

// Close codes by which the server asks for a pause (policy violation, server error,
// try again later): the first retry skips the short delays of the backoff.
const BACK_OFF_CODES = [1008, 1011, 1013];
const BACK_OFF_FLOOR = 3;

const noop = () => {};

let memoryDeviceId;

function randomId() {
  // getRandomValues, not randomUUID: the latter exists only on https pages.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Returns one id per browser profile, so that all its tabs count once in num_online. */
function deviceId() {
  try {
    let id = localStorage.getItem(DEVICE_KEY);
    if (!id) localStorage.setItem(DEVICE_KEY, (id = randomId()));
    return id;
  } catch {
    // No storage (Node, sandboxed iframe, storage disabled): one id per page or process.
    return (memoryDeviceId ??= randomId());
  }
}

function toWebSocketUrl(url) {
  // Page-relative URLs such as "/ws" resolve against the page, http(s) becomes ws(s).
  const parsed = new URL(url, globalThis.location?.href);
  parsed.protocol = parsed.protocol.replace('http', 'ws');
  return parsed;
}

function failure(code, message) {
  return Object.assign(new Error(message), { code });
}

function serverFailure(message) {
  return failure(message?.code ?? 'error', message?.reason ?? 'request failed');
}

// The Trongate class accepted 'onopen' as well as 'open'.
function eventType(type) {
  return /^on(open|message|error|close)$/.test(type) ? type.slice(2) : type;
}

// A throwing listener must not break the client's bookkeeping; its error is rethrown
// on a clean stack, as EventTarget reports listener errors.
function invoke(listener, ...args) {
  try {
    listener(...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

function release(subscription, error) {
  for (const [resolve, reject] of subscription.waiters.splice(0)) {
    if (error) reject(error);
    else resolve();
  }
}

export class Socket {
  /** Latest `state` message, under `value` as in the Trongate class. */
  state = { value: { num_online: 0, num_clients: 0 } };
  flags = { reconnect_on_close: true };

  #options;
  #url;
  #ws = null;
  #open = false;
  #stopped = false;
  #dialing = null;
  #everOpened = false;
  #openedAt = 0;
  #attempt = 0;
  #failures = 0;
  #nextId = 0;
  #retryTimer;
  #idleTimer;
  #queue = [];
  #pending = new Map();
  #rooms = new Map();
  #listeners = new Map();

  constructor(url, options = {}) {
    this.#options = { ...DEFAULTS, ...options };
    this.#options.WebSocket ??= globalThis.WebSocket;
    if (!this.#options.WebSocket) {
      throw new TypeError('switchboard: no WebSocket here; pass options.WebSocket (on Node 20: the "ws" package)');
    }
    this.#url = toWebSocketUrl(url);
    if (!this.#url.searchParams.has('fingerprint')) {
      this.#url.searchParams.set('fingerprint', deviceId());
    }
    this.connect();
  }

  /** True while the connection is open. */
  get connected() {
    return this.#open;
  }

  /** The current WebSocket, or null between connections. */
  get instance() {
    return this.#ws;
  }

  /** The URL of the next connection (token, user_id and fingerprint included). */
  get url() {
    return this.#url.href;
  }

  /** Connects unless open or connecting; also restarts a client stopped by close(). */
  connect() {
    if (this.#ws || this.#dialing) return;
    clearTimeout(this.#retryTimer);
    this.#stopped = false;
    const { getToken } = this.#options;
    if (!getToken) return this.#dial();

    const dialing = (this.#dialing = {});
    Promise.resolve()
      .then(getToken)
      .then(
        (token) => {
          if (this.#dialing !== dialing) return; // close() or reconnect() came first
          this.#dialing = null;
          if (token != null) for (const name of this.#tokenParams()) this.#url.searchParams.set(name, token);
          this.#dial();
        },
        (error) => {
          if (this.#dialing !== dialing) return;
          this.#dialing = null;
          this.#emit('error', Object.assign(failure('token', `getToken failed: ${error?.message ?? error}`), { cause: error }));
          this.#scheduleReconnect();
        },
      );
  }

  /** Drops the current connection, if any, and connects again at once. */
  reconnect() {
    this.#dialing = null;
    this.#abort(1000, 'reconnect');
    this.#failures = 0;
    this.connect();
  }

  /** Closes for good: no reconnect, no timer left; pending requests and queued sends are dropped. */
  close() {
    this.#shutdown(failure('closed', 'socket closed by the client'));
  }

  /** Sets (or, with null, removes) query parameters and reconnects with the new URL. */
  setUrlParam(key, value) {
    const params = typeof key === 'object' ? key : { [key]: value };
    for (const [name, v] of Object.entries(params)) {
      if (v == null) this.#url.searchParams.delete(name);
      else this.#url.searchParams.set(name, v);
    }
    this.reconnect();
  }

  /**
   * Sends a raw frame (objects are JSON-encoded). While disconnected the frame waits
   * in the offline queue; returns false when it was dropped (queue full, or closed).
   */
  send(data) {
    if (this.#stopped) return false;
    return this.#transmit(typeof data === 'string' ? data : JSON.stringify(data));
  }

  /** Sends `{handler, id, ...fields}` and resolves with the reply's message. */
  request(handler, fields, { timeout = this.#options.requestTimeout } = {}) {
    if (this.#stopped) return Promise.reject(failure('closed', 'socket is closed'));
    const id = ++this.#nextId;
    const sent = this.#open;
    return new Promise((resolve, reject) => {
      if (!this.#transmit(JSON.stringify({ ...fields, handler, id }), id)) {
        return reject(failure('queue_overflow', 'offline queue is full'));
      }
      const timer =
        timeout > 0 &&
        setTimeout(() => {
          this.#queue = this.#queue.filter((entry) => entry[1] !== id);
          this.#settle(id, failure('timeout', `${handler} request timed out after ${timeout} ms`));
        }, timeout);
      this.#pending.set(id, { resolve, reject, timer, sent });
    });
  }

  /** Calls an application module through the `controller` handler. */
  call(module, data, options = {}) {
    return this.request('controller', { module, action: options.action, data }, options);
  }

  /** Publishes to a room (where the gateway's configuration allows clients to). */
  publish(channel, message, options) {
    return this.request('publish', { channel, message }, options);
  }

  /**
   * Joins a room, now and after every reconnect; its frames go to `callback(message, frame)`.
   * Resolves once the gateway confirmed the join; a refusal also emits 'error'.
   */
  subscribe(room, callback) {
    let subscription = this.#rooms.get(room);
    if (!subscription) {
      subscription = { listeners: new Set(), waiters: [], joined: false };
      this.#rooms.set(room, subscription);
      if (this.#open) this.#join(room);
    }
    if (callback) subscription.listeners.add(callback);
    if (subscription.joined) return Promise.resolve();
    const joined = new Promise((resolve, reject) => subscription.waiters.push([resolve, reject]));
    joined.catch(noop); // awaiting it is optional: a refusal is reported through 'error' too
    return joined;
  }

  /** Removes one callback of a room, or (without one) leaves the room. */
  unsubscribe(room, callback) {
    const subscription = this.#rooms.get(room);
    if (!subscription) return Promise.resolve();
    if (callback) {
      subscription.listeners.delete(callback);
      if (subscription.listeners.size) return Promise.resolve();
    }
    this.#rooms.delete(room);
    release(subscription, failure('unsubscribed', `left ${room} before the join was confirmed`));
    if (!this.#open) return Promise.resolve(); // the gateway forgot it with the connection
    const left = this.request('unsubscribe', { channel: room }).then(noop);
    left.catch(noop);
    return left;
  }

  /** Legacy: `onStateChange(key, cb)` gets the new value of one key when it changes; `onStateChange(cb)` every state_change event. */
  onStateChange(key, callback) {
    if (typeof key === 'function') return this.addEventListener('state_change', key);
    return this.addEventListener('state_change', ({ changes, value }) => {
      if (changes.includes(key)) callback(value[key]);
    });
  }

  /** Legacy: calls `callback(message, frame)` for every frame of one channel. */
  onMessage(channel, callback) {
    return this.addEventListener('message', (frame) => {
      if (frame.channel === channel) callback(frame.message, frame);
    });
  }

  /** Adds a listener; returns a function that removes it. */
  addEventListener(type, listener) {
    type = eventType(type);
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    return () => this.removeEventListener(type, listener);
  }

  removeEventListener(type, listener) {
    this.#listeners.get(eventType(type))?.delete(listener);
  }

  #emit(type, ...args) {
    const listeners = this.#listeners.get(type);
    if (listeners?.size) for (const listener of listeners) invoke(listener, ...args);
    else if (type === 'error' && args[0] instanceof Error) console.warn('switchboard:', args[0]);
  }

  // The gateway reads `token`, else its alias `trongateToken`: refresh whichever the URL carries (both when it
  // carries both, so a stale one is never read), `token` when it carries none.
  #tokenParams() {
    const present = ['token', 'trongateToken'].filter((name) => this.#url.searchParams.has(name));
    return present.length ? present : ['token'];
  }

  #dial() {
    const ws = (this.#ws = new this.#options.WebSocket(this.#url.href));
    ws.onopen = (event) => this.#onOpen(event);
    ws.onmessage = (event) => this.#onMessage(event);
    ws.onerror = (event) => this.#emit('error', event);
    ws.onclose = (event) => {
      this.#onDisconnect(event);
      this.#scheduleReconnect(event.code);
    };
  }

  #onOpen(event) {
    this.#open = true;
    this.#failures = 0;
    this.#openedAt = Date.now();
    // Rooms first, so that queued publishes reach rooms this client listens to.
    for (const room of this.#rooms.keys()) this.#join(room);
    for (const [data, id] of this.#queue.splice(0)) {
      this.#ws.send(data);
      if (id) this.#pending.get(id).sent = true;
    }
    this.#armIdle();
    this.#emit('open', event);
    if (!this.#everOpened) {
      this.#everOpened = true;
      globalThis.document?.dispatchEvent(new Event('websocket:init.done', { bubbles: true }));
    }
  }

  #onMessage(event) {
    this.#armIdle();
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return this.#emit('error', failure('bad_frame', 'frame from the server is not JSON'));
    }
    const { channel, message, id } = frame;
    if (id != null && (channel === 'reply' || channel === 'error') && this.#pending.has(id)) {
      return this.#settle(id, channel === 'error' && serverFailure(message), message);
    }
    if (channel === 'state') this.#setState(message);
    else if (channel === 'error') this.#emit('error', serverFailure(message));
    this.#emit('message', frame, event);
    const subscription = this.#rooms.get(channel);
    if (subscription) for (const listener of subscription.listeners) invoke(listener, message, frame);
  }

  #setState(value) {
    const original = this.state.value;
    const changes = Object.keys(value).filter((key) => original[key] !== value[key]);
    this.state.value = value;
    this.#emit('state_change', { changes, original, value }, this.state);
  }

  #onDisconnect(event) {
    const wasOpen = this.#open;
    this.#ws = null;
    this.#open = false;
    clearTimeout(this.#idleTimer);
    if (!wasOpen) this.#failures++;
    else if (Date.now() - this.#openedAt >= this.#options.resetBackoffAfter) this.#attempt = 0;
    // Requests already sent may or may not have run: the caller decides whether to retry.
    for (const [id, request] of this.#pending) {
      if (request.sent) this.#settle(id, failure('disconnected', 'connection lost before the reply'));
    }
    for (const subscription of this.#rooms.values()) subscription.joined = false;
    this.#emit('close', event);
  }

  #scheduleReconnect(code) {
    // A 'close' listener may have called close(), connect() or reconnect().
    if (this.#stopped || this.#ws || this.#dialing || !this.flags.reconnect_on_close) return;
    const options = this.#options;
    // Browsers show a refused handshake (HTTP 401/403) only as a connection that never
    // opened, so repeated failures are taken as a rejected token: retrying cannot help.
    if (!options.getToken && this.#failures >= options.maxHandshakeFailures) {
      const error = failure(
        'handshake_failed',
        `gave up after ${this.#failures} connection attempts that never opened: gateway unreachable or token rejected (HTTP 401/403)`,
      );
      this.#shutdown(error);
      return this.#emit('error', error);
    }
    if (BACK_OFF_CODES.includes(code)) this.#attempt = Math.max(this.#attempt, BACK_OFF_FLOOR);
    // Full jitter (random over the whole window) spreads thousands of clients apart;
    // after a shutdown (1001) the window is short, since another instance is up.
    const window =
      code === 1001
        ? options.goingAwayJitter
        : Math.min(options.maxReconnectDelay, options.reconnectDelay * 2 ** this.#attempt++);
    const delay = Math.random() * window;
    this.#retryTimer = setTimeout(() => this.connect(), delay);
    this.#emit('reconnecting', { delay, code }); // after the timer, which a listener may cancel
  }

  #armIdle() {
    clearTimeout(this.#idleTimer);
    const { pingAfter, pongTimeout } = this.#options;
    if (!(pingAfter > 0)) return;
    // An application-level ping, since proxies may swallow WebSocket control frames.
    this.#idleTimer = setTimeout(() => {
      this.request('ping', {}, { timeout: pongTimeout }).catch((error) => {
        if (error.code !== 'timeout') return;
        this.#abort(4000, 'no pong');
        this.#scheduleReconnect(4000);
      });
    }, pingAfter);
  }

  #join(room) {
    const subscription = this.#rooms.get(room);
    this.request('subscribe', { channel: room }).then(
      () => {
        subscription.joined = true;
        release(subscription);
      },
      (error) => {
        if (this.#stopped || this.#rooms.get(room) !== subscription) return;
        if (error.code === 'disconnected') return; // joined again on the next connection
        if (error.code !== 'timeout') {
          this.#rooms.delete(room); // refused by the gateway: asking again will not help
          this.#emit('error', Object.assign(error, { channel: room }));
        }
        release(subscription, error);
      },
    );
  }

  #transmit(data, id) {
    if (this.#open) {
      this.#ws.send(data);
      return true;
    }
    const { queueSize } = this.#options;
    if (this.#queue.length < queueSize) {
      this.#queue.push([data, id]);
      return true;
    }
    this.#emit('error', failure('queue_overflow', `offline queue is full (${queueSize} frames): frame dropped`));
    return false;
  }

  #settle(id, error, value) {
    const request = this.#pending.get(id);
    if (!request) return;
    this.#pending.delete(id);
    clearTimeout(request.timer);
    if (error) request.reject(error);
    else request.resolve(value);
  }

  // Settles the disconnect at once instead of waiting for the close event, which a
  // dead TCP connection may not deliver for minutes.
  #abort(code, reason) {
    const ws = this.#ws;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = noop;
    ws.close(code, reason);
    this.#onDisconnect({ type: 'close', code, reason, wasClean: false });
  }

  #shutdown(error) {
    this.#stopped = true;
    this.#dialing = null;
    this.#attempt = this.#failures = 0; // connect() starts afresh
    clearTimeout(this.#retryTimer);
    this.#queue = [];
    for (const id of this.#pending.keys()) this.#settle(id, error);
    for (const subscription of this.#rooms.values()) release(subscription, error);
    this.#abort(1000, 'closed by the client');
  }
}

export default Socket;
