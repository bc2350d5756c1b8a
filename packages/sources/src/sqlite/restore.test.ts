// What only SQLite has: AUTOINCREMENT counters, WITHOUT ROWID, triggers restored after the load. Name
// clashes, failed restores and schema-only restores are in the source conformance suite (testkit).
import assert from 'node:assert/strict';
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
