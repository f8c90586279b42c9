// Builds dist/: the ESM module, and the classic-script build (plain and minified) that
// the gateway serves as /client.js. dist/ is committed, so the gateway needs no Node;
// test/dist.test.js fails when it is stale.
import { build as esbuild } from 'esbuild';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const { version, license } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

const common = {
  bundle: true,
  target: 'es2022', // private fields and ??=, as the Trongate client already required
  banner: { js: `/*! switchboard-client ${version} | ${license} */` },
  legalComments: 'none',
  logLevel: 'warning',
};

export async function build(outdir) {
  await Promise.all([
    esbuild({ ...common, entryPoints: [`${root}src/switchboard.js`], format: 'esm', outfile: `${outdir}/switchboard.mjs` }),
    esbuild({ ...common, entryPoints: [`${root}src/global.js`], format: 'iife', outfile: `${outdir}/switchboard.js` }),
    esbuild({ ...common, entryPoints: [`${root}src/global.js`], format: 'iife', minify: true, outfile: `${outdir}/switchboard.min.js` }),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build(`${root}dist`);
