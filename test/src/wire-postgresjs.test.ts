// postgres.js (npm `postgres`) against `strongroom serve`, over TLS with SCRAM-SHA-256. postgres.js builds
// its row parser from Describe of the prepared statement, and binds parameters by the types the server
// describes: before Describe answered before Execute, every row came back as `{}`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, test } from 'vitest';
import { PASSPHRASE, PASSWORD, startWireServer, USER, type WireFixture } from './wire-helpers.js';

let f: WireFixture;
let sql: postgres.Sql;

beforeAll(async () => {
  f = await startWireServer();
  sql = postgres({
    host: '127.0.0.1',
    port: f.server.port,
    user: USER,
    password: PASSWORD,
    database: 'defaultdb',
    ssl: { ca: readFileSync(f.certPath), servername: 'localhost' },
    onnotice: () => {},
    max: 2,
  });
});
afterAll(async () => {
  await sql.end();
  await f.server.close();
});

test('postgres.js: typed parameters and rows, BACKUP, SHOW BACKUP(S), RESTORE', async () => {
  await sql`CREATE TABLE pj (id INTEGER PRIMARY KEY, n INTEGER, f REAL, b BOOLEAN, s TEXT, raw BLOB, at TIMESTAMP)`;
  const at = new Date('2026-01-02T03:04:05.250Z');
  await sql`INSERT INTO pj VALUES (${1}, ${42}, ${1.5}, ${true}, ${'hé'}, ${Buffer.from([0, 1, 255])}, ${at})`;
  await sql`INSERT INTO pj (id, n, b) VALUES (${2}, ${-7}, ${false})`;
  const rows = await sql`SELECT id, n, f, b, s, raw, at, typeof(n) AS kind FROM pj WHERE n = ${42}`;
  assert.equal(rows.length, 1);
  const r = rows[0]!;
  // int8 arrives as a string in postgres.js (it does not fit a JS number), the rest in their JS types.
  assert.deepEqual(
    { ...r },
    { id: '1', n: '42', f: 1.5, b: true, s: 'hé', raw: Buffer.from([0, 1, 255]), at, kind: 'integer' },
  );
  assert.deepEqual(
    (await sql`SELECT id FROM pj WHERE b = ${false} AND n < ${0}`).map((x) => x.id),
    ['2'],
  );
  const backup = await sql`BACKUP INTO 'nodelocal://1/pj' WITH encryption_passphrase = ${PASSPHRASE}`;
  assert.equal(backup[0]?.status, 'succeeded');
  const backups = await sql`SHOW BACKUPS IN 'nodelocal://1/pj'`;
  assert.equal(backups.length, 1);
  const shown =
    await sql`SHOW BACKUP FROM LATEST IN 'nodelocal://1/pj' WITH encryption_passphrase = ${PASSPHRASE}`;
  assert.equal(shown.find((x) => x.object_name === 'pj')?.rows, '2');
  const restored = await sql`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/pj'
    WITH encryption_passphrase = ${PASSPHRASE}, new_db_name = 'pj_copy'`;
  assert.equal(restored[0]?.status, 'succeeded');
  assert.deepEqual(
    (await sql`SELECT count(*) AS c FROM pj_copy.pj`).map((x) => x.c),
    ['2'],
  );
  const jobs = await sql`SHOW JOBS`;
  assert.ok(jobs.length >= 2);
  assert.ok(jobs.every((j) => j.user_name === USER));
});

test('postgres.js: SQLSTATEs with position, a failed transaction commits nothing, cancel', async () => {
  await sql`CREATE TABLE pj_k (id INTEGER PRIMARY KEY)`;
  await sql`INSERT INTO pj_k VALUES (${1})`;
  await assert.rejects(sql`INSERT INTO pj_k VALUES (${1})`, { code: '23505' });
  await assert.rejects(sql.unsafe('SELECT 1 FROM pj_k WHERE'), { code: '42601', position: '25' });
  await assert.rejects(sql.unsafe('BACKUP INTO'), { code: '42601', position: '12' });
  await assert.rejects(
    sql`SHOW BACKUP FROM LATEST IN 'nodelocal://1/pj' WITH encryption_passphrase = ${'wrong'}`,
    (e: { code?: string }) => e.code !== undefined && !e.code.startsWith('28'),
  );
  await assert.rejects(
    sql.begin(async (tx) => {
      await tx`INSERT INTO pj_k VALUES (${2})`;
      await tx`INSERT INTO pj_k VALUES (${1})`;
    }),
    { code: '23505' },
  );
  assert.deepEqual(
    (await sql`SELECT id FROM pj_k ORDER BY id`).map((x) => x.id),
    ['1'],
  );
  const long = sql.unsafe(
    'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c',
  );
  const started = Date.now();
  const canceled = assert.rejects(long, { code: '57014' });
  await new Promise((r) => setTimeout(r, 300));
  await long.cancel();
  await canceled;
  assert.ok(Date.now() - started < 1800, `cancel took ${Date.now() - started} ms`);
  assert.deepEqual(
    (await sql`SELECT count(*) AS c FROM pj_k`).map((x) => x.c),
    ['1'],
  );
});
