// `strongroom serve` as a process: --add-user writes a verifier from stdin, the server listens with TLS
// required, a client logs in with SCRAM and runs a statement, and SIGTERM stops it cleanly.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@strongroom/testkit';
import pg from 'pg';
import { test } from 'vitest';
import { makeCertificate } from './wire-helpers.js';

const BIN = join(REPO_ROOT, 'packages/cli/bin/strongroom.js');

test('strongroom serve: add a user, serve over TLS, stop on SIGTERM', async () => {
  const dir = (await import('node:fs')).mkdtempSync(
    join((await import('node:os')).tmpdir(), 'strongroom-serve-'),
  );
  const home = join(dir, 'home');
  const { cert, key } = makeCertificate(dir);
  const add = spawnSync(process.execPath, [BIN, 'serve', '--home', home, '--add-user', 'ops'], {
    input: 'fake-serve-password\n',
    encoding: 'utf8',
  });
  assert.equal(add.status, 0, add.stderr);
  assert.doesNotMatch(readFileSync(join(home, 'users'), 'utf8'), /fake-serve-password/);
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--home',
      home,
      '--listen',
      '127.0.0.1:0',
      '--tls-cert',
      cert,
      '--tls-key',
      key,
      '--require-tls',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on 127\.0\.0\.1:(\d+) \(TLS required\)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
  });
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'ops',
    password: 'fake-serve-password',
    ssl: { ca: readFileSync(cert), servername: 'localhost' },
  });
  await c.connect();
  assert.equal((await c.query("SHOW BACKUPS IN 'nodelocal://1/none'")).rowCount, 0);
  await c.end();
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
