// BACKUP's plan: everything that can fail before a byte is written fails here, stage by stage — options
// strongroom does not take, the destination and its key, the snapshot and targets, each table's spans and
// locality. The plan lists the run's units (one per span), so a job runner can tell which are done.
import type { EncryptionInfo } from '@strongroom/crypto';
import type { Snapshot } from '@strongroom/sources';
import { type BackupStatement, format } from '@strongroom/sql';
import type { Layer } from '../../collection/chain.js';
import { placeSpan, type WriteCollection } from '../../collection/collection.js';
import type { ChainKey } from '../../collection/encryption.js';
import { localityOf } from '../../config.js';
import type { EngineContext } from '../../context.js';
import type { Selection } from '../targets.js';
import { bool } from '../values.js';
import { resolveDestination, targetsKey } from './destination.js';
import {
  layerDirFor,
  openTargetSnapshot,
  type PlannedDatabase,
  type PlannedTable,
  planTables,
  selectFromSnapshot,
} from './plan-tables.js';
import { rejectUnsupported } from './reject-unsupported.js';

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

export async function planBackup(
  ctx: EngineContext,
  stmt: BackupStatement,
  signal?: AbortSignal,
): Promise<BackupPlan> {
  rejectUnsupported(ctx.source.kind, stmt);
  const dest = await resolveDestination(ctx, stmt, signal);
  const previousLayer = dest.chain.at(-1);
  const { snapshot, databases } = await openTargetSnapshot(ctx.source, stmt.targets, signal);
  try {
    const { schemas, selection } = await selectFromSnapshot(snapshot, databases, stmt.targets);
    const layer = await layerDirFor(
      dest.collection.defaultStore,
      dest.fullDir,
      previousLayer?.manifest,
      snapshot.time,
    );
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
    };
  } catch (err) {
    await snapshot.close();
    throw err;
  }
}
