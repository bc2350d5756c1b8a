// The foreign-key rewriting of a table restore (SQLite writes foreign keys inline): which tables a CREATE
// TABLE references, and the statement without the keys to tables that are missing — checked by SQLite.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { describe, it } from 'vitest';
import { dropReferences, referencedTables } from './checks.js';

const ORDERS =
  'CREATE TABLE orders (id INTEGER PRIMARY KEY, ' +
  'customer INTEGER CONSTRAINT fk_c REFERENCES "Customers" (id) ON DELETE CASCADE, ' +
  'item INTEGER REFERENCES [items], note TEXT, ' +
  'CONSTRAINT fk_w FOREIGN KEY (note) REFERENCES `warehouse` (code) DEFERRABLE INITIALLY DEFERRED)';

/** The foreign key targets SQLite itself reads from `createSql`. */
function sqliteForeignKeys(createSql: string): string[] {
  const db = new Database(':memory:');
  try {
    db.exec(createSql);
    const rows = db.prepare('SELECT "table" AS t FROM pragma_foreign_key_list(?)').all('orders') as {
      t: string;
    }[];
    return rows.map((r) => r.t.toLowerCase()).sort();
  } finally {
    db.close();
  }
}

describe('referencedTables', () => {
  it('finds column and table foreign keys, quoted in any of SQLite’s ways, lower-cased', () => {
    assert.deepEqual(referencedTables(ORDERS), ['customers', 'items', 'warehouse']);
    assert.deepEqual(sqliteForeignKeys(ORDERS), ['customers', 'items', 'warehouse']);
    assert.deepEqual(referencedTables('CREATE TABLE t (a INTEGER)'), []);
  });
});

describe('dropReferences', () => {
  it('drops exactly the keys to missing tables, leaving a statement SQLite accepts', () => {
    for (const missing of [['customers'], ['items', 'warehouse'], ['customers', 'items', 'warehouse'], []]) {
      const sql = dropReferences(ORDERS, new Set(missing));
      const kept = ['customers', 'items', 'warehouse'].filter((t) => !missing.includes(t));
      assert.deepEqual(sqliteForeignKeys(sql), kept, sql);
      assert.deepEqual(referencedTables(sql).sort(), kept);
    }
  });
});
