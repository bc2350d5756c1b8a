#!/usr/bin/env node
// Runs every compiled test file (`**/dist/**/*.test.js`) with node's test runner. `--unit` skips the
// cross-package tests in test/. Extra arguments are passed to `node --test`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unit = args.includes('--unit');
const passThrough = args.filter((a) => a !== '--unit');

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js') && p.includes('/dist/')) out.push(relative(root, p));
  }
  return out;
}

const dirs = unit ? ['packages'] : ['packages', 'test'];
const files = dirs.flatMap((d) => walk(join(root, d), [])).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found; did `tsc -b` run?');
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=300000', ...passThrough, ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(res.status ?? 1);
