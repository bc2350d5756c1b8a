// RESTORE's plan, stage by stage: refuse unsupported options → resolve the layers (open the backup, choose
// the layer) → check the targets → plan each database's unit (its tables, after the foreign-key check, and
// its objects). Nothing is written before the run.
import type { SchemaObject } from '@strongroom/sources';
import { format, type RestoreStatement } from '@strongroom/sql';
import type { DatabaseEntry, Manifest, TableEntry } from '../../collection/manifest.js';
import type { OpenedBackup } from '../../collection/open-backup.js';
import type { EngineContext } from '../../context.js';
import { bool } from '../values.js';
import { resumedDatabases } from './checkpoint.js';
import { checkForeignKeys, requireEmptyHome } from './checks.js';
import { type RestoreCall, rejectUnsupported, resolveLayers } from './layers.js';
import { checkTargets, type TargetDatabase } from './targets.js';

/** One database restored: the unit a RESTORE runs (one Source.restore call), reported when done. */
export interface RestoreUnit {
  readonly sourceDb: string;
  readonly targetDb: string;
  readonly createDatabase: boolean;
  readonly tables: readonly TableEntry[];
  readonly objects: readonly SchemaObject[];
  /** The database's own pages, when it was backed up as pages. */
  readonly pages?: TableEntry | undefined;
}

export interface RestorePlan {
  readonly statement: string;
  readonly backup: OpenedBackup;
  readonly layer: Manifest;
  readonly units: readonly RestoreUnit[];
  readonly totalRows: number;
  readonly schemaOnly: boolean;
  readonly skipMissingForeignKeys: boolean;
  readonly noOwner: boolean;
  readonly noPrivileges: boolean;
  readonly detached: boolean;
}

export async function planRestore(
  ctx: EngineContext,
  stmt: RestoreStatement,
  call: RestoreCall,
): Promise<RestorePlan> {
  const o = stmt.options;
  rejectUnsupported(ctx.source.kind, stmt);
  const { backup, layer } = await resolveLayers(ctx, stmt, call);
  // An adopted job's finished databases are neither targets that exist already nor units to run again.
  const done = resumedDatabases(stmt, call.resume, await ctx.source.listDatabases());
  const existing = (await ctx.source.listDatabases()).filter((d) => !done.has(d));
  const targets = checkTargets(layer, stmt, existing);
  if (targets.requiresEmptyHome) await requireEmptyHome(ctx, existing, call.signal);
  const units: RestoreUnit[] = [];
  for (const target of targets.databases) {
    if (done.has(target.targetDb)) continue;
    const db = layer.databases.find((d) => d.name === target.sourceDb);
    if (db)
      units.push(await planUnit(ctx, db, target, targets.selection.coverage === 'tables', stmt, call.signal));
  }
  return {
    statement: format(stmt, { redact: true }),
    backup,
    layer,
    units,
    totalRows: rowsOf(units),
    schemaOnly: o.schemaOnly === true,
    skipMissingForeignKeys: o.skipMissingForeignKeys === true,
    noOwner: o.noOwner === true,
    noPrivileges: o.noPrivileges === true,
    detached: bool(o.detached),
  };
}

/**
 * One database's unit. Restoring tables (not whole databases) into an existing database checks their
 * foreign keys against it and leaves out the views and the other tables' objects.
 */
async function planUnit(
  ctx: EngineContext,
  db: DatabaseEntry,
  target: TargetDatabase,
  tablesOnly: boolean,
  stmt: RestoreStatement,
  signal: AbortSignal | undefined,
): Promise<RestoreUnit> {
  const chosen = db.tables.filter((t) => target.tables.includes(t.name));
  const skipMissing = stmt.options.skipMissingForeignKeys === true;
  return {
    sourceDb: target.sourceDb,
    targetDb: target.targetDb,
    createDatabase: target.createDatabase,
    tables: tablesOnly ? await checkForeignKeys(ctx, target.targetDb, chosen, skipMissing, signal) : chosen,
    objects: tablesOnly
      ? db.objects.filter((x) => x.type !== 'view' && target.tables.includes(x.table))
      : db.objects,
    pages: db.pages,
  };
}

/** The rows the plan restores (its progress total). */
export function rowsOf(units: readonly RestoreUnit[]): number {
  return units.reduce(
    (n, u) => n + u.tables.reduce((m, t) => m + t.spans.reduce((k, s) => k + s.rows, 0), 0),
    0,
  );
}
