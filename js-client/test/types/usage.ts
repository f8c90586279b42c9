// Compiled (not run) by test/types.test.js: the declarations must accept the documented
// usage and reject misuse.
import Default, { Socket, type Frame, type SwitchboardError } from 'switchboard-client';

const socket: Socket = new Default('wss://example.com/ws?trongateToken=t&user_id=1', {
  WebSocket: globalThis.WebSocket,
  getToken: async () => 'token',
  queueSize: 10,
  pingAfter: 0,
});

socket.onStateChange('num_online', (value: number) => value.toFixed());
socket.onStateChange(({ changes, value }) => changes.includes('num_online') && value.num_clients);
socket.onMessage<{ id: number }>('live_streams', (message, frame: Frame<{ id: number }>) => message.id + frame.channel);
socket.addEventListener('onmessage', (frame, event) => frame.channel + event.data);
socket.addEventListener('error', (error) => (error instanceof Error ? (error as SwitchboardError).code : error.type));
socket.addEventListener('reconnecting', ({ delay }) => delay);
const sent: boolean = socket.send(JSON.stringify({ handler: 'controller', module: 'chat', data: 'hello' }));
socket.setUrlParam('user_id', 2);
socket.setUrlParam({ user_id: null });
socket.flags.reconnect_on_close = false;
const online: number = socket.state.value.num_online;

async function modern(): Promise<void> {
  const reply = await socket.call<{ ok: boolean }>('chat', { text: 'hi' }, { action: 'say', timeout: 1000 });
  reply.ok;
  await socket.request('ping');
  await socket.subscribe<string>('lobby', (message) => message.toUpperCase());
  await socket.publish('lobby', 'hi');
  await socket.unsubscribe('lobby');
  socket.close();
}

// @ts-expect-error state_change has no legacy 'on' name
socket.addEventListener('onstate_change', () => {});
// @ts-expect-error the state is read-only
socket.connected = true;

// The classic-script global, declared by global.d.ts.
const legacy = new globalThis.Socket('/ws');

export { sent, online, modern, legacy };
