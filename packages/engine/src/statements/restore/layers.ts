// RESTORE stage 1: open the backup (full backup, key, chain, localities: collection/open-backup.ts) and
// choose the layer to restore — the newest, or the one ending exactly at AS OF SYSTEM TIME.
import { StrongroomError } from '@strongroom/errors';
import type { RestoreStatement } from '@strongroom/sql';
import type { Manifest } from '../../collection/manifest.js';
import { type OpenedBackup, openBackup } from '../../collection/open-backup.js';
import type { EngineContext } from '../../context.js';
import { evalTime, keyOptionsOf, str, strs } from '../values.js';
import type { RestoreCheckpoint } from './checkpoint.js';

export interface RestoreCall {
  readonly signal?: AbortSignal;
  readonly onNotice?: (m: string) => void;
  /** An adopted job's checkpoint: the databases it restored are left out of the plan (checkpoint.ts). */
  readonly resume?: RestoreCheckpoint;
}

/** Options RESTORE parses but refuses (alone or in this combination, or for this source). */
export function rejectUnsupported(sourceKind: string, stmt: RestoreStatement): void {
  const o = stmt.options;
  if (o.verifyBackupTableData && !o.schemaOnly)
    throw new StrongroomError(
      'INVALID_OPTION',
      'to set the verify_backup_table_data option, the schema_only option must be set',
    );
  // Owners and privileges are PostgreSQL's; elsewhere the options would silently do nothing.
  if ((o.noOwner || o.noPrivileges) && sourceKind !== 'postgres')
    throw new StrongroomError(
      'INVALID_OPTION',
      `${o.noOwner ? 'no_owner' : 'no_privileges'} applies to PostgreSQL sources only (this source is ${sourceKind})`,
    );
  if (o.incrementalLocation)
    throw new StrongroomError(
      'UNSUPPORTED_STATEMENT',
      'incremental_location is not supported (removed in CockroachDB v26.2)',
    );
}

export interface ResolvedLayers {
  readonly backup: OpenedBackup;
  /** The manifest of the layer restored: it describes the complete state at its end time. */
  readonly layer: Manifest;
}

export async function resolveLayers(
  ctx: EngineContext,
  stmt: RestoreStatement,
  call: RestoreCall,
): Promise<ResolvedLayers> {
  const o = stmt.options;
  const backup = await openBackup(ctx, strs(stmt.uris), str(stmt.from), keyOptionsOf(o), {
    requireLocalities: true,
    skipRollbackCheck: o.skipRollbackCheck === true,
    ...call,
  });
  const layers = stmt.asOf ? layersAsOf(backup.layers, evalTime(stmt.asOf)) : backup.layers;
  const layer = layers.at(-1)?.manifest;
  if (!layer) throw new StrongroomError('BACKUP_NOT_FOUND', 'the backup has no layers');
  return { backup, layer };
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
