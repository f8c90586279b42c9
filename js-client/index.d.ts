// Types of switchboard-client (src/switchboard.js).

/** The `message` of the gateway's `state` frames. */
export interface State {
  /** Distinct identities online, cluster-wide (user id, else fingerprint, else connection). */
  num_online: number;
  /** Open connections, cluster-wide. */
  num_clients: number;
  [key: string]: unknown;
}

/** Payload of the `state_change` event (the Trongate class's shape). */
export interface StateChange {
  /** Keys whose value differs from the previous state. */
  changes: string[];
  original: State;
  value: State;
}

/** A server frame: `{channel, message}`, plus `id` on replies and errors to a request. */
export interface Frame<T = unknown> {
  channel: string;
  message: T;
  id?: number;
}

/**
 * An error of the client. `code` is the gateway's code for a refused request
 * (e.g. "forbidden"), or one of the client's own codes.
 */
export interface SwitchboardError extends Error {
  code:
    | 'timeout'
    | 'disconnected'
    | 'closed'
    | 'queue_overflow'
    | 'handshake_failed'
    | 'token'
    | 'bad_frame'
    | 'unsubscribed'
    | (string & {});
  /** The room, on a refused subscribe. */
  channel?: string;
}

/** The close event: native, or made by the client when it drops a connection itself. */
export interface CloseInfo {
  type: 'close';
  code: number;
  reason: string;
  wasClean: boolean;
}

export interface SocketEvents {
  open: (event: Event) => void;
  close: (event: CloseInfo) => void;
  /** A native error event of the WebSocket, or a {@link SwitchboardError}. */
  error: (error: Event | SwitchboardError) => void;
  message: (frame: Frame, event: MessageEvent) => void;
  state_change: (change: StateChange, state: { value: State }) => void;
  /** A reconnect is scheduled in `delay` ms after a close with `code` (undefined after a getToken failure). */
  reconnecting: (info: { delay: number; code: number | undefined }) => void;
}

/** The Trongate class's names for the native events. */
export type LegacyEvents = { [K in 'open' | 'message' | 'error' | 'close' as `on${K}`]: SocketEvents[K] };

/** A WebSocket constructor: the browser's, or the `ws` package's on Node 20. */
export interface WebSocketConstructor {
  new (url: string): {
    readonly readyState: number;
    onopen: ((event: any) => void) | null;
    onmessage: ((event: any) => void) | null;
    onerror: ((event: any) => void) | null;
    onclose: ((event: any) => void) | null;
    send(data: string): void;
    close(code?: number, reason?: string): void;
  };
}

export interface SocketOptions {
  /** WebSocket implementation. Default: `globalThis.WebSocket` (pass `ws`'s on Node 20). */
  WebSocket?: WebSocketConstructor;
  /** Called before every (re)connect; its value goes into `token` (or `trongateToken` when the URL uses that name). */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** Frames kept while disconnected. Default 100. */
  queueSize?: number;
  /** Default timeout of `request`, `call` and `publish`, in ms; 0 for none. Default 10000. */
  requestTimeout?: number;
  /** Base of the exponential backoff: retry n waits random(0, min(max, base × 2ⁿ)) ms. Default 500. */
  reconnectDelay?: number;
  /** Cap of the backoff window, in ms. Default 20000. */
  maxReconnectDelay?: number;
  /** A connection open this long (ms) resets the backoff. Default 10000. */
  resetBackoffAfter?: number;
  /** After a 1001 (gateway shutdown), reconnect within random(0, this) ms. Default 2000. */
  goingAwayJitter?: number;
  /** Stop after this many consecutive attempts that never opened, unless getToken is set. Default 8. */
  maxHandshakeFailures?: number;
  /** Send a ping after this many ms without any frame; 0 disables. Default 25000. */
  pingAfter?: number;
  /** Reconnect when the pong takes longer than this, in ms. Default 10000. */
  pongTimeout?: number;
}

export interface RequestOptions {
  /** In ms; 0 for none. Default: the `requestTimeout` option. */
  timeout?: number;
}

export class Socket {
  /**
   * Connects at once. `url` may be page-relative ("/ws"); a `fingerprint` parameter
   * (a device id kept in localStorage) is added unless present.
   */
  constructor(url: string | URL, options?: SocketOptions);

  /** Latest `state` message, under `value` as in the Trongate class. */
  readonly state: { value: State };
  flags: {
    /** Reconnect after a close the client did not ask for. Default true. */
    reconnect_on_close: boolean;
  };
  /** True while the connection is open. */
  readonly connected: boolean;
  /** The current WebSocket, or null between connections. */
  readonly instance: InstanceType<WebSocketConstructor> | null;
  /** The URL of the next connection. */
  readonly url: string;

  /** Connects unless open or connecting; also restarts a client stopped by close(). */
  connect(): void;
  /** Drops the current connection, if any, and connects again at once. */
  reconnect(): void;
  /** Closes for good: no reconnect, no timer left; pending requests and queued frames are dropped. */
  close(): void;
  /** Sets (null: removes) query parameters and reconnects with the new URL. */
  setUrlParam(key: string, value: string | number | null | undefined): void;
  setUrlParam(params: Record<string, string | number | null | undefined>): void;

  /** Sends a raw frame (objects are JSON-encoded); queued while disconnected. False when dropped. */
  send(data: string | object): boolean;
  /** Sends `{handler, id, ...fields}`; resolves with the reply's message. */
  request<T = unknown>(handler: string, fields?: object, options?: RequestOptions): Promise<T>;
  /** Calls an application module through the `controller` handler. */
  call<T = unknown>(module: string, data?: unknown, options?: RequestOptions & { action?: string }): Promise<T>;
  /** Publishes to a room, where the gateway allows clients to. */
  publish(channel: string, message: unknown, options?: RequestOptions): Promise<unknown>;
  /** Joins a room now and after every reconnect; resolves when the gateway confirmed the join. */
  subscribe<T = unknown>(room: string, callback?: (message: T, frame: Frame<T>) => void): Promise<void>;
  /** Removes one callback, or (without one) leaves the room. */
  unsubscribe(room: string, callback?: (message: any, frame: Frame) => void): Promise<void>;

  /** Calls `callback` with the new value whenever that key of the state changes. */
  onStateChange<K extends keyof State>(key: K, callback: (value: State[K]) => void): () => void;
  onStateChange(callback: SocketEvents['state_change']): () => void;
  /** Calls `callback` with the message of every frame of that channel. */
  onMessage<T = unknown>(channel: string, callback: (message: T, frame: Frame<T>) => void): () => void;

  /** Adds a listener ('onopen' etc. are accepted too); returns a function that removes it. */
  addEventListener<K extends keyof (SocketEvents & LegacyEvents)>(type: K, listener: (SocketEvents & LegacyEvents)[K]): () => void;
  removeEventListener<K extends keyof (SocketEvents & LegacyEvents)>(type: K, listener: (SocketEvents & LegacyEvents)[K]): void;
}

export default Socket;
