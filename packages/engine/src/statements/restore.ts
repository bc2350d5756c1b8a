// RESTORE: choose the layer (LATEST's newest, or the one ending exactly at AS OF SYSTEM TIME), resolve the
// targets against its manifest, check nothing would be overwritten, then let the source create the
// schema and load each table's spans, wherever in the chain and in whichever locality they live.
import { StrongroomError } from '@strongroom/errors';
import { type PageFileTarget, type RestoreTable, releaseChunk, type SchemaObject } from '@strongroom/sources';
import { format, type RestoreStatement } from '@strongroom/sql';
import type { Manifest, TableEntry } from '../collection/manifest.js';
import { type OpenedBackup, openBackup, storeForFile } from '../collection/open-backup.js';
import { readSpanFile } from '../collection/spans.js';
import type { EngineContext } from '../context.js';
import type { JobHandle } from '../jobs/job-runner.js';
import { decodeSpan, decodeSpansAhead, writePageSpans } from '../pipeline/decode-pool.js';
import { checkForeignKeys, requireEmptyHome } from './restore-checks.js';
import { selectTargets } from './targets.js';
import { bool, evalTime, str, strs } from './values.js';

export interface RestoreUnit {
  readonly sourceDb: string;
  readonly targetDb: string;
  readonly createDatabase: boolean;
  readonly tables: readonly TableEntry[];
  readonly objects: readonly SchemaObject[];
  /** The database's own pages, when it was backed up as pages. */
  readonly pages?: TableEntry;
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

/**
 * A RESTORE job's checkpoint: the target databases completely restored, and the one being restored when it
 * was saved. A database appears only once complete, so one that exists and was `current` is done too.
 */
export interface RestoreCheckpoint {
  readonly restored: readonly string[];
  readonly current?: string;
  readonly rows: number;
  readonly bytes: number;
  readonly totalRows: number;
}

export function restoreCheckpoint(v: unknown): RestoreCheckpoint | undefined {
  const c = v as Partial<RestoreCheckpoint> | undefined;
  if (c === undefined || c === null || !Array.isArray(c.restored)) return undefined;
  return {
    restored: c.restored.map(String),
    ...(typeof c.current === 'string' ? { current: c.current } : {}),
    rows: Number(c.rows ?? 0),
    bytes: Number(c.bytes ?? 0),
    totalRows: Number(c.totalRows ?? 0),
  };
}

export async function planRestore(
  ctx: EngineContext,
  stmt: RestoreStatement,
  opts: { signal?: AbortSignal; onNotice?: (m: string) => void; resume?: RestoreCheckpoint },
): Promise<RestorePlan> {
  const o = stmt.options;
  if (o.verifyBackupTableData && !o.schemaOnly)
    throw new StrongroomError(
      'INVALID_OPTION',
      'to set the verify_backup_table_data option, the schema_only option must be set',
    );
  // Owners and privileges are PostgreSQL's; elsewhere the options would silently do nothing.
  if ((o.noOwner || o.noPrivileges) && ctx.source.kind !== 'postgres')
    throw new StrongroomError(
      'INVALID_OPTION',
      `${o.noOwner ? 'no_owner' : 'no_privileges'} applies to PostgreSQL sources only (this source is ${ctx.source.kind})`,
    );
  if (o.incrementalLocation)
    throw new StrongroomError(
      'UNSUPPORTED_STATEMENT',
      'incremental_location is not supported (removed in CockroachDB v26.2)',
    );
  const backup = await openBackup(
    ctx,
    strs(stmt.uris),
    str(stmt.from),
    { kms: strs(o.kms), ...(o.encryptionPassphrase ? { passphrase: str(o.encryptionPassphrase) } : {}) },
    { requireLocalities: true, skipRollbackCheck: o.skipRollbackCheck === true, ...opts },
  );
  const layers = stmt.asOf ? layersAsOf(backup.layers, evalTime(stmt.asOf)) : backup.layers;
  const layer = layers.at(-1)?.manifest;
  if (!layer) throw new StrongroomError('BACKUP_NOT_FOUND', 'the backup has no layers');

  const catalog = layer.databases.map((d) => ({ name: d.name, tables: d.tables.map((t) => t.name) }));
  const sel = selectTargets(catalog, stmt.targets, ' in the backup');
  const intoDb = o.intoDb ? str(o.intoDb) : undefined;
  const newDbName = o.newDbName ? str(o.newDbName) : undefined;
  if (intoDb !== undefined && sel.coverage !== 'tables')
    throw new StrongroomError('INVALID_OPTION', 'cannot use "into_db" option when restoring database(s)');
  if (newDbName !== undefined && (sel.coverage !== 'databases' || sel.databases.size !== 1))
    throw new StrongroomError(
      'INVALID_OPTION',
      'new_db_name can only be used for RESTORE DATABASE with a single target database',
    );
  const existing = await ctx.source.listDatabases();
  if (sel.coverage === 'all' && layer.coverage === 'all') await requireEmptyHome(ctx, existing, opts.signal);
  const units: RestoreUnit[] = [];
  for (const [dbName, tableNames] of sel.databases) {
    const db = layer.databases.find((d) => d.name === dbName);
    if (!db) continue;
    const targetDb = sel.coverage === 'tables' ? (intoDb ?? dbName) : (newDbName ?? dbName);
    // A full restore (no targets) may land in databases that already exist, like CockroachDB's restore
    // into an empty cluster: the source still refuses any table, view, index or trigger name clash.
    const createDatabase =
      sel.coverage === 'databases' || (sel.coverage === 'all' && !existing.includes(targetDb));
    // Resuming an adopted job: what its checkpoint says is restored is skipped (never loaded twice).
    const r = opts.resume;
    if (
      r !== undefined &&
      (r.restored.includes(targetDb) ||
        (r.current === targetDb && sel.coverage !== 'tables' && existing.includes(targetDb)))
    )
      continue;
    if (sel.coverage === 'databases' && existing.includes(targetDb))
      throw new StrongroomError('TARGET_EXISTS', `database "${targetDb}" already exists`, {
        hint: 'restore into a new name with new_db_name, or drop the database first',
      });
    if (sel.coverage === 'tables' && !existing.includes(targetDb))
      throw new StrongroomError(
        'DATABASE_NOT_FOUND',
        `a database named "${targetDb}" needs to exist to restore tables into`,
        {
          hint:
            intoDb === undefined
              ? 'create it first, or restore the tables into an existing database with into_db'
              : `create database "${targetDb}" first (CREATE DATABASE), or give into_db an existing database`,
        },
      );
    const chosen = db.tables.filter((t) => tableNames.includes(t.name));
    const tables =
      sel.coverage === 'tables'
        ? await checkForeignKeys(ctx, targetDb, chosen, o.skipMissingForeignKeys === true, opts.signal)
        : chosen;
    const objects = db.objects.filter((x) =>
      sel.coverage !== 'tables' ? true : x.type !== 'view' && tableNames.includes(x.table),
    );
    units.push({
      sourceDb: dbName,
      targetDb,
      createDatabase,
      tables,
      objects,
      ...(db.pages ? { pages: db.pages } : {}),
    });
  }
  const totalRows = units.reduce(
    (n, u) => n + u.tables.reduce((m, t) => m + t.spans.reduce((k, s) => k + s.rows, 0), 0),
    0,
  );
  return {
    statement: format(stmt, { redact: true }),
    backup,
    layer,
    units,
    totalRows,
    schemaOnly: o.schemaOnly === true,
    skipMissingForeignKeys: o.skipMissingForeignKeys === true,
    noOwner: o.noOwner === true,
    noPrivileges: o.noPrivileges === true,
    detached: bool(o.detached),
  };
}

export async function runRestore(
  ctx: EngineContext,
  plan: RestorePlan,
  job: JobHandle,
): Promise<{ rows: number }> {
  const { backup } = plan;
  // An adopted job continues its predecessor's count, so fraction_completed goes on from where it was.
  const resumed = restoreCheckpoint(job.resumeFrom);
  let rows = resumed?.rows ?? 0;
  let bytes = resumed?.bytes ?? 0;
  let loaded = resumed?.rows ?? 0;
  const restored = [...(resumed?.restored ?? [])];
  const totalRows = resumed === undefined ? plan.totalRows : resumed.rows + plan.totalRows;
  const total = Math.max(totalRows, 1);
  const save = (current?: string) =>
    job.saveCheckpoint(
      { restored, ...(current ? { current } : {}), rows, bytes, totalRows } satisfies RestoreCheckpoint,
      `${restored.length} database(s) restored${current ? `, restoring ${current}` : ''}`,
    );
  for (const u of plan.units) {
    await job.checkpoint();
    await save(u.targetDb);
    const spansOf = (t: TableEntry, slots: boolean) =>
      async function* () {
        if (t.attributes.spans === 'pages') {
          // Page spans are at most a window each: decoded ahead on other cores, into arena slots.
          const decoded = decodeSpansAhead(
            t.spans.flatMap((s) => {
              const file = s.file;
              if (!file) return [];
              return [
                () =>
                  decodeSpan(
                    storeForFile(backup, file).read(file.path, { signal: job.signal }),
                    backup.key.key,
                    file.path,
                    file.compression,
                  ),
              ];
            }),
          );
          for await (const c of decoded) {
            if (slots) yield c;
            else {
              const copy = Buffer.from(c);
              releaseChunk(c);
              yield copy;
            }
          }
          return;
        }
        for (const s of t.spans) {
          if (!s.file) continue;
          yield* readSpanFile(
            storeForFile(backup, s.file),
            s.file.path,
            backup.key.key,
            job.signal,
            s.file.compression,
            slots,
          );
        }
      };
    // Page spans are written into the source's file by the decoder threads themselves.
    const pagesWriter = (t: TableEntry) =>
      t.attributes.spans === 'pages'
        ? {
            writePages: (target: PageFileTarget) =>
              writePageSpans(
                t.spans.flatMap((s) => {
                  const file = s.file;
                  if (!file) return [];
                  return [
                    {
                      read: () => storeForFile(backup, file).read(file.path, { signal: job.signal }),
                      key: backup.key.key,
                      path: file.path,
                      compression: file.compression,
                    },
                  ];
                }),
                target,
              ),
          }
        : {};
    const tables: RestoreTable[] = u.tables.map((t) => ({
      table: {
        database: u.targetDb,
        name: t.name,
        createSql: t.createSql,
        columns: t.columns,
        attributes: t.attributes,
      },
      expected: t.spans.reduce(
        (sum, s) => ({
          rows: sum.rows + (s.file ? s.rows : 0),
          bytes: sum.bytes + (s.file?.logicalBytes ?? 0),
        }),
        { rows: 0, bytes: 0 },
      ),
      data: (options?: { readonly slots?: boolean }) => spansOf(t, options?.slots === true)(),
      ...pagesWriter(t),
    }));
    // A schema-only restore needs no pages: the tables are created from their statements.
    const pages =
      u.pages && !plan.schemaOnly
        ? {
            databasePages: {
              attributes: u.pages.attributes,
              data: (options?: { readonly slots?: boolean }) =>
                spansOf(u.pages as TableEntry, options?.slots === true)(),
              ...pagesWriter(u.pages),
            },
          }
        : {};
    const res = await ctx.source.restore({
      database: u.targetDb,
      createDatabase: u.createDatabase,
      tables,
      objects: u.objects,
      ...pages,
      schemaOnly: plan.schemaOnly,
      skipMissingForeignKeys: plan.skipMissingForeignKeys,
      noOwner: plan.noOwner,
      noPrivileges: plan.noPrivileges,
      signal: job.signal,
      onRows: (r, b) => {
        rows += r;
        bytes += b;
        job.report(rows / total, rows, bytes, `restoring ${u.targetDb}`);
      },
    });
    loaded += res.rows;
    restored.push(u.targetDb);
    await save();
  }
  return { rows: loaded };
}

/** `2026-12-04 16:38:11.892000`: CockroachDB's way of printing a timestamp in its messages. */
function crdbTime(iso: string): string {
  return `${iso.replace('T', ' ').replace(/Z$/, '')}000`;
}

/**
 * The chain up to the layer ending exactly at `t` (CockroachDB's ValidateEndTimeAndTruncate without revision
 * history, which strongroom does not take): any other time inside the chain would restore a different point
 * in time than asked for, and a time after its end is not covered.
 */
export function layersAsOf<L extends { readonly manifest: Manifest }>(layers: readonly L[], t: Date): L[] {
  const ms = t.getTime();
  const ends = layers.map((l) => new Date(l.manifest.endTime).getTime());
  const i = ends.indexOf(ms);
  if (i >= 0) return layers.slice(0, i + 1);
  const last = layers.at(-1);
  if (!last || ms > (ends.at(-1) ?? 0))
    throw new StrongroomError(
      'INVALID_TIME',
      `invalid RESTORE timestamp: supplied backups do not cover requested time${last ? ` (the newest backup ends at ${crdbTime(last.manifest.endTime)})` : ''}`,
    );
  const after = ends.findIndex((e) => e > ms);
  const nearest = [layers[after - 1], layers[after]]
    .filter((l): l is L => l !== undefined)
    .map((l) => crdbTime(l.manifest.endTime));
  throw new StrongroomError(
    'INVALID_TIME',
    `invalid RESTORE timestamp: restoring to arbitrary time requires that BACKUP for requested time be created with 'revision_history' option. nearest BACKUP times are ${nearest.join(' or ')}`,
    { hint: "SHOW BACKUP lists each layer's end_time; use one of them" },
  );
}
