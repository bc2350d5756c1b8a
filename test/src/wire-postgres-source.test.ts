// `strongroom serve` in front of a PostgreSQL source, with postgres.js, which builds its row parser from
// Describe of the prepared statement and binds parameters by the types the server describes: Describe of
// a forwarded statement is answered by PostgreSQL itself (Parse + Describe, nothing runs), so rows and
// typed parameters come through as they do against PostgreSQL directly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openEngine } from '@strongroom/engine';
import { openSource } from '@strongroom/sources';
import { type PostgresCluster, pgQuery, startPostgresForTests } from '@strongroom/testkit';
import postgres from 'postgres';
import { afterAll, beforeAll, test } from 'vitest';
import { PASSWORD, startWireServer, USER, type WireFixture } from './wire-helpers.js';

let cluster: PostgresCluster | undefined;
let skip: string | undefined;
let f: WireFixture | undefined;
let sql: postgres.Sql | undefined;
let sourceUri = '';

beforeAll(async () => {
  ({ cluster, skip } = await startPostgresForTests());
  if (skip || !cluster) return;
  await pgQuery(cluster, 'postgres', 'CREATE DATABASE wiredesc');
  sourceUri = `postgres://postgres:fake-test-password@127.0.0.1:${cluster.port}/wiredesc`;
  const home = (await import('node:fs')).mkdtempSync(
    `${(await import('node:os')).tmpdir()}/strongroom-pgwire-`,
  );
  f = await startWireServer({
    openEngine: (info) => openEngine({ home, user: info.user, source: sourceUri }),
  });
  sql = postgres({
    host: '127.0.0.1',
    port: f.server.port,
    user: USER,
    password: PASSWORD,
    database: 'wiredesc',
    ssl: { ca: readFileSync(f.certPath), servername: 'localhost' },
    onnotice: () => {},
    max: 2,
  });
});

afterAll(async () => {
  await sql?.end();
  await f?.server.close();
  await cluster?.stop();
});

test('the PostgreSQL source describes a forwarded statement without running it', async (t) => {
  if (skip) return t.skip(skip);
  const source = await openSource(sourceUri, { home: (f as WireFixture).home });
  try {
    await source.execute('CREATE TABLE d (id int8 PRIMARY KEY, v text, at timestamptz)');
    const d = await source.describe?.('INSERT INTO d VALUES ($1, $2, $3) RETURNING id, v');
    assert.deepEqual(d, {
      columns: [
        { name: 'id', type: 'int8' },
        { name: 'v', type: 'text' },
      ],
      paramTypes: ['int8', 'text', 'timestamptz'],
    });
    // Nothing ran: the table is still empty. A statement without rows describes no columns.
    assert.deepEqual((await source.execute('SELECT count(*) FROM d')).rows, [['0']]);
    assert.deepEqual(await source.describe?.('DELETE FROM d WHERE id = $1'), {
      columns: [],
      paramTypes: ['int8'],
    });
    // An error is the server's, with its SQLSTATE.
    await assert.rejects(source.describe?.('SELECT nope FROM d') ?? Promise.resolve(), (e: unknown) => {
      return (e as { sqlstate?: string }).sqlstate === '42703';
    });
    // The session stays usable after a failed Describe.
    assert.deepEqual((await source.execute('SELECT 1 AS one')).rows, [['1']]);
  } finally {
    await source.close();
  }
});

test('postgres.js over the wire server on a PostgreSQL source: typed parameters and rows', async (t) => {
  if (skip) return t.skip(skip);
  const db = sql as postgres.Sql;
  await db`CREATE TABLE pj (id int PRIMARY KEY, n bigint, f float8, b boolean, s text, raw bytea, at timestamptz)`;
  const at = new Date('2026-01-02T03:04:05.250Z');
  await db`INSERT INTO pj VALUES (${1}, ${42}, ${1.5}, ${true}, ${'hé'}, ${Buffer.from([0, 1, 255])}, ${at})`;
  await db`INSERT INTO pj (id, n, b) VALUES (${2}, ${-7}, ${false})`;
  const rows = await db`SELECT id, n, f, b, s, raw, at FROM pj WHERE n = ${42}`;
  assert.equal(rows.length, 1);
  assert.deepEqual(
    { ...rows[0] },
    { id: 1, n: '42', f: 1.5, b: true, s: 'hé', raw: Buffer.from([0, 1, 255]), at },
  );
  assert.deepEqual(
    (await db`SELECT id FROM pj WHERE b = ${false} AND n < ${0}`).map((x) => x.id),
    [2],
  );
});
