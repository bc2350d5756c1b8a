// BACKUP's plan: everything that can fail before a byte is written fails here, stage by stage — options
// strongroom does not take, the destination and its key, the snapshot and targets, each table's spans and
// locality. The plan lists the run's units (one per span), so a job runner can tell which are done.
import type { EncryptionInfo } from '@strongroom/crypto';
import type { Snapshot } from '@strongroom/sources';
import { type BackupStatement, format } from '@strongroom/sql';
import { exists, type Layer } from '../../collection/chain.js';
import { placeSpan, type WriteCollection } from '../../collection/collection.js';
import type { ChainKey } from '../../collection/encryption.js';
import { MANIFEST } from '../../collection/layout.js';
import { localityOf } from '../../config.js';
import type { EngineContext } from '../../context.js';
import type { Selection } from '../targets.js';
import { bool, keyOptionsOf } from '../values.js';
import { type Destination, resolveDestination, targetsKey } from './destination.js';
import {
  layerDirFor,
  openTargetSnapshot,
  type PlannedDatabase,
  type PlannedTable,
  planTables,
  selectFromSnapshot,
} from './plan-tables.js';
import { rejectUnsupported } from './reject-unsupported.js';
import { type BackupCheckpoint, type ResumedLayer, resumableLayer, resumedFullKey } from './resume.js';

/**
 * One span of one table: the unit a backup writes (one data file, or none when the span is empty or
 * unchanged). A run reports each finished unit, so a job runner can checkpoint between them.
 */
export interface BackupUnit {
  /** Index into BackupPlan.tables. */
  readonly table: number;
  /** Index of the span in its table's boundaries (spans are boundaries.length + 1). */
  readonly span: number;
  readonly lo: string | null;
  readonly hi: string | null;
  /** The data file's number in the layer (`dataFileName(dir, file)`): the unit's place in the plan, from 1. */
  readonly file: number;
}

export interface BackupPlan {
  readonly statement: string;
  readonly collection: WriteCollection;
  readonly backupType: 'full' | 'incremental';
  readonly fullDir: string;
  readonly dir: string;
  readonly start: Date | null;
  readonly end: Date;
  readonly key: ChainKey;
  readonly info: EncryptionInfo | undefined;
  readonly selection: Selection;
  readonly tables: readonly PlannedTable[];
  readonly databases: readonly PlannedDatabase[];
  /** Every span of every table, in plan order. */
  readonly units: readonly BackupUnit[];
  readonly snapshot: Snapshot;
  readonly detached: boolean;
  readonly targetsKey: string;
  /** The layer this one builds on (an incremental's predecessor), and this layer's place in the chain. */
  readonly previousLayer: Layer | undefined;
  readonly seq: number;
  /** Set when an adopted job writes the layer directory an earlier attempt started (resume.ts). */
  readonly resumed?: ResumedLayer;
}

export interface PlanBackupOptions {
  /** The checkpoint of an adopted job: its layer directory is written again when still possible. */
  readonly resume?: BackupCheckpoint;
}

/** The spans between consecutive boundaries, open at both ends. */
export function spansOf(boundaries: readonly string[]): { lo: string | null; hi: string | null }[] {
  const out: { lo: string | null; hi: string | null }[] = [];
  for (let i = 0; i <= boundaries.length; i++)
    out.push({ lo: boundaries[i - 1] ?? null, hi: boundaries[i] ?? null });
  return out;
}

/** The plan's units: every table's spans in order, numbered from 1 across the layer. */
export function unitsOf(tables: readonly PlannedTable[]): BackupUnit[] {
  const spans = tables.flatMap((t, table) => spansOf(t.boundaries).map((b, span) => ({ table, span, ...b })));
  return spans.map((s, i) => ({ ...s, file: i + 1 }));
}

/**
 * Whether an adopted job's earlier attempt committed its layer already (its node died after the commit and
 * before the job's record said so): a full backup's manifest is there, or an incremental is part of its
 * chain. Such a job has succeeded; running it again would add a second backup.
 */
export async function committedEarlier(
  ctx: EngineContext,
  stmt: BackupStatement,
  resume: BackupCheckpoint,
  signal?: AbortSignal,
): Promise<boolean> {
  const fresh = await resolveDestination(ctx, stmt, signal);
  if (resume.fullDir === null) return exists(fresh.collection.defaultStore, `${resume.dir}/${MANIFEST}`);
  return fresh.chain.some((layer) => layer.dir === resume.dir);
}

export async function planBackup(
  ctx: EngineContext,
  stmt: BackupStatement,
  signal?: AbortSignal,
  options: PlanBackupOptions = {},
): Promise<BackupPlan> {
  rejectUnsupported(ctx.source.kind, stmt);
  const fresh = await resolveDestination(ctx, stmt, signal);
  const store = fresh.collection.defaultStore;
  const previousLayer = fresh.chain.at(-1);
  const resume = await resumableLayer(store, options.resume, fresh.fullDir, previousLayer?.dir);
  const { dest, reuse } =
    resume?.fullDir === null
      ? await resumedFull(ctx, stmt, fresh, resume.dir, signal)
      : { dest: fresh, reuse: true };
  const { snapshot, databases } = await openTargetSnapshot(ctx.source, stmt.targets, signal);
  try {
    const { schemas, selection } = await selectFromSnapshot(snapshot, databases, stmt.targets);
    const layer = resume
      ? {
          dir: resume.dir,
          start: previousLayer ? new Date(previousLayer.manifest.endTime) : null,
          end: snapshot.time,
        }
      : await layerDirFor(store, dest.fullDir, previousLayer?.manifest, snapshot.time);
    const planned = await planTables({
      snapshot,
      schemas,
      selection,
      previous: previousLayer?.manifest,
      place: (db, table) => {
        const tiers = localityOf(ctx.domicile, db, table, ctx.locality);
        return { locality: placeSpan(dest.collection, tiers), tiers };
      },
      strictLocality: stmt.options.strictStorageLocality === true,
    });
    return {
      statement: format(stmt, { redact: true }),
      collection: dest.collection,
      backupType: dest.fullDir ? 'incremental' : 'full',
      fullDir: dest.fullDir ?? layer.dir,
      ...layer,
      key: dest.key,
      info: dest.info,
      selection,
      ...planned,
      units: unitsOf(planned.tables),
      snapshot,
      detached: bool(stmt.options.detached),
      targetsKey: targetsKey(stmt),
      previousLayer,
      seq: dest.chain.length + 1,
      ...(resume ? { resumed: { dirTime: new Date(resume.end), lastFile: resume.lastFile, reuse } } : {}),
    };
  } catch (err) {
    await snapshot.close();
    throw err;
  }
}

/** A resumed full backup's destination: its key is the one the earlier attempt's ENCRYPTION-INFO wraps. */
async function resumedFull(
  ctx: EngineContext,
  stmt: BackupStatement,
  fresh: Destination,
  dir: string,
  signal?: AbortSignal,
): Promise<{ dest: Destination; reuse: boolean }> {
  const store = fresh.collection.defaultStore;
  const k = await resumedFullKey(ctx, store, dir, keyOptionsOf(stmt.options), fresh, signal);
  return { dest: { ...fresh, key: k.key, info: k.info }, reuse: k.reuse };
}
