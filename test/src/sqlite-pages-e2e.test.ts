// SQLite backed up as pages (issue #16): whole-database restores reassemble a valid file, table-level
// restores copy from it, a table's index pages follow its locality, incrementals store changed windows
// only, a writer's cross-table invariant holds in what is restored, and row-span collections still work.
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { describe, it } from 'vitest';
import { expectCode, type Fixture, fixture } from './helpers.js';

interface Span {
  readonly rows: number;
  readonly file: { path: string; locality: string; logicalBytes: number; storedBytes: number } | null;
}
interface TableEntry {
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly spans: Span[];
}
interface Manifest {
  readonly dir: string;
  readonly databases: { name: string; tables: TableEntry[]; pages?: TableEntry }[];
}

async function manifests(f: Fixture, uri: string): Promise<Manifest[]> {
  const r = await f.run(`SHOW BACKUP FROM LATEST IN '${uri}' WITH as_json`);
  return r.rows.map((row) => JSON.parse(String(row[0])) as Manifest);
}

function open(f: Fixture, db: string): Database.Database {
  const d = new Database(join(f.dataDir, `${db}.db`), { readonly: true });
  d.defaultSafeIntegers(true);
  return d;
}

function integrity(f: Fixture, db: string): string {
  const d = open(f, db);
  try {
    return (d.prepare('PRAGMA integrity_check').pluck().all() as string[]).join('; ');
  } finally {
    d.close();
  }
}

function schemaOf(f: Fixture, db: string): unknown[] {
  const d = open(f, db);
  try {
    return d
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .raw()
      .all();
  } finally {
    d.close();
  }
}

async function demo(f: Fixture): Promise<void> {
  await f.run('CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER, photo BLOB)');
  await f.run('CREATE INDEX accounts_owner ON accounts (owner)');
  await f.run(
    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000) INSERT INTO accounts SELECT i, 'owner-' || (i * 7 % 1000), i * 3, CASE WHEN i % 500 = 0 THEN randomblob(9000) ELSE randomblob(i % 40) END FROM s",
  );
  await f.run('CREATE TABLE kv (k TEXT PRIMARY KEY, v REAL) WITHOUT ROWID');
  await f.run('CREATE INDEX kv_v ON kv (v)');
  await f.run(
    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 8000) INSERT INTO kv SELECT 'key-' || i, i / 7.0 FROM s",
  );
  await f.run('CREATE TABLE seq (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT)');
  await f.run("INSERT INTO seq (note) VALUES ('a'), ('b'), ('c')");
  await f.run('DELETE FROM seq WHERE id = 3');
  // Freed pages: the freelist is part of the database's own pages.
  await f.run('CREATE TABLE scratch (x BLOB)');
  await f.run(
    'WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300) INSERT INTO scratch SELECT randomblob(3000) FROM s',
  );
  await f.run('DELETE FROM scratch');
  await f.run('CREATE VIEW rich AS SELECT owner FROM accounts WHERE balance > 50000');
  // A trigger body has a semicolon, which the statement splitter does not take: created directly.
  const d = new Database(join(f.dataDir, 'defaultdb.db'));
  try {
    d.exec(
      'CREATE TRIGGER seq_note AFTER INSERT ON seq BEGIN UPDATE seq SET note = upper(new.note) WHERE id = new.id; END',
    );
  } finally {
    d.close();
  }
}

function assertSameTables(f: Fixture, a: string, b: string, tables: string[]): void {
  for (const t of tables) assert.deepEqual(f.rows(b, t), f.rows(a, t), `${b}.${t} equals ${a}.${t}`);
}

describe('SQLite page-level BACKUP and RESTORE', () => {
  it('restores a whole database from its pages: a valid file, equal rows, schema, sequence and freelist', async () => {
    const f = await fixture();
    try {
      await demo(f);
      const res = await f.run(`BACKUP INTO 'nodelocal://1/c'`);
      assert.equal(res.rows[0]?.[3], 20000n + 8000n + 2n, 'rows counted from the leaf pages');
      const [m] = await manifests(f, 'nodelocal://1/c');
      const db = m?.databases.find((d) => d.name === 'defaultdb');
      assert.ok(db?.pages, 'the database has its own pages');
      for (const t of db.tables) assert.equal(t.attributes.spans, 'pages', `${t.name} is stored as pages`);

      const r = await f.run(
        `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH new_db_name = 'copy'`,
      );
      assert.equal(r.rows[0]?.[1], 'succeeded');
      assert.equal(integrity(f, 'copy'), 'ok');
      assertSameTables(f, 'defaultdb', 'copy', ['accounts', 'kv', 'seq', 'scratch', 'sqlite_sequence']);
      assert.deepEqual(schemaOf(f, 'copy'), schemaOf(f, 'defaultdb'));
      // The file itself came back (no re-insertion): same page count and freelist.
      const src = open(f, 'defaultdb');
      const dst = open(f, 'copy');
      try {
        for (const p of ['page_count', 'freelist_count', 'page_size'])
          assert.equal(dst.pragma(p, { simple: true }), src.pragma(p, { simple: true }), p);
        assert.ok(
          (src.pragma('freelist_count', { simple: true }) as bigint) > 0n,
          'the source has free pages',
        );
      } finally {
        src.close();
        dst.close();
      }
      await f.run("INSERT INTO copy.seq (note) VALUES ('d')");
      assert.deepEqual(f.rows('copy', 'seq').at(-1), [4n, 'D'], 'the sequence and the trigger came back');
      assert.deepEqual(
        readdirSync(f.dataDir).filter((n) => n.startsWith('.strongroom-')),
        [],
        'no temporary left behind',
      );
    } finally {
      await f.engine.close();
    }
  });

  it('a tampered, missing or linked-away page span fails the restore and publishes nothing; the decoder threads keep working', async () => {
    const f = await fixture();
    try {
      await demo(f);
      const kms = f.key('k');
      await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${kms}'`);
      await f.run(`BACKUP INTO 'nodelocal://1/good' WITH kms = '${kms}'`);
      await f.run(`BACKUP INTO 'nodelocal://1/gone' WITH kms = '${kms}'`);
      await f.run(`BACKUP INTO 'nodelocal://1/linked' WITH kms = '${kms}'`);
      /** The file of the accounts table's last stored span in collection `c`. */
      const accountsSpan = async (c: string): Promise<string> => {
        const shown = await f.run(
          `SHOW BACKUP FROM LATEST IN 'nodelocal://1/${c}' WITH as_json, kms = '${kms}'`,
        );
        const m = JSON.parse(String(shown.rows[0]?.[0])) as Manifest;
        const accounts = m.databases[0]?.tables.find((t) => t.name === 'accounts');
        const file = accounts?.spans.filter((s) => s.file !== null).at(-1)?.file;
        assert.ok(file, 'the accounts table has a stored span');
        return join(f.extern, c, file.path);
      };
      const leftovers = () =>
        readdirSync(f.dataDir).filter((n) => n.startsWith('copy') || n.startsWith('.strongroom-'));
      const restore = (c: string) =>
        f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/${c}' WITH kms = '${kms}', new_db_name = 'copy'`,
        );
      // The decoder threads read span files themselves: a missing one, or one replaced by a link out of the
      // external IO directory, fails as a read on the main thread would, and nothing is published.
      rmSync(await accountsSpan('gone'));
      await expectCode(restore('gone'), 'STORAGE_NOT_FOUND');
      assert.deepEqual(leftovers(), [], 'neither the database nor a temporary is left');
      const linked = await accountsSpan('linked');
      const outside = join(dirname(f.extern), 'outside-span');
      renameSync(linked, outside);
      symlinkSync(outside, linked);
      await expectCode(restore('linked'), 'STORAGE_PERMISSION');
      assert.deepEqual(leftovers(), [], 'neither the database nor a temporary is left');
      // One bit flipped in the middle of an encrypted chunk: AES-GCM must refuse it.
      const path = await accountsSpan('c');
      const bytes = readFileSync(path);
      const at = bytes.length >> 1;
      bytes[at] = (bytes[at] as number) ^ 0x01;
      writeFileSync(path, bytes);
      await expectCode(restore('c'), 'CORRUPTED');
      assert.deepEqual(leftovers(), [], 'neither the database nor a temporary is left');
      await restore('good');
      assert.equal(integrity(f, 'copy'), 'ok');
      assertSameTables(f, 'defaultdb', 'copy', ['accounts', 'kv', 'seq']);
    } finally {
      await f.engine.close();
    }
  });

  it('restores tables from pages: RESTORE TABLE with into_db, and from a table-level backup', async () => {
    const f = await fixture();
    try {
      await demo(f);
      await f.run(`BACKUP INTO 'nodelocal://1/c'`);
      await f.run('CREATE DATABASE other');
      await f.run(`RESTORE TABLE accounts, kv FROM LATEST IN 'nodelocal://1/c' WITH into_db = 'other'`);
      assert.equal(integrity(f, 'other'), 'ok');
      assertSameTables(f, 'defaultdb', 'other', ['accounts', 'kv']);
      const idx = (await f.run("SELECT name FROM other.sqlite_master WHERE type = 'index' ORDER BY name"))
        .rows;
      assert.deepEqual(idx, [['accounts_owner'], ['kv_v']]);

      await f.run(`BACKUP TABLE kv INTO 'nodelocal://1/t'`);
      const [m] = await manifests(f, 'nodelocal://1/t');
      assert.deepEqual(
        m?.databases[0]?.tables.map((t) => t.name),
        ['kv'],
      );
      await f.run('CREATE DATABASE third');
      await f.run(`RESTORE TABLE kv FROM LATEST IN 'nodelocal://1/t' WITH into_db = 'third'`);
      assert.equal(integrity(f, 'third'), 'ok');
      assertSameTables(f, 'defaultdb', 'third', ['kv']);
    } finally {
      await f.engine.close();
    }
  });

  it("sends a table's pages, index pages included, only to its locality", async () => {
    const cfg = join(mkdtempSync(join(tmpdir(), 'strongroom-cfg-')), 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ domicile: [{ table: 'kv', locality: 'region=eu' }] }));
    const f = await fixture({ locality: 'region=us', configPath: cfg });
    try {
      await demo(f);
      const uris =
        "('nodelocal://1/d?COCKROACH_LOCALITY=default', 'nodelocal://1/us?COCKROACH_LOCALITY=region%3Dus', 'nodelocal://1/eu?COCKROACH_LOCALITY=region%3Deu')";
      await f.run(`BACKUP INTO ${uris} WITH strict storage locality`);
      const [m] = await manifests(f, 'nodelocal://1/d');
      const db = m?.databases.find((d) => d.name === 'defaultdb');
      const kv = db?.tables.find((t) => t.name === 'kv');
      assert.ok(kv && db?.pages);
      const files = (t: TableEntry) => t.spans.flatMap((s) => (s.file ? [s.file] : []));
      assert.ok(files(kv).length > 0);
      for (const file of files(kv)) assert.equal(file.locality, 'region=eu');
      for (const t of db.tables.filter((x) => x.name !== 'kv'))
        for (const file of files(t)) assert.equal(file.locality, 'region=us', t.name);
      // The header, schema and freelist pages go to the default locality.
      assert.ok(files(db.pages).length > 0);
      for (const file of files(db.pages)) assert.equal(file.locality, 'default');
      // kv's bytes are exactly its b-tree's and its index's pages.
      const src = open(f, 'defaultdb');
      try {
        const pages = src
          .prepare("SELECT count(*) FROM dbstat WHERE name IN ('kv', 'kv_v', 'sqlite_autoindex_kv_1')")
          .pluck()
          .get() as bigint;
        const pageSize = src.pragma('page_size', { simple: true }) as bigint;
        const logical = files(kv).reduce((n, x) => n + x.logicalBytes, 0);
        const runs = logical % Number(pageSize);
        assert.equal(logical - runs, Number(pages * pageSize), 'page bytes of kv and kv_v');
      } finally {
        src.close();
      }
      await f.run(`RESTORE DATABASE defaultdb FROM LATEST IN ${uris} WITH new_db_name = 'back'`);
      assert.equal(integrity(f, 'back'), 'ok');
      assertSameTables(f, 'defaultdb', 'back', ['accounts', 'kv', 'seq']);
    } finally {
      await f.engine.close();
    }
  });

  it('stores only the changed page windows in an incremental, and the chain restores exactly', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)');
      await f.run(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600000) INSERT INTO big SELECT i, printf('value-%80d', i), 0 FROM s",
      );
      await f.run(`BACKUP INTO 'nodelocal://1/c'`);
      await f.run('UPDATE big SET n = 1 WHERE id BETWEEN 300000 AND 305999');
      await sleep(15);
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c'`);
      await f.run('INSERT INTO big SELECT id + 600000, v, 2 FROM big WHERE id <= 6000');
      await sleep(15);
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c'`);
      const layers = await manifests(f, 'nodelocal://1/c');
      assert.equal(layers.length, 3);
      const stored = layers.map((l) => {
        const db = l.databases[0];
        const all = [...(db?.tables ?? []), ...(db?.pages ? [db.pages] : [])];
        return all
          .flatMap((t) => t.spans)
          .filter((s) => s.file?.path.startsWith(`${l.dir}/`))
          .reduce((n, s) => n + (s.file?.storedBytes ?? 0), 0);
      });
      const [full, range, append] = stored as [number, number, number];
      assert.ok(range < full * 0.2, `range incremental ${range} B vs full ${full} B`);
      assert.ok(append < full * 0.2, `append incremental ${append} B vs full ${full} B`);
      await f.run(`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH new_db_name = 'r'`);
      assert.equal(integrity(f, 'r'), 'ok');
      assertSameTables(f, 'defaultdb', 'r', ['big']);
    } finally {
      await f.engine.close();
    }
  });

  for (const hold of [false, true]) {
    it(`keeps a writer's cross-table invariant in the restored database (${hold ? 'WAL held: pages copied by the backup API' : 'pages read from the file when the WAL is empty'})`, async () => {
      const f = await fixture();
      const shared = new SharedArrayBuffer(8);
      const flags = new Int32Array(shared);
      let worker: Worker | undefined;
      let reader: Database.Database | undefined;
      try {
        await f.run('CREATE DATABASE bank');
        for (const t of ['a', 'b']) {
          await f.run(`CREATE TABLE bank.${t} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, pad TEXT)`);
          await f.run(
            `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000) INSERT INTO bank.${t} SELECT i, 10, hex(randomblob(40)) FROM s`,
          );
        }
        await f.run('CREATE TABLE bank.c (id INTEGER PRIMARY KEY, pad TEXT)');
        const file = join(f.dataDir, 'bank.db');
        const w = new Database(file);
        w.pragma('journal_mode = WAL');
        w.close();
        worker = new Worker(new URL('./sqlite-invariant-writer.mjs', import.meta.url), {
          workerData: { file, shared },
        });
        const failed = new Promise<never>((_, reject) => worker?.once('error', reject));
        const until = async (n: number) => {
          while (Atomics.load(flags, 1) < n) await Promise.race([sleep(5), failed]);
        };
        await until(50);
        if (hold) {
          // A reader holding a snapshot that uses the WAL keeps it from being emptied.
          reader = new Database(file, { readonly: true });
          reader.exec('BEGIN');
          reader.prepare('SELECT count(*) FROM a').get();
        }
        const before = Atomics.load(flags, 1);
        await f.run(`BACKUP DATABASE bank INTO 'nodelocal://1/c'`);
        const during = Atomics.load(flags, 1) - before;
        Atomics.store(flags, 0, 1);
        await new Promise((resolve) => worker?.once('exit', resolve));
        reader?.close();
        assert.ok(during > 0, 'the writer committed during the backup');
        await f.run(`RESTORE DATABASE bank FROM LATEST IN 'nodelocal://1/c' WITH new_db_name = 'restored'`);
        assert.equal(integrity(f, 'restored'), 'ok');
        const sums = (
          await f.run(
            'SELECT (SELECT sum(v) FROM restored.a), (SELECT sum(v) FROM restored.b), (SELECT count(*) FROM restored.c)',
          )
        ).rows[0];
        assert.equal(sums?.[0], sums?.[1], 'sum(a) = sum(b)');
        assert.ok((sums?.[0] as bigint) > 200000n, 'the restored state includes commits of the writer');
        assert.deepEqual(
          readdirSync(f.dataDir).filter((n) => n.startsWith('.strongroom-')),
          [],
          'the snapshot copy is removed',
        );
      } finally {
        Atomics.store(flags, 0, 1);
        reader?.close();
        await worker?.terminate();
        await f.engine.close();
      }
    });
  }

  it('restores a row-span collection, and an incremental on a row-span chain stores pages', async () => {
    const f = await fixture();
    try {
      await demo(f);
      process.env.STRONGROOM_SPANS = 'rows';
      try {
        await f.run(`BACKUP INTO 'nodelocal://1/c'`);
      } finally {
        delete process.env.STRONGROOM_SPANS;
      }
      const [rowLayer] = await manifests(f, 'nodelocal://1/c');
      assert.equal(rowLayer?.databases[0]?.pages, undefined);
      assert.equal(rowLayer?.databases[0]?.tables[0]?.attributes.spans, undefined);
      await f.run(`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH new_db_name = 'rows'`);
      assert.equal(integrity(f, 'rows'), 'ok');
      assertSameTables(f, 'defaultdb', 'rows', ['accounts', 'kv', 'seq']);

      await f.run("UPDATE accounts SET owner = 'changed' WHERE id < 10");
      await sleep(15);
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c'`);
      const layers = await manifests(f, 'nodelocal://1/c');
      assert.ok(layers[1]?.databases[0]?.pages, 'the incremental is stored as pages');
      await f.run(`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH new_db_name = 'mixed'`);
      assert.equal(integrity(f, 'mixed'), 'ok');
      assertSameTables(f, 'defaultdb', 'mixed', ['accounts', 'kv', 'seq']);
    } finally {
      await f.engine.close();
    }
  });
});
