import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'vitest';
import { openDatabase, type SqliteDatabase } from './driver.js';
import { backupDatabase, restoreRequest, tempSource } from './test-helpers.js';

const MAX = 2n ** 63n - 1n;
const value = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: -MAX - 1n, max: MAX }),
  fc.constantFrom(MAX, -MAX - 1n, 2n ** 53n + 1n, 0n),
  fc.double(),
  fc.constantFrom(-0, 5, 0.5, Number.POSITIVE_INFINITY),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '\0', 'a\0b', '😀𝄞'),
  fc.uint8Array({ maxLength: 20 }),
  fc.constant(new Uint8Array(0)),
);
const declared = fc.constantFrom('', 'INTEGER', 'TEXT', 'BLOB', 'REAL', 'NUMERIC', 'ANY');

interface TableSpec {
  withoutRowid: boolean;
  types: string[];
  keys: (bigint | string)[];
  rows: unknown[][];
  index: boolean;
}

const tableSpec: fc.Arbitrary<TableSpec> = fc
  .record({
    withoutRowid: fc.boolean(),
    textKeys: fc.boolean(),
    types: fc.array(declared, { minLength: 1, maxLength: 4 }),
    count: fc.nat({ max: 30 }),
    index: fc.boolean(),
  })
  .chain((s) =>
    fc.record({
      withoutRowid: fc.constant(s.withoutRowid),
      types: fc.constant(s.types),
      index: fc.constant(s.index),
      // Rowids (or WITHOUT ROWID keys) anywhere in the int64 range: gaps everywhere.
      keys:
        s.textKeys && s.withoutRowid
          ? fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 8 }), {
              minLength: s.count,
              maxLength: s.count,
            })
          : fc.uniqueArray(fc.bigInt({ min: -MAX - 1n, max: MAX }), {
              minLength: s.count,
              maxLength: s.count,
            }),
      rows: fc.array(fc.array(value, { minLength: s.types.length, maxLength: s.types.length }), {
        minLength: s.count,
        maxLength: s.count,
      }),
    }),
  );

function populate(db: SqliteDatabase, tables: TableSpec[]): void {
  tables.forEach((t, i) => {
    const cols = t.types.map((type, j) => `c${j} ${type}`);
    const keyType = typeof t.keys[0] === 'string' ? 'TEXT' : 'INTEGER';
    db.exec(
      t.withoutRowid
        ? `CREATE TABLE t${i} (k ${keyType} PRIMARY KEY, ${cols.join(', ')}) WITHOUT ROWID`
        : `CREATE TABLE t${i} (${cols.join(', ')})`,
    );
    if (t.index) db.exec(`CREATE INDEX t${i}_c0 ON t${i} (c0)`);
    const marks = t.types.map(() => '?').join(', ');
    const insert = db.prepare(
      t.withoutRowid
        ? `INSERT INTO t${i} VALUES (?, ${marks})`
        : `INSERT INTO t${i} (rowid, ${t.types.map((_, j) => `c${j}`).join(', ')}) VALUES (?, ${marks})`,
    );
    t.rows.forEach((row, r) => {
      insert.run(t.keys[r], ...row);
    });
  });
  if (tables.length > 0) db.exec('CREATE VIEW v AS SELECT * FROM t0');
}

function dump(db: SqliteDatabase): unknown {
  const master = db
    .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name')
    .raw(true)
    .all();
  const data = (master as string[][])
    .filter(([type]) => type === 'table')
    .map(([, name]) => {
      const wr = db.prepare('SELECT wr FROM pragma_table_list WHERE name = ?').pluck().get(name) === 1n;
      const sql = wr ? `SELECT * FROM "${name}" ORDER BY 1` : `SELECT rowid, * FROM "${name}" ORDER BY rowid`;
      const rows = db.prepare(sql).raw(true).all();
      return [
        name,
        rows,
        rows.map((r) => (r as unknown[]).map((v) => (v instanceof Uint8Array ? 'blob' : typeof v))),
      ];
    });
  return { master, data };
}

test('backup then restore into a new database is exact (random schemas and values)', async () => {
  const t = await tempSource();
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tableSpec, { minLength: 1, maxLength: 3 }),
        fc.nat({ max: 64 }),
        async (tables, chunk) => {
          n++;
          await t.source.execute(`CREATE DATABASE src${n}`);
          const src = openDatabase(join(t.dir, `src${n}.db`));
          const dst = () => openDatabase(join(t.dir, `dst${n}.db`), { fileMustExist: true });
          try {
            populate(src, tables);
            const backup = await backupDatabase(t.source, `src${n}`);
            const restored = await t.source.restore(restoreRequest(backup, `dst${n}`, true, chunk));
            assert.equal(
              restored.rows,
              tables.reduce((sum, x) => sum + x.rows.length, 0),
            );
            const copy = dst();
            try {
              assert.deepStrictEqual(dump(copy), dump(src));
            } finally {
              copy.close();
            }
          } finally {
            src.close();
            await t.source.execute(`DROP DATABASE IF EXISTS src${n}`);
            await t.source.execute(`DROP DATABASE IF EXISTS dst${n}`);
          }
        },
      ),
      { numRuns: 40 },
    );
  } finally {
    await t.dispose();
  }
});
