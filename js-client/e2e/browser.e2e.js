// End to end in a real browser: Debian's Chromium driven by playwright-core, loading pages that use the
// client served by a real gateway (the runnable jar), started and stopped by the tests.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { APP_SECRET, startGateway } from './gateway-process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The legacy snippet, unchanged but for the URL; window.seen records what the page's callbacks saw.
const legacyPage = (gatewayUrl) => `<!doctype html><html><body>
<span id="badge"></span>
<script src="${gatewayUrl.replace('ws://', 'http://')}/client.js"></script>
<script>
  window.seen = { streams: [], frames: [] };
  const badge = document.getElementById('badge');
  const handle = (event) => window.seen.streams.push(event);
  const token = ''; const userId = '';
  const socket = new Socket(\`${gatewayUrl}/ws?trongateToken=\${token}&user_id=\${userId}\`);
  socket.onStateChange('num_online', (value) => { badge.textContent = \`\${value} Online\`; });
  socket.onMessage('live_streams', (event) => handle(event));
  socket.addEventListener('message', (frame) => window.seen.frames.push(frame));
  socket.addEventListener('open', () =>
    socket.send(JSON.stringify({ handler: 'controller', module: 'chat', data: 'hello world' })));
  window.socket = socket;
</script></body></html>`;

let browser;
let pageServer;
let pageBase;
let gateway;
let app;

// The application behind the gateway, as a PHP app would be: it answers forwarded controller calls
// (POST /<module>/<action>) after checking the gateway's signature.
function startApp() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const ts = req.headers['x-switchboard-timestamp'];
      const expected = 'sha256=' + createHmac('sha256', APP_SECRET).update(`${ts}.${body}`).digest('hex');
      const given = String(req.headers['x-switchboard-signature'] ?? '');
      if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
        res.writeHead(401).end('bad signature');
        return;
      }
      const call = JSON.parse(body);
      if (call.module !== 'chat') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such module"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ echo: call.data, module: call.module, action: call.action, path: req.url }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const appArgs = () => [`--app.backend=http://127.0.0.1:${app.address().port}`];

function servePages() {
  // Pages come from their own origin, as a PHP site's would; they load /client.js from the gateway.
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(legacyPage(decodeURIComponent(new URL(req.url, 'http://x').searchParams.get('gw'))));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function openPage(context) {
  const page = await (context ?? browser).newPage();
  await page.goto(`${pageBase}/?gw=${encodeURIComponent(gateway.url)}`);
  return page;
}

beforeAll(async () => {
  app = await startApp();
  gateway = await startGateway(appArgs());
  pageServer = await servePages();
  pageBase = `http://127.0.0.1:${pageServer.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  pageServer?.close();
  app?.close();
  await gateway?.stop();
});

describe('the legacy snippet, unchanged, in Chromium', () => {
  it('shows the online count, receives an HTTP publish and gets the controller reply', async () => {
    const context = await browser.newContext();
    const page = await openPage(context);
    await page.waitForFunction(() => document.getElementById('badge').textContent === '1 Online');

    await gateway.publish({ channel: 'live_streams', message: { status: 'new', id: 17 } });
    await page.waitForFunction(() => window.seen.streams.length === 1);
    expect(await page.evaluate(() => window.seen.streams)).toEqual([{ status: 'new', id: 17 }]);

    await page.waitForFunction(() => window.seen.frames.some((f) => f.channel === 'reply'));
    const reply = await page.evaluate(() => window.seen.frames.find((f) => f.channel === 'reply'));
    // Forwarded to the app (module chat, default action ws), signed, and its answer became the reply.
    expect(reply.message).toEqual({ echo: 'hello world', module: 'chat', action: 'ws', path: '/chat/ws' });
    await context.close();
  });

  it('counts two tabs of one browser as one online, two clients', async () => {
    const context = await browser.newContext(); // one browser profile: one localStorage, one device id
    const tab1 = await openPage(context);
    const tab2 = await openPage(context);
    const counts = () => tab1.evaluate(() => window.socket.state.value);
    await expect.poll(counts, { timeout: 10_000 }).toMatchObject({ num_online: 1, num_clients: 2 });
    const other = await browser.newContext(); // another browser: another device
    await openPage(other);
    await expect.poll(counts, { timeout: 10_000 }).toMatchObject({ num_online: 2, num_clients: 3 });
    await other.close();
    await expect.poll(counts, { timeout: 10_000 }).toMatchObject({ num_online: 1, num_clients: 2 });
    await tab2.close();
    await context.close();
  });
});

describe('the new API in Chromium', () => {
  it('correlates requests, joins rooms, and comes back after a gateway restart', async () => {
    const context = await browser.newContext();
    const page = await openPage(context);
    await page.waitForFunction(() => window.socket.connected);

    expect(await page.evaluate(() => window.socket.request('ping'))).toBe('pong');
    expect(await page.evaluate(() => window.socket.call('echo', { n: 5 }))).toMatchObject({ echo: { n: 5 } });
    // A module the app does not know: its 404 comes back as an error, correlated to the call.
    const failure = await page.evaluate(() => window.socket.call('nope', 1).then(() => null, (e) => e.code));
    expect(failure).toBe('backend_error');

    await page.evaluate(() => {
      window.roomMessages = [];
      return window.socket.subscribe('room:42', (m) => window.roomMessages.push(m));
    });
    await gateway.publish({ channel: 'room:42', room: 'room:42', message: { n: 1 } });
    await page.waitForFunction(() => window.roomMessages.length === 1);

    // Restart the gateway on the same port: the page reconnects by itself and re-joins its room.
    const { port, adminPort } = gateway;
    expect(await gateway.stop()).toBe(0);
    await page.waitForFunction(() => !window.socket.connected);
    gateway = await startGateway([`--port=${port}`, `--admin.port=${adminPort}`, ...appArgs()]);
    await page.waitForFunction(() => window.socket.connected, null, { timeout: 20_000 });
    await expect.poll(async () => {
      await gateway.publish({ channel: 'room:42', room: 'room:42', message: { n: 2 } });
      return page.evaluate(() => window.roomMessages.length);
    }, { timeout: 10_000, interval: 300 }).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(() => window.roomMessages[1])).toEqual({ n: 2 });
    await context.close();
  });
});
