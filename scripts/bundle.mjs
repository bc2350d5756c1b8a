#!/usr/bin/env node
// Bundles the CLI for start-up speed: packages/cli/bundle/ holds the CLI and the entries it starts as
// threads or processes (decode-worker.js, compress-worker.js, session-host.js), with the @strongroom
// packages' compiled dist/ code inlined and shared chunks split out; npm packages stay external, loaded
// from node_modules as before. Loading a dozen files instead of a few hundred modules takes ~80 ms off
// every CLI start (and off each worker's), which a 1 GB restore notices (bench/sqlite.mjs).
// Run after `tsc -b` (npm run build does both); bin/strongroom.js falls back to dist/ while the bundle is
// missing or older than a compiled package.
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}packages/cli/bundle`;
// Built beside and swapped in whole: a command starting meanwhile finds the old bundle, none (and runs
// dist/), or the new one, never files half-written.
const outdir = `${target}.new-${process.pid}`;
const old = `${target}.old-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    strongroom: 'packages/cli/dist/index.js',
    // Loaded by file name next to the module that starts them (compiledEntry): the names must match.
    'decode-worker': 'packages/engine/dist/pipeline/decode-worker.js',
    'compress-worker': 'packages/engine/dist/pipeline/compress-worker.js',
    'session-host': 'packages/sources/dist/sqlite/session-host.js',
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  keepNames: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [
    {
      name: 'npm-packages-external',
      setup(b) {
        // Bare specifiers other than our own packages (and node: builtins) are left to node_modules.
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('node:') || args.path.startsWith('@strongroom/')
            ? undefined
            : { path: args.path, external: true },
        );
      },
    },
  ],
});
try {
  renameSync(target, old);
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
renameSync(outdir, target);
rmSync(old, { recursive: true, force: true });
