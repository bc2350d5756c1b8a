import assert from 'node:assert/strict';
import { type ErrorCode, isStrongroomError } from '@strongroom/errors';
import { parseStatement, type RestoreStatement } from '@strongroom/sql';
import { describe, it } from 'vitest';
import type { Manifest, TableEntry } from '../../collection/manifest.js';
import { layersAsOf, rejectUnsupported } from './layers.js';
import { checkTargets } from './targets.js';

function restore(text: string): RestoreStatement {
  const s = parseStatement(text);
  assert.equal(s.kind, 'restore');
  return s as RestoreStatement;
}

function table(name: string): TableEntry {
  return { name, createSql: '', columns: [], attributes: {}, locality: 'default', boundaries: [], spans: [] };
}

function layer(endTime: string, coverage: Manifest['coverage'] = 'all'): Manifest {
  return {
    version: 1,
    id: endTime,
    backupType: 'full',
    dir: 'd',
    fullDir: 'd',
    startTime: null,
    endTime,
    sourceKind: 'sqlite',
    coverage,
    targetsKey: 'null',
    databases: [
      { name: 'shop', objects: [], tables: [table('orders'), table('items')] },
      { name: 'hr', objects: [], tables: [table('staff')] },
    ],
    localities: ['default'],
    partitions: [],
    encryption: { mode: 'none', masterKeyIds: [] },
    statement: '',
  };
}

const FROM = "FROM LATEST IN 'nodelocal://1/x'";

function refused(run: () => unknown, code: ErrorCode, message: RegExp): void {
  assert.throws(run, (err) => isStrongroomError(err, code) && message.test(err.message));
}

describe('RESTORE checkTargets', () => {
  const l = layer('2026-12-04T10:00:00.000Z');

  it('a cluster restore of a cluster backup needs an empty home and creates only missing databases', () => {
    const t = checkTargets(l, restore(`RESTORE ${FROM}`), ['shop']);
    assert.equal(t.requiresEmptyHome, true);
    assert.deepEqual(
      t.databases.map((d) => [d.sourceDb, d.targetDb, d.createDatabase]),
      [
        ['shop', 'shop', false],
        ['hr', 'hr', true],
      ],
    );
  });

  it('restores a database under new_db_name, and refuses one that exists', () => {
    const t = checkTargets(l, restore(`RESTORE DATABASE shop ${FROM} WITH new_db_name = 'shop2'`), ['shop']);
    assert.deepEqual(t.databases, [
      { sourceDb: 'shop', targetDb: 'shop2', createDatabase: true, tables: ['orders', 'items'] },
    ]);
    assert.equal(t.requiresEmptyHome, false);
    refused(
      () => checkTargets(l, restore(`RESTORE DATABASE shop ${FROM}`), ['shop']),
      'TARGET_EXISTS',
      /^database "shop" already exists$/,
    );
  });

  it('restores tables into an existing database only, into_db or their own', () => {
    const t = checkTargets(l, restore(`RESTORE TABLE shop.items ${FROM} WITH into_db = 'other'`), ['other']);
    assert.deepEqual(t.databases, [
      { sourceDb: 'shop', targetDb: 'other', createDatabase: false, tables: ['items'] },
    ]);
    assert.throws(
      () => checkTargets(l, restore(`RESTORE TABLE shop.items ${FROM}`), []),
      (err) =>
        isStrongroomError(err, 'DATABASE_NOT_FOUND') &&
        err.message === 'a database named "shop" needs to exist to restore tables into' &&
        err.hint === 'create it first, or restore the tables into an existing database with into_db',
    );
    assert.throws(
      () => checkTargets(l, restore(`RESTORE TABLE shop.items ${FROM} WITH into_db = 'nope'`), []),
      (err) =>
        isStrongroomError(err, 'DATABASE_NOT_FOUND') &&
        /give into_db an existing database/.test(err.hint ?? ''),
    );
  });

  it('refuses into_db for databases and new_db_name for anything but one database', () => {
    refused(
      () => checkTargets(l, restore(`RESTORE DATABASE shop ${FROM} WITH into_db = 'x'`), []),
      'INVALID_OPTION',
      /into_db/,
    );
    refused(
      () => checkTargets(l, restore(`RESTORE DATABASE shop, hr ${FROM} WITH new_db_name = 'x'`), []),
      'INVALID_OPTION',
      /new_db_name can only be used/,
    );
    refused(
      () => checkTargets(l, restore(`RESTORE TABLE staff ${FROM} WITH new_db_name = 'x'`), ['hr']),
      'INVALID_OPTION',
      /new_db_name can only be used/,
    );
  });

  it('names what the backup lacks', () => {
    refused(
      () => checkTargets(l, restore(`RESTORE DATABASE nope ${FROM}`), []),
      'DATABASE_NOT_FOUND',
      /^database "nope" does not exist in the backup$/,
    );
  });
});

describe('RESTORE rejectUnsupported', () => {
  it('refuses verify_backup_table_data without schema_only, owner options off PostgreSQL, incremental_location', () => {
    refused(
      () => rejectUnsupported('sqlite', restore(`RESTORE ${FROM} WITH verify_backup_table_data`)),
      'INVALID_OPTION',
      /schema_only option must be set/,
    );
    rejectUnsupported('sqlite', restore(`RESTORE ${FROM} WITH verify_backup_table_data, schema_only`));
    refused(
      () => rejectUnsupported('sqlite', restore(`RESTORE ${FROM} WITH no_privileges`)),
      'INVALID_OPTION',
      /^no_privileges applies to PostgreSQL sources only \(this source is sqlite\)$/,
    );
    rejectUnsupported('postgres', restore(`RESTORE ${FROM} WITH no_owner, no_privileges`));
    refused(
      () =>
        rejectUnsupported(
          'postgres',
          restore(`RESTORE ${FROM} WITH incremental_location = 'nodelocal://1/y'`),
        ),
      'UNSUPPORTED_STATEMENT',
      /incremental_location/,
    );
  });
});

describe('layersAsOf', () => {
  const layers = ['2026-12-04T10:00:00.000Z', '2026-12-04T11:00:00.000Z', '2026-12-04T12:00:00.000Z'].map(
    (t) => ({
      manifest: layer(t),
    }),
  );
  it('cuts the chain at the layer ending exactly at the time', () => {
    assert.equal(layersAsOf(layers, new Date('2026-12-04T11:00:00.000Z')).length, 2);
    assert.equal(layersAsOf(layers, new Date('2026-12-04T12:00:00.000Z')).length, 3);
  });
  it('refuses a time between layers, naming the nearest, and a time after the chain', () => {
    refused(
      () => layersAsOf(layers, new Date('2026-12-04T11:30:00.000Z')),
      'INVALID_TIME',
      /nearest BACKUP times are 2026-12-04 11:00:00\.000000 or 2026-12-04 12:00:00\.000000$/,
    );
    refused(
      () => layersAsOf(layers, new Date('2026-12-04T13:00:00.000Z')),
      'INVALID_TIME',
      /do not cover requested time \(the newest backup ends at 2026-12-04 12:00:00\.000000\)$/,
    );
  });
});
