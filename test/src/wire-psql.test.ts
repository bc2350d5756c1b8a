// psql 15 against `strongroom serve` over TLS + SCRAM-SHA-256: the scenario of the driver tests with psql's
// own means (literals, the passphrase as a psql variable fed through a script, as psql substitutes
// variables in scripts and stdin but not in -c), its meta-commands \dt, \d, \l, \dn (answered) and \du
// (a clear "not supported"), and cancel by SIGINT, which psql turns into a CancelRequest.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unavailable } from '@strongroom/testkit';
import { afterAll, beforeAll, test } from 'vitest';
import { PASSPHRASE, PASSWORD, startWireServer, USER, type WireFixture } from './wire-helpers.js';

const run = promisify(execFile);
let f: WireFixture;

beforeAll(async () => {
  f = await startWireServer();
});
afterAll(async () => {
  await f.server.close();
});

const hasPsql = (): boolean => (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, 'psql')));
const conn = (): string =>
  `host=localhost port=${f.server.port} user=${USER} dbname=defaultdb sslmode=verify-full sslrootcert=${f.certPath}`;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, PGPASSWORD: PASSWORD, PGCONNECT_TIMEOUT: '10' });

test('psql: scenario, meta-commands and cancel', async (t) => {
  if (!hasPsql()) return t.skip(unavailable('psql', 'not on PATH (scripts/setup/pg-clients.sh)'));
  const script = join(f.dir, 'scenario.sql');
  writeFileSync(
    script,
    [
      'CREATE TABLE pq (id INTEGER PRIMARY KEY, n INTEGER, f REAL, b BOOLEAN, s TEXT, raw BLOB, at TIMESTAMP);',
      "INSERT INTO pq VALUES (1, 42, 1.5, true, 'hé', X'0001ff', '2026-01-02 03:04:05.25+00'), (2, -7, 0.25, false, 'two', X'', '2026-01-02 03:04:05.25+00');",
      'SELECT id, n, f, b, s, raw, at FROM pq WHERE n = 42;',
      "BACKUP INTO 'nodelocal://1/psql' WITH encryption_passphrase = :'pw';",
      "SHOW BACKUPS IN 'nodelocal://1/psql';",
      "SHOW BACKUP FROM LATEST IN 'nodelocal://1/psql' WITH encryption_passphrase = :'pw';",
      "RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/psql' WITH encryption_passphrase = :'pw', new_db_name = 'pq_copy';",
      'SELECT count(*) FROM pq_copy.pq;',
      '\\set VERBOSITY verbose',
      'SELECT 1 FROM pq WHERE;',
      'INSERT INTO pq (id) VALUES (1);',
      'BEGIN;',
      'INSERT INTO pq (id) VALUES (3);',
      'INSERT INTO pq (id) VALUES (1);',
      'COMMIT;',
      'SELECT count(*) AS after FROM pq;',
      '\\dt',
      '\\l',
      '\\dn',
      '\\du',
      '',
    ].join('\n'),
  );
  const r = await run('psql', [conn(), '-X', '--csv', '-v', `pw=${PASSPHRASE}`, '-f', script], {
    env: env(),
  }).catch((e: { stdout: string; stderr: string }) => e);
  const out = r.stdout;
  assert.match(out, /^id,n,f,b,s,raw,at\n1,42,1\.5,t,hé,\\x0001ff,2026-01-02 03:04:05\.25\+00$/m);
  assert.match(out, /^job_id,status,fraction_completed,rows\n\d+,succeeded,1,2$/m);
  assert.match(out, /^path\n\/\d{4}\/\d\d\/\d\d-\d{6}\.\d\d$/m);
  assert.match(out, /^defaultdb,public,pq,table,full,,[^,]+,\d+,2,/m);
  // SQLite names an unaliased expression by its text.
  assert.match(out, /^count\(\*\)\n2$/m);
  assert.match(r.stderr, /ERROR: {2}42601: near "WHERE"|ERROR: {2}42601: incomplete input/);
  assert.match(r.stderr, /LINE 1: SELECT 1 FROM pq WHERE;\n {22,}\^/);
  assert.match(r.stderr, /ERROR: {2}23505: UNIQUE constraint failed: pq\.id/);
  // COMMIT of a failed transaction rolls it back, as PostgreSQL does.
  assert.match(out, /^INSERT 0 1\nROLLBACK$/m);
  assert.match(out, /^after\n2$/m);
  assert.match(out, /^Schema,Name,Type,Owner\nmain,pq,table,$/m);
  assert.match(out, /^Name,Owner,Encoding,Collate,Ctype,Access privileges\ndefaultdb,.*\npq_copy,/m);
  assert.match(out, /^Name,Owner\nmain,$/m);
  assert.match(r.stderr, /0A000: PostgreSQL catalog queries are not supported with a SQLite source/);
  assert.doesNotMatch(out + r.stderr, new RegExp(PASSPHRASE));

  // SIGINT makes psql send CancelRequest for the running statement.
  const child = spawn(
    'psql',
    [
      conn(),
      '-X',
      '-c',
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c',
    ],
    { env: env() },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const t0 = Date.now();
  child.kill('SIGINT');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(Date.now() - t0 < 1500, `psql ended ${Date.now() - t0} ms after SIGINT`);
  assert.match(stderr, /canceling statement due to user request/);
});

test('the README psql example runs as written', async (t) => {
  if (!hasPsql()) return t.skip(unavailable('psql', 'not on PATH (scripts/setup/pg-clients.sh)'));
  const readme = (await import('node:fs')).readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const block = /<!-- psql-example -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a psql example block');
  const r = await run('bash', ['-c', block], {
    env: {
      ...env(),
      PGHOST: 'localhost',
      PGPORT: String(f.server.port),
      PGUSER: USER,
      PGDATABASE: 'defaultdb',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: f.certPath,
      STRONGROOM_PASSPHRASE: PASSPHRASE,
    },
  });
  assert.match(r.stdout, /succeeded/);
  assert.match(r.stdout, /\/\d{4}\/\d\d\/\d\d-\d{6}\.\d\d/);
});
