// The one suite every source runs (like the storage and KMS suites): what BACKUP and RESTORE rely on
// from a Source, through the Source interface alone — listing, schema, snapshots that never show later
// commits (also to concurrent span readers), spans that cover every row once and give the same bytes
// each time, exact round trips through restore, and restores that never touch what exists and leave
// nothing behind when they fail. Databases are made with SQL both SQLite and PostgreSQL accept.
import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import type { RestoreRequest, SchemaObject, Snapshot, Source, TableInfo } from '@strongroom/sources';
import { afterAll, beforeAll, describe, it } from 'vitest';

export interface SourceFixture {
  readonly source: Source;
  /** Creates database `name` and runs `statements` in it, in order, on a connection of the fixture's own. */
  createDatabase(name: string, statements: readonly string[]): Promise<void>;
  /** Runs `sql` in `database` on a connection of the fixture's own (not the source's); values as text. */
  query(database: string, sql: string): Promise<(string | null)[][]>;
  /** Stops whatever the fixture started. */
  dispose(): Promise<void>;
}

/** Enough rows for several spans in every source (SQLite: 20 000 rows a span; PostgreSQL: 100 000). */
const BIG_ROWS = 250_000;

/** A database of both dialects: a table large enough for several spans, an index, a view, a small table. */
const SHOP = [
  'CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer)',
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${BIG_ROWS}) INSERT INTO items SELECT i, 'item ' || i, i % 1000 FROM n`,
  'DELETE FROM items WHERE id % 7 = 0',
  'CREATE INDEX items_qty ON items (qty)',
  'CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 990',
  'CREATE TABLE notes (id integer PRIMARY KEY, body text)',
  "INSERT INTO notes VALUES (1, 'first'), (2, NULL), (3, '')",
  'ANALYZE',
];
const SHOP_ROWS = BIG_ROWS - Math.floor(BIG_ROWS / 7) + 3;

interface TableBackup {
  readonly table: TableInfo;
  readonly chunks: Uint8Array[];
  readonly rows: number;
}

interface Backup {
  readonly tables: readonly TableBackup[];
  readonly objects: readonly SchemaObject[];
}

/** Every span of `table`, read one after the other. */
async function readTable(snapshot: Snapshot, database: string, table: TableInfo): Promise<TableBackup> {
  const edges = [null, ...(await snapshot.planSpans(database, table.name)), null];
  const chunks: Uint8Array[] = [];
  let rows = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    for await (const chunk of snapshot.readSpan(database, table.name, { lo: edges[i]!, hi: edges[i + 1]! })) {
      chunks.push(Buffer.from(chunk.data));
      rows += chunk.rows;
    }
  }
  return { table, chunks, rows };
}

/** A whole-database backup held in memory: the schema and every span of every table. */
async function backup(source: Source, database: string): Promise<Backup> {
  const snapshot = await source.openSnapshot([database]);
  try {
    const schema = await snapshot.schema(database);
    const tables: TableBackup[] = [];
    for (const table of schema.tables) tables.push(await readTable(snapshot, database, table));
    return { tables, objects: schema.objects };
  } finally {
    await snapshot.close();
  }
}

/** A restore of `b` into `database`, its data re-chunked into `chunkSize` pieces to exercise framing. */
function restoreOf(b: Backup, database: string, createDatabase: boolean, chunkSize = 0): RestoreRequest {
  return {
    database,
    createDatabase,
    objects: b.objects,
    tables: b.tables.map(({ table, chunks }) => ({
      table,
      data: async function* () {
        if (chunkSize <= 0) return yield* chunks;
        const all = Buffer.concat(chunks);
        for (let i = 0; i < all.length; i += chunkSize) yield all.subarray(i, i + chunkSize);
      },
    })),
  };
}

const withCode = (code: string, text?: RegExp) => (e: unknown) =>
  isStrongroomError(e) && e.code === code && (text === undefined || text.test(e.message));

export function runSourceConformance(name: string, makeFixture: () => Promise<SourceFixture>): void {
  describe(`source conformance: ${name}`, () => {
    let f: SourceFixture;
    let n = 0;
    /** A fresh database name for this run. */
    const fresh = (what: string) => `conf_${what}_${++n}`;
    let shop: string;
    let shopBackup: Backup;
    const count = async (database: string, table: string) =>
      Number((await f.query(database, `SELECT count(*) FROM ${table}`))[0]![0]);
    const tablesOf = async (database: string) => {
      const snapshot = await f.source.openSnapshot([database]);
      try {
        return (await snapshot.schema(database)).tables.map((t) => t.name).sort();
      } finally {
        await snapshot.close();
      }
    };

    beforeAll(async () => {
      f = await makeFixture();
      shop = fresh('shop');
      await f.createDatabase(shop, SHOP);
      shopBackup = await backup(f.source, shop);
    });
    afterAll(() => f?.dispose());

    it('lists its databases, and describes tables, columns, indexes and views', async () => {
      assert.ok((await f.source.listDatabases()).includes(shop));
      const snapshot = await f.source.openSnapshot([shop]);
      try {
        const schema = await snapshot.schema(shop);
        assert.deepEqual(schema.tables.map((t) => t.name).sort(), ['items', 'notes']);
        const items = schema.tables.find((t) => t.name === 'items')!;
        assert.deepEqual(
          items.columns.map((c) => c.name),
          ['id', 'name', 'qty'],
        );
        assert.match(items.createSql, /items/);
        // Object names are the source's own (SQLite: `items_qty`; PostgreSQL: `INDEX public.items_qty`).
        const has = (type: string, name: string) =>
          schema.objects.some((o) => o.type === type && o.name.includes(name));
        const objects = schema.objects.map((o) => `${o.type} ${o.name}`).join(', ');
        assert.ok(has('index', 'items_qty'), objects);
        assert.ok(has('view', 'big_items'), objects);
      } finally {
        await snapshot.close();
      }
      await assert.rejects(f.source.openSnapshot([fresh('missing')]), withCode('DATABASE_NOT_FOUND'));
    });

    it('splits a large table into spans that cover every row once and read the same bytes each time', async () => {
      const snapshot = await f.source.openSnapshot([shop]);
      try {
        const boundaries = await snapshot.planSpans(shop, 'items');
        assert.ok(boundaries.length >= 2, `${boundaries.length + 1} spans for ${BIG_ROWS} rows`);
        assert.deepEqual(await snapshot.planSpans(shop, 'items'), boundaries, 'the same spans again');
        // An incremental hands the chain's boundaries back: the source keeps them.
        assert.deepEqual(await snapshot.planSpans(shop, 'items', boundaries.slice(1)), boundaries.slice(1));
        const edges = [null, ...boundaries, null];
        const read = async (i: number) => {
          const chunks: Uint8Array[] = [];
          let rows = 0;
          for await (const c of snapshot.readSpan(shop, 'items', { lo: edges[i]!, hi: edges[i + 1]! })) {
            chunks.push(Buffer.from(c.data));
            rows += c.rows;
          }
          return { rows, bytes: Buffer.concat(chunks) };
        };
        // All spans at once: spans of one snapshot can be read concurrently.
        const spans = await Promise.all(edges.slice(0, -1).map((_, i) => read(i)));
        assert.equal(
          spans.reduce((sum, s) => sum + s.rows, 0),
          await count(shop, 'items'),
        );
        assert.ok(spans.every((s) => s.rows > 0));
        assert.ok((await read(1)).bytes.equals(spans[1]!.bytes), 'an unchanged span gives the same bytes');
        assert.deepEqual(await snapshot.planSpans(shop, 'notes'), [], 'a small table is one span');
        await assert.rejects(snapshot.planSpans(shop, 'missing'), (e: unknown) => isStrongroomError(e));
      } finally {
        await snapshot.close();
      }
    });

    it('round-trips a database exactly, however the data is chunked, reporting every row', async () => {
      // 1021 bytes: a prime, so chunk edges fall anywhere inside rows and frames.
      for (const chunkSize of [0, 1021]) {
        const copy = fresh('copy');
        let reported = 0;
        const restored = await f.source.restore({
          ...restoreOf(shopBackup, copy, true, chunkSize),
          onRows: (rows) => {
            reported += rows;
          },
        });
        assert.equal(restored.rows, SHOP_ROWS);
        assert.equal(reported, SHOP_ROWS);
        for (const sql of [
          'SELECT id, name, qty FROM items ORDER BY id',
          'SELECT id, body FROM notes ORDER BY id',
          'SELECT id, name FROM big_items ORDER BY id',
        ]) {
          assert.deepEqual(await f.query(copy, sql), await f.query(shop, sql), sql);
        }
        assert.deepEqual(await tablesOf(copy), ['items', 'notes']);
        if (chunkSize > 0) continue;
        // The restored database is a source database like any other: it backs up to the same rows.
        const again = await backup(f.source, copy);
        assert.deepEqual(
          again.tables.map((t) => [t.table.name, t.rows]),
          shopBackup.tables.map((t) => [t.table.name, t.rows]),
        );
      }
    });

    it('takes snapshots that never show later commits, also to concurrent span readers', async () => {
      const db = fresh('snap');
      await f.createDatabase(db, [
        'CREATE TABLE a (id integer PRIMARY KEY)',
        'CREATE TABLE b (id integer PRIMARY KEY)',
      ]);
      let written = 0;
      let stop = false;
      // The writer keeps a and b equal in every committed state.
      const writer = (async () => {
        while (!stop) {
          await f.query(db, `INSERT INTO a VALUES (${written})`).then(() => undefined);
          await f.query(db, `INSERT INTO b VALUES (${written})`);
          written++;
        }
      })();
      try {
        while (written < 10) await new Promise((r) => setTimeout(r, 5));
        const snapshot = await f.source.openSnapshot([db]);
        try {
          const [atA, atB] = [await count(db, 'a'), await count(db, 'b')];
          await new Promise((r) => setTimeout(r, 150));
          const rowsOf = async (table: string) => {
            let rows = 0;
            for await (const c of snapshot.readSpan(db, table, { lo: null, hi: null })) rows += c.rows;
            return rows;
          };
          const [na, nb] = await Promise.all([rowsOf('a'), rowsOf('b')]);
          assert.ok(na <= atA && nb <= atB, `the snapshot saw ${na}/${nb} rows, ${atA}/${atB} later`);
          // a is written before b, each row in a commit of its own.
          assert.ok(nb <= na && na <= nb + 1, `a and b from one committed state (${na}, ${nb})`);
          assert.ok(written > na + 1, 'the writer committed more after the snapshot');
        } finally {
          await snapshot.close();
        }
      } finally {
        stop = true;
        await writer;
      }
      // A new snapshot sees every commit.
      const later = await backup(f.source, db);
      assert.deepEqual(
        later.tables.map((t) => t.rows),
        [written, written],
      );
    });

    it('restores into an existing database without touching existing tables or views', async () => {
      const target = fresh('target');
      await f.createDatabase(target, ['CREATE TABLE notes (x integer)', 'INSERT INTO notes VALUES (42)']);
      await assert.rejects(
        f.source.restore(restoreOf(shopBackup, target, false)),
        withCode('TARGET_EXISTS', /notes/),
      );
      assert.deepEqual(await tablesOf(target), ['notes']);
      assert.deepEqual(await f.query(target, 'SELECT x FROM notes'), [['42']]);
      // A clash on a view name counts too.
      const viewed = fresh('viewed');
      await f.createDatabase(viewed, ['CREATE VIEW big_items AS SELECT 1 AS one']);
      await assert.rejects(f.source.restore(restoreOf(shopBackup, viewed, false)), withCode('TARGET_EXISTS'));
      assert.deepEqual(await tablesOf(viewed), []);
      assert.deepEqual(await f.query(viewed, 'SELECT one FROM big_items'), [['1']], 'the view is untouched');
      // Without a clash it works, and the tables are there for everyone.
      const empty = fresh('empty');
      await f.createDatabase(empty, ['CREATE TABLE other (x integer)']);
      assert.equal((await f.source.restore(restoreOf(shopBackup, empty, false))).rows, SHOP_ROWS);
      assert.deepEqual(await tablesOf(empty), ['items', 'notes', 'other']);
      assert.equal(await count(empty, 'notes'), 3);
    });

    it('refuses to create a database that exists, or to restore into one that does not', async () => {
      await assert.rejects(f.source.restore(restoreOf(shopBackup, shop, true)), withCode('TARGET_EXISTS'));
      const nowhere = fresh('nowhere');
      await assert.rejects(
        f.source.restore(restoreOf(shopBackup, nowhere, false)),
        withCode('DATABASE_NOT_FOUND'),
      );
      assert.ok(!(await f.source.listDatabases()).includes(nowhere));
    });

    it('leaves nothing behind when a restore fails: no new database, an existing one as it was', async () => {
      const broken: Backup = {
        ...shopBackup,
        objects: [
          ...shopBackup.objects,
          { type: 'view', name: 'bad', table: '', sql: 'CREATE VIEW bad AS SELEC 1' },
        ],
      };
      const truncated: Backup = {
        ...shopBackup,
        tables: shopBackup.tables.map((t) => ({ ...t, chunks: [Buffer.concat(t.chunks).subarray(0, 10)] })),
      };
      for (const [what, b, code] of [
        ['a broken object', broken, 'SOURCE_ERROR'],
        ['truncated data', truncated, 'CORRUPTED'],
      ] as const) {
        const db = fresh('failed');
        await assert.rejects(f.source.restore(restoreOf(b, db, true)), withCode(code), what);
        assert.ok(!(await f.source.listDatabases()).includes(db), `${what} left ${db}`);
        const kept = fresh('kept');
        await f.createDatabase(kept, ['CREATE TABLE mine (x integer)']);
        await assert.rejects(f.source.restore(restoreOf(b, kept, false)), withCode(code), what);
        assert.deepEqual(await tablesOf(kept), ['mine'], `${what} changed ${kept}`);
      }
    });

    it('restores the schema alone with schemaOnly', async () => {
      const db = fresh('schema');
      const restored = await f.source.restore({ ...restoreOf(shopBackup, db, true), schemaOnly: true });
      assert.equal(restored.rows, 0);
      assert.deepEqual(await tablesOf(db), ['items', 'notes']);
      assert.equal(await count(db, 'items'), 0);
      assert.deepEqual(await f.query(db, 'SELECT count(*) FROM big_items'), [['0']]);
    });
  });
}
