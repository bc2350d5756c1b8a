import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { openSource } from '../registry.js';
import type { ResultValue } from '../types.js';
import { tempSource } from './test-helpers.js';

const LONG_QUERY =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000000) SELECT count(*) FROM c';

test('a long statement runs off the event loop and an aborted signal cancels it within a second', async () => {
  const t = await tempSource();
  try {
    await t.source.execute('CREATE TABLE kept (x INTEGER)');
    const controller = new AbortController();
    const started = Date.now();
    const running = t.source.execute(LONG_QUERY, [], { signal: controller.signal });
    // The event loop stays free: timers fire on time while SQLite works.
    const tick = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(Date.now() - tick < 600, 'the event loop was blocked');
    const abortedAt = Date.now();
    controller.abort();
    await assert.rejects(running, { code: 'CANCELED', sqlstate: '57014' });
    assert.ok(Date.now() - abortedAt < 1000, `cancel took ${Date.now() - abortedAt} ms`);
    assert.ok(Date.now() - started < 5000);
    // The session goes on with a new connection: the schema is still there.
    assert.deepEqual((await t.source.execute('SELECT count(*) FROM kept')).rows, [[0n]]);
  } finally {
    await t.dispose();
  }
});

test('stream hands rows on in batches and stops reading when the consumer is slow', async () => {
  const t = await tempSource();
  try {
    const stream = t.source.stream;
    assert.ok(stream);
    let batches = 0;
    let rows = 0;
    let columns: readonly { name: string; type: string }[] = [];
    const tag = await stream.call(
      t.source,
      'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000) SELECT x, x * 0.5 AS h FROM c',
      [],
      {
        columns: (c) => {
          columns = c;
        },
        rows: async (batch: readonly (readonly ResultValue[])[]) => {
          batches++;
          rows += batch.length;
          assert.ok(batch.length <= 256);
          await new Promise((r) => setImmediate(r));
        },
      },
    );
    assert.equal(tag, 'SELECT 5000');
    assert.equal(rows, 5000);
    assert.ok(batches >= 5000 / 256);
    assert.deepEqual(columns, [
      { name: 'x', type: 'int8' },
      { name: 'h', type: 'float8' },
    ]);
  } finally {
    await t.dispose();
  }
});

test('30 databases in one directory are all usable, and defaultdb names the main database (#16, #17)', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    for (let i = 0; i < 30; i++) {
      await s.execute(`CREATE DATABASE db${i}`);
      await s.execute(`CREATE TABLE db${i}.t (n INTEGER)`);
      await s.execute(`INSERT INTO db${i}.t VALUES (${i})`);
    }
    for (let i = 29; i >= 0; i--) {
      assert.deepEqual((await s.execute(`SELECT n FROM db${i}.t`)).rows, [[BigInt(i)]]);
    }
    // One statement over 3 databases, after the least recently used were detached.
    const sum = await s.execute(
      'SELECT (SELECT n FROM db1.t) + (SELECT n FROM db15.t) + (SELECT n FROM db29.t)',
    );
    assert.deepEqual(sum.rows, [[45n]]);
    assert.equal((await s.listDatabases()).length, 31);
    await s.execute('CREATE TABLE main_t (v TEXT)');
    await s.execute("INSERT INTO defaultdb.main_t VALUES ('m')");
    assert.deepEqual((await s.execute('SELECT v FROM "defaultdb" . main_t')).rows, [['m']]);
    // An incomplete statement after the alias is reported at the end of the text as written.
    await assert.rejects(s.execute('SELECT * FROM defaultdb.main_t WHERE'), {
      sqlstate: '42601',
      position: { offset: 36, line: 1, column: 37 },
    });
  } finally {
    await t.dispose();
  }
});

test('SQLite errors carry PostgreSQL SQLSTATEs', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    await s.execute(
      'CREATE TABLE p (id INTEGER PRIMARY KEY, u TEXT UNIQUE, nn TEXT NOT NULL DEFAULT 1, c INTEGER CHECK (c > 0))',
    );
    await s.execute('CREATE TABLE ch (pid INTEGER REFERENCES p (id))');
    await s.execute("INSERT INTO p (id, u) VALUES (1, 'a')");
    await s.execute('PRAGMA foreign_keys = ON');
    await assert.rejects(s.execute("INSERT INTO p (id, u) VALUES (2, 'a')"), { sqlstate: '23505' });
    await assert.rejects(s.execute('INSERT INTO p (id) VALUES (1)'), { sqlstate: '23505' });
    await assert.rejects(s.execute('INSERT INTO ch VALUES (9)'), { sqlstate: '23503' });
    await assert.rejects(s.execute('INSERT INTO p (id, nn) VALUES (3, NULL)'), { sqlstate: '23502' });
    await assert.rejects(s.execute('INSERT INTO p (id, c) VALUES (4, 0)'), { sqlstate: '23514' });
    await assert.rejects(s.execute('SELECT * FROM nothere'), { sqlstate: '42P01' });
    await assert.rejects(s.execute('SELECT nocol FROM p'), { sqlstate: '42703' });
    await assert.rejects(s.execute('SELEC 1'), {
      sqlstate: '42601',
      position: { offset: 0, line: 1, column: 1 },
    });
  } finally {
    await t.dispose();
  }
});

test('a source directory that does not exist is an error, not a new database (#16)', async () => {
  const home = mkdtempSync(join(tmpdir(), 'strongroom-home-'));
  try {
    await assert.rejects(openSource(`sqlite://${home}/missing/`, { home }), { code: 'DATABASE_NOT_FOUND' });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
