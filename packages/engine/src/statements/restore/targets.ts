// RESTORE stage 2: the targets resolved against the layer's manifest, and each selected database's
// target: its name (into_db, new_db_name), whether it is created, and the refusals that keep a restore from
// overwriting anything (an existing database, a missing one for tables, a non-empty home for a cluster).
import { StrongroomError } from '@strongroom/errors';
import type { RestoreStatement } from '@strongroom/sql';
import type { Manifest } from '../../collection/manifest.js';
import { type Selection, selectTargets } from '../targets.js';
import { str } from '../values.js';

export interface TargetDatabase {
  /** The database's name in the backup. */
  readonly sourceDb: string;
  readonly targetDb: string;
  readonly createDatabase: boolean;
  /** Its selected tables. */
  readonly tables: readonly string[];
}

export interface RestoreTargets {
  readonly selection: Selection;
  readonly databases: readonly TargetDatabase[];
  /** A cluster restore of a cluster backup: the source must hold no user data yet. */
  readonly requiresEmptyHome: boolean;
}

/**
 * `existing` is the source's databases now. Every refusal happens here, before the source is touched;
 * foreign keys to tables not restored are checked by the plan (they need the source's catalogue).
 */
export function checkTargets(
  layer: Manifest,
  stmt: RestoreStatement,
  existing: readonly string[],
): RestoreTargets {
  const catalog = layer.databases.map((d) => ({ name: d.name, tables: d.tables.map((t) => t.name) }));
  const selection = selectTargets(catalog, stmt.targets, ' in the backup');
  const { intoDb, newDbName } = renames(stmt, selection);
  const databases: TargetDatabase[] = [];
  for (const [sourceDb, tables] of selection.databases) {
    if (!layer.databases.some((d) => d.name === sourceDb)) continue;
    const targetDb = selection.coverage === 'tables' ? (intoDb ?? sourceDb) : (newDbName ?? sourceDb);
    checkTargetDatabase(selection.coverage, targetDb, existing, intoDb !== undefined);
    // A full restore (no targets) may land in databases that already exist, like CockroachDB's restore
    // into an empty cluster: the source still refuses any table, view, index or trigger name clash.
    const createDatabase =
      selection.coverage === 'databases' || (selection.coverage === 'all' && !existing.includes(targetDb));
    databases.push({ sourceDb, targetDb, createDatabase, tables });
  }
  return {
    selection,
    databases,
    requiresEmptyHome: selection.coverage === 'all' && layer.coverage === 'all',
  };
}

/** into_db (tables only) and new_db_name (one database only). */
function renames(stmt: RestoreStatement, selection: Selection): { intoDb?: string; newDbName?: string } {
  const o = stmt.options;
  const intoDb = o.intoDb ? str(o.intoDb) : undefined;
  const newDbName = o.newDbName ? str(o.newDbName) : undefined;
  if (intoDb !== undefined && selection.coverage !== 'tables')
    throw new StrongroomError('INVALID_OPTION', 'cannot use "into_db" option when restoring database(s)');
  if (newDbName !== undefined && (selection.coverage !== 'databases' || selection.databases.size !== 1))
    throw new StrongroomError(
      'INVALID_OPTION',
      'new_db_name can only be used for RESTORE DATABASE with a single target database',
    );
  return { intoDb, newDbName };
}

/** A restored database must not exist yet; the database tables are restored into must. */
function checkTargetDatabase(
  coverage: Selection['coverage'],
  targetDb: string,
  existing: readonly string[],
  intoDbGiven: boolean,
): void {
  if (coverage === 'databases' && existing.includes(targetDb))
    throw new StrongroomError('TARGET_EXISTS', `database "${targetDb}" already exists`, {
      hint: 'restore into a new name with new_db_name, or drop the database first',
    });
  if (coverage === 'tables' && !existing.includes(targetDb))
    throw new StrongroomError(
      'DATABASE_NOT_FOUND',
      `a database named "${targetDb}" needs to exist to restore tables into`,
      {
        hint: intoDbGiven
          ? `create database "${targetDb}" first (CREATE DATABASE), or give into_db an existing database`
          : 'create it first, or restore the tables into an existing database with into_db',
      },
    );
}
