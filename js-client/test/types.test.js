// index.d.ts and global.d.ts must compile under strict TypeScript against documented usage.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('types/tsconfig.json', import.meta.url));

it('type declarations compile against test/types/usage.ts', async () => {
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', project]).catch((e) => e);
  expect(result.stdout).toBe('');
}, 30_000);
