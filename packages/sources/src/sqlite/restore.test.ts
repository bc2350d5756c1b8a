import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { backupDatabase, restoreRequest, tempSource } from './test-helpers.js';

const SHOP = [
  'CREATE DATABASE shop',
  'CREATE TABLE shop.orders (id INTEGER PRIMARY KEY AUTOINCREMENT, customer TEXT NOT NULL, total INTEGER)',
  'CREATE TABLE shop.audit (what TEXT)',
  'CREATE TABLE shop.kv (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID',
  'CREATE INDEX shop.orders_customer ON orders (customer)',
  'CREATE VIEW shop.big AS SELECT id, total FROM orders WHERE total > 100',
  "CREATE TRIGGER shop.orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit VALUES ('order ' || new.id); END",
  "INSERT INTO shop.orders (customer, total) VALUES ('ann', 50), ('bob', 150), ('cy', 500), ('dee', 7)",
  'DELETE FROM shop.orders WHERE id = 4',
  "INSERT INTO shop.kv VALUES ('a', x'00'), ('b', x'')",
];

test('indexes, views, triggers and the AUTOINCREMENT counter are restored and work', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    for (const sql of SHOP) await s.execute(sql);
    const backup = await backupDatabase(s, 'shop');
    assert.deepEqual(
      backup.objects.map((o) => `${o.type} ${o.name}`),
      ['index orders_customer', 'view big', 'trigger orders_audit'],
    );
    const kv = backup.tables.find((x) => x.table.name === 'kv')!;
    assert.equal(kv.table.attributes.withoutRowid, true);
    assert.equal(backup.tables.find((x) => x.table.name === 'orders')!.table.attributes.sequence, '4');

    let reported = 0;
    const result = await s.restore({
      ...restoreRequest(backup, 'copy', true, 7),
      onRows: (n) => (reported += n),
    });
    assert.equal(result.rows, 3 + 4 + 2);
    assert.equal(reported, 9);
    assert.deepEqual((await s.execute('SELECT id, total FROM copy.big ORDER BY id')).rows, [
      [2n, 150n],
      [3n, 500n],
    ]);
    const plan = await s.execute("EXPLAIN QUERY PLAN SELECT id FROM copy.orders WHERE customer = 'bob'");
    assert.match(String(plan.rows.map((r) => r.join(' '))), /orders_customer/);
    // The trigger fires, and the counter continues after the deleted id 4, as in the source.
    await s.execute("INSERT INTO copy.orders (customer, total) VALUES ('eve', 1)");
    assert.deepEqual((await s.execute("SELECT id FROM copy.orders WHERE customer = 'eve'")).rows, [[5n]]);
    assert.deepEqual((await s.execute('SELECT what FROM copy.audit WHERE what = ?', ['order 5'])).rows, [
      ['order 5'],
    ]);
    const blobs = await s.execute('SELECT k, typeof(v), length(v) FROM copy.kv ORDER BY k');
    assert.deepEqual(blobs.rows, [
      ['a', 'blob', 1n],
      ['b', 'blob', 0n],
    ]);
  } finally {
    await t.dispose();
  }
});

test('restore never touches an existing table: a name clash fails before anything is written', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    for (const sql of SHOP) await s.execute(sql);
    const backup = await backupDatabase(s, 'shop');
    await s.execute('CREATE DATABASE target');
    await s.execute('CREATE TABLE target.kv (x)');
    await s.execute('INSERT INTO target.kv VALUES (1)');
    await assert.rejects(s.restore(restoreRequest(backup, 'target', false)), {
      code: 'TARGET_EXISTS',
      message: /kv/,
    });
    assert.deepEqual((await s.execute('SELECT name FROM target.sqlite_master')).rows, [['kv']]);
    assert.deepEqual((await s.execute('SELECT x FROM target.kv')).rows, [[1n]]);
    // A clash on a view name counts too.
    await s.execute('DROP TABLE target.kv');
    await s.execute('CREATE VIEW target.big AS SELECT 1');
    await assert.rejects(s.restore(restoreRequest(backup, 'target', false)), {
      code: 'TARGET_EXISTS',
      message: /big/,
    });
    assert.deepEqual((await s.execute('SELECT name FROM target.sqlite_master')).rows, [['big']]);
    // Into an existing database without clashes it works, and the session sees the result.
    await s.execute('DROP VIEW target.big');
    assert.equal((await s.restore(restoreRequest(backup, 'target', false))).rows, 9);
    assert.deepEqual((await s.execute('SELECT count(*) FROM target.orders')).rows, [[3n]]);
    await assert.rejects(s.restore(restoreRequest(backup, 'shop', true)), { code: 'TARGET_EXISTS' });
    await assert.rejects(s.restore(restoreRequest(backup, 'nowhere', false)), { code: 'DATABASE_NOT_FOUND' });
  } finally {
    await t.dispose();
  }
});

test('a failed restore rolls back and leaves no new database file', async () => {
  const t = await tempSource();
  try {
    const s = t.source;
    for (const sql of SHOP) await s.execute(sql);
    const backup = await backupDatabase(s, 'shop');
    const broken = {
      ...backup,
      objects: [
        ...backup.objects,
        { type: 'view' as const, name: 'bad', table: '', sql: 'CREATE VIEW bad AS SELEC 1' },
      ],
    };
    await assert.rejects(s.restore(restoreRequest(broken, 'fresh', true)), { code: 'SOURCE_ERROR' });
    assert.ok(!existsSync(join(t.dir, 'fresh.db')));
    assert.deepEqual(await s.listDatabases(), ['defaultdb', 'shop']);

    const truncated = {
      ...backup,
      tables: backup.tables.map((x) => ({ ...x, chunks: [Buffer.concat(x.chunks).subarray(0, 10)] })),
    };
    await assert.rejects(s.restore(restoreRequest(truncated, 'fresh', true)), { code: 'CORRUPTED' });
    assert.ok(!existsSync(join(t.dir, 'fresh.db')));

    // Into an existing database, a failure leaves it as it was.
    await s.execute('CREATE DATABASE kept');
    await assert.rejects(s.restore(restoreRequest(broken, 'kept', false)), { code: 'SOURCE_ERROR' });
    assert.deepEqual((await s.execute('SELECT count(*) FROM kept.sqlite_master')).rows, [[0n]]);

    const schemaOnly = await s.restore({ ...restoreRequest(backup, 'empty', true), schemaOnly: true });
    assert.equal(schemaOnly.rows, 0);
    assert.deepEqual((await s.execute('SELECT count(*) FROM empty.orders')).rows, [[0n]]);
  } finally {
    await t.dispose();
  }
});
