#!/usr/bin/env node
// Runs every compiled test file (`**/dist/**/*.test.js`) with node's test runner. `--unit` skips the
// cross-package tests in test/. Extra arguments are passed to `node --test`.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
// Every test's temporary files (homes, collections, throwaway clusters) go under one directory of this run,
// removed afterwards. World-writable and sticky like /tmp, since clusters run as the postgres user.
const scratch = mkdtempSync(join(tmpdir(), 'strongroom-tests-'));
chmodSync(scratch, 0o1777);
let status = 1;
try {
  const res = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=2', '--test-timeout=300000', ...passThrough, ...files],
    { stdio: 'inherit', cwd: root, env: { ...process.env, TMPDIR: scratch } },
  );
  status = res.status ?? 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
