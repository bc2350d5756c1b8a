// The plan stages without a cluster: options refused, a chain's compatibility, the layer's directory on a
// real local store, and the tables' spans planned from a real SQLite source in a temporary directory.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ErrorCode, isStrongroomError } from '@strongroom/errors';
import { SqliteSource } from '@strongroom/sources';
import { type BackupStatement, parseStatement } from '@strongroom/sql';
import { LocalFileStorage } from '@strongroom/storage';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Manifest, TableEntry } from '../../collection/manifest.js';
import { checkChainMatches } from './destination.js';
import { spansOf, unitsOf } from './plan.js';
import { layerDirFor, openTargetSnapshot, planTables, selectFromSnapshot } from './plan-tables.js';
import { rejectUnsupported } from './reject-unsupported.js';

function backup(text: string): BackupStatement {
  const s = parseStatement(text);
  assert.equal(s.kind, 'backup');
  return s as BackupStatement;
}

function fails(run: () => unknown, code: ErrorCode, message: RegExp): void {
  assert.throws(run, (err) => isStrongroomError(err, code) && message.test(err.message));
}

function manifest(overrides: Partial<Manifest>): Manifest {
  return {
    version: 1,
    id: 'id-1',
    backupType: 'full',
    dir: '2026/12/01-120000.00',
    fullDir: '2026/12/01-120000.00',
    startTime: null,
    endTime: '2026-12-01T12:00:00.000Z',
    sourceKind: 'sqlite',
    coverage: 'all',
    targetsKey: 'null',
    databases: [],
    localities: ['default'],
    partitions: [],
    encryption: { mode: 'none', masterKeyIds: [] },
    statement: "BACKUP INTO 'nodelocal://1/x'",
    ...overrides,
  };
}

describe('rejectUnsupported', () => {
  it('refuses AS OF SYSTEM TIME, revision_history and incremental_location', () => {
    fails(
      () => rejectUnsupported('sqlite', backup("BACKUP INTO 'nodelocal://1/x' AS OF SYSTEM TIME '-10s'")),
      'UNSUPPORTED_STATEMENT',
      /^AS OF SYSTEM TIME is not supported for sqlite sources$/,
    );
    fails(
      () => rejectUnsupported('sqlite', backup("BACKUP INTO 'nodelocal://1/x' WITH revision_history")),
      'UNSUPPORTED_STATEMENT',
      /^revision_history is not supported yet$/,
    );
    fails(
      () =>
        rejectUnsupported(
          'postgres',
          backup("BACKUP INTO LATEST IN 'nodelocal://1/x' WITH incremental_location = 'nodelocal://1/y'"),
        ),
      'UNSUPPORTED_STATEMENT',
      /^incremental_location is not supported/,
    );
  });

  it('accepts a plain backup and revision_history = false', () => {
    rejectUnsupported('sqlite', backup("BACKUP DATABASE shop INTO 'nodelocal://1/x' WITH detached"));
    rejectUnsupported('sqlite', backup("BACKUP INTO 'nodelocal://1/x' WITH revision_history = false"));
  });
});

describe('checkChainMatches', () => {
  const inc = backup("BACKUP INTO LATEST IN 'nodelocal://1/x'");
  it('accepts an incremental with the chain’s localities and targets', () => {
    checkChainMatches(manifest({}), ['default'], inc);
  });
  it('refuses other localities, narrower targets on a cluster backup, and other targets', () => {
    fails(
      () => checkChainMatches(manifest({}), ['default', 'region=eu'], inc),
      'INCOMPATIBLE_CHAIN',
      /^the localities of this backup \(default, region=eu\) differ from the chain's \(default\)$/,
    );
    fails(
      () =>
        checkChainMatches(
          manifest({}),
          ['default'],
          backup("BACKUP DATABASE shop INTO LATEST IN 'nodelocal://1/x'"),
        ),
      'INCOMPATIBLE_CHAIN',
      /^cannot append a backup of specific tables or databases to a cluster backup$/,
    );
    const shop = backup("BACKUP DATABASE shop INTO LATEST IN 'nodelocal://1/x'");
    const base = manifest({ coverage: 'databases', targetsKey: JSON.stringify(shop.targets) });
    checkChainMatches(base, ['default'], shop);
    fails(
      () =>
        checkChainMatches(base, ['default'], backup("BACKUP DATABASE hr INTO LATEST IN 'nodelocal://1/x'")),
      'INCOMPATIBLE_CHAIN',
      /^the targets of an incremental backup must match its full backup$/,
    );
  });
});

describe('units', () => {
  it('splits boundaries into spans open at both ends', () => {
    assert.deepEqual(spansOf([]), [{ lo: null, hi: null }]);
    assert.deepEqual(spansOf(['b', 'd']), [
      { lo: null, hi: 'b' },
      { lo: 'b', hi: 'd' },
      { lo: 'd', hi: null },
    ]);
  });

  it('numbers every span of every table from 1, in plan order', () => {
    const table = (boundaries: string[]) => ({
      database: 'd',
      info: { database: 'd', name: 't', createSql: '', columns: [], attributes: {} },
      locality: 'default',
      boundaries,
    });
    assert.deepEqual(
      unitsOf([table(['m']), table([])]).map((u) => [u.table, u.span, u.lo, u.hi, u.file]),
      [
        [0, 0, null, 'm', 1],
        [0, 1, 'm', null, 2],
        [1, 0, null, null, 3],
      ],
    );
  });
});

describe('layerDirFor', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strongroom-layer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names a full backup after its end time and an incremental after its start and end', async () => {
    const store = new LocalFileStorage(dir, 'nodelocal://1/c');
    const end = new Date('2026-12-04T10:11:12.345Z');
    assert.deepEqual(await layerDirFor(store, undefined, undefined, end), {
      dir: '2026/12/04-101112.34',
      start: null,
      end,
    });
    const previous = manifest({ endTime: '2026-12-04T09:00:00.000Z' });
    const inc = await layerDirFor(store, '2026/12/04-090000.00', previous, end);
    assert.equal(inc.dir, 'incrementals/2026/12/04-090000.00/20261204/101112.34-20261204-090000.00');
    assert.deepEqual(inc.start, new Date('2026-12-04T09:00:00.000Z'));
  });

  it('refuses a clock behind the chain and a layer directory that already holds a manifest', async () => {
    const store = new LocalFileStorage(dir, 'nodelocal://1/c');
    const end = new Date('2026-12-04T10:11:12.345Z');
    await assert.rejects(
      layerDirFor(store, '2026/12/04-090000.00', manifest({ endTime: '2026-12-04T11:00:00.000Z' }), end),
      (err) => isStrongroomError(err, 'INVALID_TIME'),
    );
    await store.write('2026/12/04-101112.34/BACKUP_MANIFEST', Buffer.from('x'));
    await assert.rejects(layerDirFor(store, undefined, undefined, end), (err) =>
      isStrongroomError(err, 'BACKUP_EXISTS'),
    );
  });
});

describe('planTables on a real SQLite source', () => {
  let home: string;
  let source: SqliteSource;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'strongroom-plan-'));
    const data = join(home, 'data');
    await import('node:fs/promises').then((fs) => fs.mkdir(data));
    const shop = new Database(join(data, 'shop.db'));
    shop.exec(
      'CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER); CREATE INDEX orders_total ON orders (total);' +
        'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);' +
        "INSERT INTO orders (total) SELECT value FROM json_each('[1,2,3]');",
    );
    shop.close();
    new Database(join(data, 'hr.db')).exec('CREATE TABLE staff (id INTEGER PRIMARY KEY)').close();
    source = new SqliteSource(undefined, { home });
  });
  afterAll(async () => {
    await source.close();
    await rm(home, { recursive: true, force: true });
  });

  async function plan(
    text: string,
    options: { previous?: Manifest; strict?: boolean; unplaced?: string } = {},
  ): Promise<Awaited<ReturnType<typeof planTables>>> {
    const stmt = backup(text);
    const { snapshot, databases } = await openTargetSnapshot(source, stmt.targets);
    try {
      const { schemas, selection } = await selectFromSnapshot(snapshot, databases, stmt.targets);
      return await planTables({
        snapshot,
        schemas,
        selection,
        previous: options.previous,
        place: (db, table) => ({
          locality: `${db}.${table}` === options.unplaced ? undefined : 'default',
          tiers: 'region=mars',
        }),
        strictLocality: options.strict === true,
      });
    } finally {
      await snapshot.close();
    }
  }

  it('plans the selected tables as page spans, then the database’s own pages', async () => {
    const p = await plan("BACKUP DATABASE shop INTO 'nodelocal://1/x'");
    assert.deepEqual(
      p.tables.map((t) => [t.database, t.info.name, t.pages, t.info.attributes.spans, t.locality]),
      [
        ['shop', 'orders', true, 'pages', 'default'],
        ['shop', 'items', true, 'pages', 'default'],
        ['shop', '', true, 'pages', 'default'],
      ],
    );
    assert.deepEqual(
      p.databases.map((d) => d.name),
      ['shop'],
    );
    assert.ok(
      p.databases[0]?.objects.some((o) => o.name.includes('orders_total')),
      'the index is kept',
    );
    assert.ok(p.tables.every((t) => t.previous === undefined));
  });

  it('plans only the named tables, and keeps objects of those tables only', async () => {
    const p = await plan("BACKUP TABLE shop.items INTO 'nodelocal://1/x'");
    assert.deepEqual(
      p.tables.map((t) => t.info.name),
      ['items', ''],
    );
    assert.ok(!p.databases[0]?.objects.some((o) => o.table === 'orders'));
  });

  it('links an unchanged table to its previous entry, and not one whose definition changed', async () => {
    const first = await plan("BACKUP DATABASE shop INTO 'nodelocal://1/x'");
    const entries: TableEntry[] = first.tables
      .filter((t) => t.info.name !== '')
      .map((t) => ({
        name: t.info.name,
        createSql: t.info.name === 'items' ? 'CREATE TABLE items (changed)' : t.info.createSql,
        columns: t.info.columns,
        attributes: t.info.attributes,
        locality: t.locality,
        boundaries: t.boundaries,
        spans: [],
      }));
    const previous = manifest({ databases: [{ name: 'shop', objects: [], tables: entries }] });
    const p = await plan("BACKUP DATABASE shop INTO 'nodelocal://1/x'", { previous });
    assert.equal(p.tables.find((t) => t.info.name === 'orders')?.previous?.name, 'orders');
    assert.equal(p.tables.find((t) => t.info.name === 'items')?.previous, undefined);
  });

  it('with strict storage locality, refuses a table whose locality has no URI; without, uses default', async () => {
    await assert.rejects(
      plan("BACKUP INTO 'nodelocal://1/x'", { strict: true, unplaced: 'hr.staff' }),
      (err) =>
        isStrongroomError(err, 'STRICT_LOCALITY') &&
        err.message.includes('hr.staff (region=mars)') &&
        err.message.endsWith('nothing was written'),
    );
    const p = await plan("BACKUP INTO 'nodelocal://1/x'", { unplaced: 'hr.staff' });
    assert.equal(p.tables.find((t) => t.info.name === 'staff')?.locality, 'default');
  });

  it('refuses a database the source does not have', async () => {
    await assert.rejects(plan("BACKUP DATABASE nope INTO 'nodelocal://1/x'"), (err) =>
      isStrongroomError(err, 'DATABASE_NOT_FOUND'),
    );
  });
});
