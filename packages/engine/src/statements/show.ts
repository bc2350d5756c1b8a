// SHOW BACKUPS and SHOW BACKUP [SCHEMAS | FILES | RANGES] with CockroachDB's columns, computed
// from the manifests (rows and sizes are what each layer really stored). `check_files` reads and
// authenticates every file of the chain and reports its stored size.
import { StrongroomError } from '@strongroom/errors';
import type { ResultColumn, ResultSet, ResultValue } from '@strongroom/sources';
import type { ShowBackupStatement, ShowBackupsStatement } from '@strongroom/sql';
import { listFullBackups } from '../collection/chain.js';
import { openForRead } from '../collection/collection.js';
import {
  type DatabaseEntry,
  type FileRef,
  filesOf,
  type Manifest,
  type SpanEntry,
  type TableEntry,
} from '../collection/manifest.js';
import { type OpenedBackup, openBackup, storeForFile } from '../collection/open-backup.js';
import { readSpanFile } from '../collection/spans.js';
import type { EngineContext } from '../context.js';
import { keyOptionsOf, str, strs } from './values.js';

const col = (name: string, type: string): ResultColumn => ({ name, type });

/** A span bound for display. Sources mark positions that are not key values (PostgreSQL heap pages) with a leading NUL. */
function pretty(bound: string | null, unbounded: string): string {
  if (bound === null) return unbounded;
  return bound.startsWith('\u0000') ? bound.slice(1) : bound;
}

export async function showBackups(ctx: EngineContext, stmt: ShowBackupsStatement): Promise<ResultSet> {
  const uris = strs(stmt.uris);
  if (uris.length !== 1)
    throw new StrongroomError('INVALID_PARAMETER', 'SHOW BACKUPS takes the default collection URI only');
  const c = await openForRead(ctx, uris);
  const dirs = await listFullBackups(c.defaultStore);
  return { columns: [col('path', 'text')], rows: dirs.map((d) => [`/${d}`]), tag: `SHOW ${dirs.length}` };
}

export const BASE_COLUMNS = [
  col('database_name', 'text'),
  col('parent_schema_name', 'text'),
  col('object_name', 'text'),
  col('object_type', 'text'),
  col('backup_type', 'text'),
  // CockroachDB's SHOW BACKUP times are TIMESTAMP (UTC, no zone): `2026-12-04 16:38:11.892`.
  col('start_time', 'timestamp'),
  col('end_time', 'timestamp'),
  col('size_bytes', 'int8'),
  col('rows', 'int8'),
  col('is_full_cluster', 'bool'),
  col('regions', 'text'),
];

/** CockroachDB lists at most this many missing files before it stops looking. */
const MAX_MISSING = 10;

/** Every file's stored size; missing files are listed together (up to 10) as CockroachDB's check_files does. */
async function checkFiles(b: OpenedBackup, signal?: AbortSignal): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const missing: string[] = [];
  for (const l of b.layers)
    for (const f of filesOf(l.manifest)) {
      if (sizes.has(f.path) || missing.length >= MAX_MISSING) continue;
      const store = storeForFile(b, f);
      if ((await store.size(f.path, signal)) === undefined) missing.push(`${store.redactedUri}/${f.path}`);
      else sizes.set(f.path, await checkFile(b, f, signal));
    }
  if (missing.length > 0) {
    const prefix =
      missing.length >= MAX_MISSING
        ? 'Multiple files cannot be read from the backup including:'
        : 'The following files are missing from the backup:';
    throw new StrongroomError('CORRUPTED', `${prefix}\n\t${missing.sort().join('\n\t')}`);
  }
  return sizes;
}

async function checkFile(b: OpenedBackup, f: FileRef, signal?: AbortSignal): Promise<number> {
  const store = storeForFile(b, f);
  const size = await store.size(f.path, signal);
  if (size === undefined)
    throw new StrongroomError('CORRUPTED', `file ${f.path} is missing from ${store.redactedUri}`);
  let plain = 0;
  for await (const chunk of readSpanFile(store, f.path, b.key.key, signal, f.compression))
    plain += chunk.length;
  if (plain !== f.logicalBytes)
    throw new StrongroomError(
      'CORRUPTED',
      `file ${f.path} is corrupted or has been tampered with (size mismatch)`,
    );
  return size;
}

function layerRows(
  m: Manifest,
  schemas: boolean,
  fileBytes: Map<string, number> | undefined,
  skipSize = false,
): ResultValue[][] {
  const out: ResultValue[][] = [];
  const start = m.startTime ? new Date(m.startTime) : null;
  const end = new Date(m.endTime);
  const full = m.coverage === 'all';
  const common = (type: string): ResultValue[] => [type, m.backupType, start, end];
  const extra = (v: ResultValue[]): ResultValue[] => {
    const row = [...v];
    if (schemas) row.push(null);
    if (fileBytes) row.push(null);
    return row;
  };
  for (const db of m.databases) {
    out.push(extra([null, null, db.name, ...common('database'), null, null, full, null]));
    out.push(extra([db.name, null, 'public', ...common('schema'), null, null, full, null]));
    for (const t of db.tables) {
      const row: ResultValue[] = [
        db.name,
        'public',
        t.name,
        ...common('table'),
        ...tableSize(m, t, skipSize),
        full,
        null,
      ];
      if (schemas) row.push(t.createSql.endsWith(';') ? t.createSql : `${t.createSql};`);
      if (fileBytes)
        row.push(layerFiles(m, t).reduce((n, s) => n + (fileBytes.get(s.file?.path ?? '') ?? 0), 0));
      out.push(row);
    }
  }
  return out;
}

/** The spans of `t` whose files this layer wrote (not an earlier layer's, reused). */
function layerFiles(m: Manifest, t: TableEntry): SpanEntry[] {
  return t.spans.filter((s) => s.file?.path.startsWith(`${m.dir}/`));
}

/** A table's size and rows in this layer; WITH skip size: CockroachDB computes no sizes and shows 0 for both. */
function tableSize(m: Manifest, t: TableEntry, skipSize: boolean): [number, number] {
  if (skipSize) return [0, 0];
  const mine = layerFiles(m, t);
  return [mine.reduce((n, s) => n + (s.file?.logicalBytes ?? 0), 0), mine.reduce((n, s) => n + s.rows, 0)];
}

/** Every span of a layer's manifest, with its database and table (the database's own pages last). */
function* manifestSpans(m: Manifest): Generator<{ db: DatabaseEntry; t: TableEntry; s: SpanEntry }> {
  for (const db of m.databases)
    for (const t of db.pages ? [...db.tables, db.pages] : db.tables)
      for (const s of t.spans) yield { db, t, s };
}

/** A span's bounds as SHOW BACKUP prints them: `/db/table/lo`, `/db/table/hi`. */
function spanBounds(db: DatabaseEntry, t: TableEntry, s: SpanEntry): [string, string] {
  return [`/${db.name}/${t.name}/${pretty(s.lo, 'Min')}`, `/${db.name}/${t.name}/${pretty(s.hi, 'Max')}`];
}

export async function showBackup(
  ctx: EngineContext,
  stmt: ShowBackupStatement,
  opts: { signal?: AbortSignal; onNotice?: (m: string) => void },
): Promise<ResultSet> {
  const o = stmt.options;
  const b = await openBackup(ctx, strs(stmt.uris), str(stmt.from), keyOptionsOf(o), {
    requireLocalities: o.checkFiles === true,
    skipRollbackCheck: o.skipRollbackCheck === true,
    ...opts,
  });
  const fileBytes = o.checkFiles ? await checkFiles(b, opts.signal) : undefined;
  if (o.asJson) {
    return {
      columns: [col('manifest', 'jsonb')],
      rows: b.layers.map((l) => [JSON.stringify(l.manifest)]),
      tag: `SHOW ${b.layers.length}`,
    };
  }
  if (stmt.details === 'files') return showFiles(b, fileBytes);
  if (stmt.details === 'ranges') return showRanges(b);
  const schemas = stmt.details === 'schemas';
  const columns = [...BASE_COLUMNS];
  if (schemas) columns.push(col('create_statement', 'text'));
  if (fileBytes) columns.push(col('file_bytes', 'int8'));
  const rows = b.layers.flatMap((l) => layerRows(l.manifest, schemas, fileBytes, o.skipSize === true));
  return { columns, rows, tag: `SHOW ${rows.length}` };
}

export const RANGES_COLUMNS = [
  col('start_pretty', 'text'),
  col('end_pretty', 'text'),
  col('start_key', 'bytea'),
  col('end_key', 'bytea'),
];

export const FILES_COLUMNS = [
  col('path', 'text'),
  col('backup_type', 'text'),
  col('start_pretty', 'text'),
  col('end_pretty', 'text'),
  col('start_key', 'bytea'),
  col('end_key', 'bytea'),
  col('size_bytes', 'int8'),
  col('rows', 'int8'),
  col('locality', 'text'),
  col('file_bytes', 'int8'),
];

function showRanges(b: OpenedBackup): ResultSet {
  const rows: ResultValue[][] = [];
  for (const l of b.layers)
    for (const { db, t, s } of manifestSpans(l.manifest)) {
      const [lo, hi] = spanBounds(db, t, s);
      // start_key/end_key: the bytes of the same bounds (strongroom's keys are these texts), as in FILES.
      rows.push([lo, hi, Buffer.from(lo), Buffer.from(hi)]);
    }
  return { columns: RANGES_COLUMNS, rows, tag: `SHOW ${rows.length}` };
}

function showFiles(b: OpenedBackup, fileBytes: Map<string, number> | undefined): ResultSet {
  const rows: ResultValue[][] = [];
  for (const l of b.layers) {
    const m = l.manifest;
    const aware = m.localities.length > 1;
    for (const { db, t, s } of manifestSpans(m)) {
      if (!s.file?.path.startsWith(`${m.dir}/`)) continue;
      const [lo, hi] = spanBounds(db, t, s);
      rows.push([
        `/${s.file.path}`,
        m.backupType,
        lo,
        hi,
        Buffer.from(lo),
        Buffer.from(hi),
        s.file.logicalBytes,
        s.rows,
        aware ? s.file.locality : 'NULL',
        fileBytes?.get(s.file.path) ?? -1,
      ]);
    }
  }
  return { columns: FILES_COLUMNS, rows, tag: `SHOW ${rows.length}` };
}
