import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'vitest';
import { openDatabase } from './driver.js';
import { DATABASE_OWNER, PageMap } from './page-map.js';
import { tempSource } from './test-helpers.js';

/** A database with every kind of page: overflow in tables and index keys, WITHOUT ROWID, a freelist. */
function build(file: string): void {
  const db = openDatabase(file);
  db.exec(`
    CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, b BLOB);
    CREATE INDEX t_s ON t (s);
    CREATE TABLE w (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID;
    CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT, x);
    CREATE TABLE gone (x BLOB);
    CREATE VIRTUAL TABLE vt USING dbstat;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
      INSERT INTO t SELECT i, printf('%0*d', 1 + (i * 37) % 9000, i), randomblob((i * 131) % 20000) FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
      INSERT INTO w SELECT printf('%0*d', 5 + (i * 53) % 6000, i), randomblob(i % 9000) FROM n;
    INSERT INTO seq (x) VALUES (1), (2);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
      INSERT INTO gone SELECT randomblob(5000) FROM n;
    DELETE FROM gone;
  `);
  db.close();
}

test('the b-tree walk finds the pages dbstat names, and the rows of each table', async () => {
  const t = await tempSource();
  try {
    const file = join(t.dir, 'pages.db');
    build(file);
    const db = openDatabase(file, { readonly: true });
    try {
      db.exec('BEGIN');
      const tables = [
        { name: 't', withoutRowid: false },
        { name: 'w', withoutRowid: true },
        { name: 'seq', withoutRowid: false },
        { name: 'gone', withoutRowid: false },
      ];
      const map = PageMap.read(db, file, tables);
      const owners = new Map([
        ['t', 1],
        ['t_s', 1],
        ['w', 2],
        ['sqlite_autoindex_w_1', 2],
        ['seq', 3],
        ['gone', 4],
      ]);
      const expected = new Map<number, number>();
      for (const [name, page] of db
        .prepare("SELECT name, pageno FROM dbstat('main')")
        .raw(true)
        .safeIntegers(false)
        .all() as [string, number][])
        expected.set(page, owners.get(name) ?? DATABASE_OWNER);
      let free = 0;
      for (let p = 1; p <= map.pageCount; p++) {
        assert.equal(map.ownerOfPage(p), expected.get(p) ?? DATABASE_OWNER, `page ${p}`);
        if (!expected.has(p)) free++;
      }
      assert.ok(free >= 100, `freelist pages belong to the database (${free})`);
      const overflowing = db
        .prepare(
          "SELECT count(*) FROM dbstat('main') WHERE pagetype = 'overflow' AND name IN ('t', 't_s', 'w')",
        )
        .pluck()
        .get() as bigint;
      assert.ok(overflowing > 100n, 'tables and index keys spill into overflow pages');
      for (const [i, table] of tables.entries()) {
        let rows = 0;
        for (let p = 1; p <= map.pageCount; p++) if (map.ownerOfPage(p) === i + 1) rows += map.rowsOnPage(p);
        const count = db.prepare(`SELECT count(*) FROM ${table.name}`).pluck().get() as bigint;
        assert.equal(BigInt(rows), count, `rows of ${table.name}`);
      }
    } finally {
      db.close();
    }
  } finally {
    await t.dispose();
  }
});

/** The page numbers a span's page runs hold, each run checked to be whole. */
async function pagesOfSpan(
  map: PageMap,
  file: string,
  owner: number,
  lo: string | null,
  hi: string | null,
): Promise<number[]> {
  const seen: number[] = [];
  for await (const c of map.read(file, owner, { lo, hi })) {
    const first = Buffer.from(c.data).readUInt32BE(0);
    const count = Buffer.from(c.data).readUInt32BE(4);
    assert.equal(c.data.length, 8 + count * map.pageSize);
    for (let p = first; p < first + count; p++) seen.push(p);
  }
  return seen;
}

test('page windows: every page of an owner lies in exactly one of its spans', async () => {
  const t = await tempSource();
  try {
    const file = join(t.dir, 'pages.db');
    build(file);
    const db = openDatabase(file, { readonly: true });
    try {
      db.exec('BEGIN');
      const map = PageMap.read(db, file, [{ name: 't', withoutRowid: false }]);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(0, 1), async (owner) => {
          const edges = [null, ...map.boundaries(owner), null];
          const seen: number[] = [];
          for (let i = 0; i + 1 < edges.length; i++)
            seen.push(...(await pagesOfSpan(map, file, owner, edges[i] ?? null, edges[i + 1] ?? null)));
          const want: number[] = [];
          for (let p = 1; p <= map.pageCount; p++) if (map.ownerOfPage(p) === owner) want.push(p);
          assert.deepEqual(seen, want);
        }),
        { numRuns: 2 },
      );
    } finally {
      db.close();
    }
  } finally {
    await t.dispose();
  }
});
