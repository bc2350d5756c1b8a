// One test per PostgreSQL driver against `strongroom serve`, each over TLS with SCRAM-SHA-256, each
// running the same scenario (test/clients/*): passthrough DDL, DML and SELECT with typed parameters
// (integer, float, bool, text, bytes, timestamp), BACKUP with the passphrase as a parameter, SHOW BACKUPS,
// SHOW BACKUP with a parameter, RESTORE, a syntax error (SQLSTATE and position), a duplicate key (23505),
// a batch or transaction failing halfway (nothing committed), and cancel. The client programs print one
// `key value` line per check. They are installed or built by scripts/setup/pg-drivers.sh; with CI=true a
// missing one fails instead of skipping. psql, node-postgres and postgres.js have tests of their own
// (wire-clients.test.ts, wire-psql.test.ts, wire-postgresjs.test.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, unavailable } from '@strongroom/testkit';
import { afterAll, beforeAll, test } from 'vitest';
import { PASSPHRASE, PASSWORD, startWireServer, type WireFixture } from './wire-helpers.js';

const run = promisify(execFile);
let f: WireFixture;

beforeAll(async () => {
  f = await startWireServer();
});
afterAll(async () => {
  await f.server.close();
});

const PYTHON = join(REPO_ROOT, '.tools/pydrivers/bin/python');
const CLIENTS = join(REPO_ROOT, 'test/clients');

/** Runs a client program with (port, [mode,] password, passphrase, CA file) and returns its lines. */
async function scenario(command: string, args: readonly string[]): Promise<string[]> {
  const r = await run(command, [...args, PASSWORD, PASSPHRASE, f.certPath], { timeout: 120_000 });
  assert.doesNotMatch(r.stdout, new RegExp(PASSPHRASE));
  return r.stdout.trim().split('\n');
}

/** What every client prints; `position` is just past `SELECT 1 FROM <table> WHERE` (1-based: end of input). */
function expected(
  table: string,
  position: number,
  extra: { duplicate: string; batch: string; cancel: string },
) {
  return [
    /^row 1 42 1\.5 [Tt]rue hé \[0,? 1,? 255\] [Tt]rue$/,
    /^backup succeeded$/,
    /^backups 1$/,
    new RegExp(`^shown ${table} 2$`),
    /^restore succeeded 2$/,
    new RegExp(`^syntax 42601 ${position}$`),
    new RegExp(`^duplicate ${extra.duplicate}$`),
    new RegExp(`^batch ${extra.batch}$`),
    new RegExp(`^cancel ${extra.cancel}$`),
    /^after 2$/,
  ];
}

function check(lines: readonly string[], patterns: readonly RegExp[]): void {
  const got = lines.filter((l) => !/^version /.test(l));
  assert.equal(got.length, patterns.length, got.join('\n'));
  for (const [i, p] of patterns.entries()) assert.match(got[i]!, p);
}

function python(name: string): (t: { skip(m: string): void }) => Promise<void> {
  return async (t) => {
    if (!existsSync(PYTHON))
      return t.skip(unavailable('Python drivers', `${PYTHON} missing (scripts/setup/pg-drivers.sh)`));
    const table = { asyncpg_client: 'ap', sqlalchemy_client: 'sa', psycopg_client: 'pg3' }[name] ?? name;
    const lines = await scenario(PYTHON, [join(CLIENTS, 'python', `${name}.py`), String(f.server.port)]);
    const extra =
      name === 'asyncpg_client'
        ? { duplicate: '23505', batch: '23505 2', cancel: 'timeout True' }
        : name === 'sqlalchemy_client'
          ? { duplicate: '23505 True', batch: '23505 2', cancel: '57014 True' }
          : { duplicate: '23505', batch: '23505 2', cancel: '57014 True' };
    if (name === 'sqlalchemy_client') assert.equal(lines[0], 'version 16');
    check(lines, expected(table, 21 + table.length, extra));
  };
}

test(
  'asyncpg: prepared statements, binary formats, executemany failing halfway, timeout cancel',
  python('asyncpg_client'),
);
test(
  'SQLAlchemy 2 + psycopg2: connect-time queries, client-side parameters, transaction, cancel',
  python('sqlalchemy_client'),
);
test(
  'psycopg 3: server-side binding, prepared statements, pipeline failing halfway, cancel',
  python('psycopg_client'),
);

for (const mode of ['cache', 'simple']) {
  test(`pgx v5 (${mode === 'cache' ? 'default cache-statement mode' : 'simple protocol'}): typed parameters, SendBatch, cancel`, async (t) => {
    const bin = join(REPO_ROOT, '.tools/wire-clients/pgx');
    if (!existsSync(bin))
      return t.skip(unavailable('pgx client', `${bin} missing (scripts/setup/pg-drivers.sh)`));
    const table = `go_${mode}`;
    const lines = await scenario(bin, [String(f.server.port), mode]);
    check(
      lines,
      expected(table, 21 + table.length, { duplicate: '23505 0', batch: '23505 0 2', cancel: 'true true' }),
    );
  });
}

test('tokio-postgres: prepare, typed parameters, transaction, cancel token', async (t) => {
  const bin = join(REPO_ROOT, '.tools/cargo-target/debug/strongroom-wire-tokio-postgres');
  if (!existsSync(bin))
    return t.skip(unavailable('tokio-postgres client', `${bin} missing (scripts/setup/pg-drivers.sh)`));
  const lines = await scenario(bin, [String(f.server.port)]);
  check(lines, expected('rt', 23, { duplicate: '23505', batch: '23505 2', cancel: '57014 true' }));
});

test('pgJDBC with its default settings (named statements from the fifth run): batch, cancel', async (t) => {
  const jar = join(REPO_ROOT, '.tools/pgjdbc/postgresql.jar');
  if (!existsSync(jar)) return t.skip(unavailable('pgJDBC', `${jar} missing (scripts/setup/pg-clients.sh)`));
  const classes = join(f.dir, 'jdbc');
  await run('javac', ['-cp', jar, '-d', classes, join(CLIENTS, 'pgjdbc', 'WireClient.java')]);
  const lines = await scenario('java', ['-cp', `${jar}:${classes}`, 'WireClient', String(f.server.port)]);
  check(lines, expected('jt', 23, { duplicate: '23505', batch: '23505 2', cancel: '57014 true' }));
});
