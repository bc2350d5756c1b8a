// The RESTORE run stage on a real SQLite source, from files the BACKUP stages wrote to real local storage:
// each unit (database) is restored and reported to onUnitDone once, with the rows the source loaded.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSource } from '@strongroom/sources';
import { LocalFileStorage } from '@strongroom/storage';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { OpenedBackup } from '../../collection/open-backup.js';
import type { EngineContext } from '../../context.js';
import { backUpSpans } from '../backup/back-up-spans.js';
import { layerContents, manifestOf } from '../backup/commit.js';
import { fullBackupPlan, testJob } from '../backup/test-helpers.js';
import { WrittenFiles } from '../backup/written.js';
import { type RestorePlan, type RestoreUnit, rowsOf } from './plan.js';
import { runRestore } from './run.js';

describe('runRestore', () => {
  let home: string;
  let source: SqliteSource;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'strongroom-restore-run-'));
    await mkdir(join(home, 'data'));
    for (const [name, rows] of [
      ['shop', 1500],
      ['hr', 3],
    ] as const) {
      const db = new Database(join(home, 'data', `${name}.db`));
      db.exec(
        'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v);' +
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows}) INSERT INTO t (v) SELECT printf('%s %d', '${name}', i) FROM n;`,
      );
      db.close();
    }
    source = new SqliteSource(undefined, { home });
  });
  afterAll(async () => {
    await source?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('restores each unit into a new database, reporting each once with its rows', async () => {
    const store = new LocalFileStorage(await mkdtemp(join(home, 'store-')), 'nodelocal://1/c');
    const backup = await fullBackupPlan(source, store);
    let spans: Awaited<ReturnType<typeof backUpSpans>>;
    try {
      spans = await backUpSpans(backup, testJob(), new WrittenFiles());
    } finally {
      await backup.snapshot.close();
    }
    const manifest = manifestOf('sqlite', backup, 'id-1', layerContents(backup, spans.entries), []);
    const opened: OpenedBackup = {
      collection: { defaultStore: store, all: [store] },
      fullDir: backup.fullDir,
      key: backup.key,
      layers: [{ dir: backup.dir, manifest, checksum: '' }],
      stores: new Map([['default', store]]),
      missingLocalities: [],
    };
    // The source's own defaultdb (empty) is not restored here.
    const units: RestoreUnit[] = manifest.databases
      .filter((d) => d.name !== 'defaultdb')
      .map((d) => ({
        sourceDb: d.name,
        targetDb: `${d.name}_copy`,
        createDatabase: true,
        tables: d.tables,
        objects: d.objects,
        pages: d.pages,
      }));
    const plan: RestorePlan = {
      statement: "RESTORE FROM LATEST IN 'nodelocal://1/c'",
      backup: opened,
      layer: manifest,
      units,
      totalRows: rowsOf(units),
      schemaOnly: false,
      skipMissingForeignKeys: false,
      noOwner: false,
      noPrivileges: false,
      detached: false,
    };
    const done: [string, number][] = [];
    // runRestore reaches the source only.
    const ctx = { source } as unknown as EngineContext;
    const r = await runRestore(ctx, plan, testJob(), {
      onUnitDone: (u, rows) => done.push([u.targetDb, rows]),
    });
    assert.deepEqual(done.sort(), [
      ['hr_copy', 3],
      ['shop_copy', 1500],
    ]);
    assert.equal(r.rows, 1503);
    for (const [name, rows] of [
      ['shop', 1500],
      ['hr', 3],
    ] as const) {
      const db = new Database(join(home, 'data', `${name}_copy.db`), { readonly: true });
      try {
        const got = db.prepare('SELECT count(*) AS n, max(v) AS top FROM t INDEXED BY t_v').get() as {
          n: number;
          top: string;
        };
        assert.equal(got.n, rows);
        assert.equal(got.top, `${name} ${rows === 3 ? 3 : 999}`);
      } finally {
        db.close();
      }
    }
  });
});
