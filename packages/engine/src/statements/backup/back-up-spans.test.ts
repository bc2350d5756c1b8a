// The spans stage on a real SQLite source, real local storage and the real encoder threads: every unit of
// the plan is written and reported to onUnitDone once, with the entry the manifest gets; a failed write
// fails the stage with that first error, and what was written can be removed.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStrongroomError } from '@strongroom/errors';
import { SqliteSource } from '@strongroom/sources';
import { type ExternalStorage, LocalFileStorage, withFaults } from '@strongroom/storage';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { listAll } from '../../collection/chain.js';
import type { SpanEntry } from '../../collection/manifest.js';
import { backUpSpans } from './back-up-spans.js';
import { layerContents } from './commit.js';
import type { BackupPlan, BackupUnit } from './plan.js';
import { fullBackupPlan, testJob } from './test-helpers.js';
import { WrittenFiles } from './written.js';

describe('backUpSpans', () => {
  let home: string;
  let source: SqliteSource;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'strongroom-spans-'));
    await mkdir(join(home, 'data'));
    const db = new Database(join(home, 'data', 'shop.db'));
    db.exec(
      'CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);' +
        'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);' +
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO orders (note) SELECT printf('order %d', i) FROM n;" +
        "INSERT INTO items (name) VALUES ('a'), ('b');",
    );
    db.close();
    source = new SqliteSource(undefined, { home });
  });
  afterAll(async () => {
    await source?.close();
    await rm(home, { recursive: true, force: true });
  });

  const plan = (store: ExternalStorage): Promise<BackupPlan> => fullBackupPlan(source, store);

  it('writes every unit once and reports each, with the entry the manifest gets', async () => {
    const dir = await mkdtemp(join(home, 'store-'));
    const store = new LocalFileStorage(dir, 'nodelocal://1/c');
    const p = await plan(store);
    try {
      assert.ok(p.units.length >= 3, `${p.units.length} units`);
      const done: [BackupUnit, SpanEntry][] = [];
      const j = testJob();
      const r = await backUpSpans(p, j, new WrittenFiles(), (unit, entry) => done.push([unit, entry]));
      assert.equal(done.length, p.units.length);
      assert.deepEqual(
        done.map(([u]) => u.file).sort((a, b) => a - b),
        p.units.map((u) => u.file),
      );
      for (const [u, entry] of done) assert.equal(r.entries[u.table]?.[u.span], entry);
      assert.equal(r.rows, 2002);
      assert.ok(j.reports >= p.units.length);
      // Each unit's file, if it wrote one, is in the store under its number.
      const files = await listAll(store, `${p.dir}/`);
      const named = done.flatMap(([, e]) => (e.file ? [e.file.path] : []));
      assert.deepEqual([...named].sort(), [...files].sort());
      assert.deepEqual(
        [...(layerContents(p, r.entries).files.get('default') ?? [])].sort(),
        [...files].sort(),
      );
    } finally {
      await p.snapshot.close();
    }
  });

  it('fails with the first write error, reports no unit it did not finish, and its files can be removed', async () => {
    const dir = await mkdtemp(join(home, 'store-'));
    const store = withFaults(new LocalFileStorage(dir, 'nodelocal://1/c'), { failWrite: { nth: 2 } });
    const p = await plan(store);
    try {
      const done: BackupUnit[] = [];
      const written = new WrittenFiles();
      await assert.rejects(
        backUpSpans(p, testJob(), written, (unit) => done.push(unit)),
        (err) => isStrongroomError(err, 'STORAGE_UNAVAILABLE') && /injected fault/.test(err.message),
      );
      assert.ok(done.length < p.units.length);
      await written.removeAll();
      assert.deepEqual(await listAll(store, `${p.dir}/`), []);
    } finally {
      await p.snapshot.close();
    }
  });
});
