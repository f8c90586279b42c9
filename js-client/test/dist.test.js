// dist/ is committed (the gateway serves dist/switchboard.min.js as /client.js without
// Node), so it must match src/, stay small, and work as a classic script.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { build } from '../build.mjs';
import * as source from '../src/switchboard.js';

const dist = new URL('../dist/', import.meta.url);

describe('dist', () => {
  it('is what `npm run build` makes of src/ (run it and commit dist/ if this fails)', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'switchboard-dist-'));
    try {
      await build(fresh);
      const names = (await readdir(fresh)).sort();
      expect((await readdir(dist)).sort()).toEqual(names);
      for (const name of names) {
        expect(await readFile(new URL(name, dist), 'utf8'), name).toBe(await readFile(join(fresh, name), 'utf8'));
      }
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('switchboard.min.js stays under 5 KB gzipped', async () => {
    const size = gzipSync(await readFile(new URL('switchboard.min.js', dist)), { level: 9 }).length;
    expect(size).toBeLessThan(5120);
  });

  it.each(['switchboard.js', 'switchboard.min.js'])('%s defines the global Socket as a classic script', async (name) => {
    const code = await readFile(new URL(name, dist), 'utf8');
    const opened = [];
    class FakeWebSocket {
      constructor(url) {
        opened.push(url);
      }
    }
    const page = { URL, Event, crypto, setTimeout, clearTimeout, queueMicrotask, console };
    Object.assign(page, { WebSocket: FakeWebSocket, location: { href: 'https://app.test/chat' } });
    runInNewContext(code, page);
    const socket = new page.Socket('/ws?trongateToken=t');
    expect(opened).toEqual([socket.url]);
    expect(socket.url).toMatch(/^wss:\/\/app\.test\/ws\?trongateToken=t&fingerprint=[0-9a-f]{32}$/);
    expect(Object.keys(page)).toContain('Socket');
  });

  it('switchboard.mjs exports Socket as named and default export', async () => {
    const module = await import('../dist/switchboard.mjs');
    expect(module.default).toBe(module.Socket);
    expect(Object.getOwnPropertyNames(module.Socket.prototype).sort()).toEqual(
      Object.getOwnPropertyNames(source.Socket.prototype).sort(),
    );
    expect(source.default).toBe(source.Socket);
  });
});
