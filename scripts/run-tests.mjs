#!/usr/bin/env node
// Runs the suite with vitest (`vitest run`), every test's temporary files under one scratch directory of this
// run, removed afterwards. `--unit` runs only the packages' own tests (not the cross-package tests in test/).
// Other arguments go to vitest: file filters (`node scripts/run-tests.mjs wire-`), `-t <name pattern>`,
// `--coverage`.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const unit = args.includes('--unit');
const passThrough = args.filter((a) => a !== '--unit');

// World-writable and sticky like /tmp, since throwaway PostgreSQL clusters run as the postgres user.
const scratch = mkdtempSync(join(tmpdir(), 'strongroom-tests-'));
chmodSync(scratch, 0o1777);
let status = 1;
try {
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const res = spawnSync(process.execPath, [vitest, 'run', ...(unit ? ['packages/'] : []), ...passThrough], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, TMPDIR: scratch },
  });
  status = res.status ?? 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
