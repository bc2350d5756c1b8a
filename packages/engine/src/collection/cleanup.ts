// Removes what killed or crashed BACKUPs left in a collection: layer directories that never got their
// BACKUP_MANIFEST (a layer without one is not a backup; nothing references its files) and, on local
// storage, hidden temporary files of dead writers. Run at the start of every BACKUP into the collection.
// A directory is removed only when no live writer can still be filling it: its job on this host has ended,
// or, written from elsewhere, its snapshot time is older than ORPHAN_GRACE_MS.
import type { ExternalStorage } from '@strongroom/storage';
import type { EngineContext } from '../context.js';
import { collectionName } from './anchor.js';
import { exists, listAll, listFullDirs } from './chain.js';
import { INCREMENTALS, isIncrementalName, MANIFEST } from './layout.js';

/** How old an incomplete layer written by another host (or an older strongroom) must be to be removed. */
export const ORPHAN_GRACE_MS = 24 * 3600_000;

/** The snapshot time a full backup's or an incremental layer's directory name encodes. */
function dirTime(dir: string): number | undefined {
  const m = /(\d{4})\/?(\d{2})\/?(\d{2})[-/](\d{2})(\d{2})(\d{2})\.(\d{2})(?:-\d{8}-\d{6}\.\d{2})?$/.exec(
    dir,
  );
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, cs] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s, (cs as number) * 10);
}

/** Every layer directory of a collection, complete or not: full backups and incremental layers. */
async function layerDirs(store: ExternalStorage): Promise<string[]> {
  const fulls = await listFullDirs(store);
  const incrementals: string[] = [];
  for (const full of fulls) incrementals.push(...(await incrementalDirsOf(store, full)));
  return [...fulls, ...incrementals];
}

/** The incremental layer directories of one full backup, complete or not. */
async function incrementalDirsOf(store: ExternalStorage, full: string): Promise<string[]> {
  const base = `${INCREMENTALS}/${full}/`;
  const out: string[] = [];
  for (const day of await listAll(store, base, '/'))
    for (const l of await listAll(store, day, '/')) {
      const rel = l.slice(base.length).replace(/\/$/, '');
      if (isIncrementalName(rel)) out.push(`${base}${rel}`);
    }
  return out;
}

export interface CleanupResult {
  readonly removedDirs: readonly string[];
  readonly removedTemporaries: number;
}

/**
 * An incomplete layer directory no live writer can still be filling: its job on this host ended, or (in
 * the default store only) no job of this host wrote it and its snapshot time is older than the grace.
 */
function isAbandoned(writer: string | undefined, dir: string, isDefault: boolean, now: number): boolean {
  if (writer === 'dead') return true;
  const t = dirTime(dir);
  return isDefault && writer === undefined && t !== undefined && now - t > ORPHAN_GRACE_MS;
}

/** Local storage's hidden temporary files of dead writers (other stores have none). */
async function removeStaleTemporaries(store: ExternalStorage): Promise<number> {
  const local = store as ExternalStorage & { removeStaleTemporaries?: (maxAgeMs: number) => Promise<number> };
  return typeof local.removeStaleTemporaries === 'function'
    ? local.removeStaleTemporaries(ORPHAN_GRACE_MS)
    : 0;
}

/**
 * Cleans the stores of one collection: `stores[0]` is its default store, which alone holds the manifests;
 * the others are its locality stores. `keep` is the directory the calling BACKUP is about to write. A
 * locality store may be shared with other collections, so there a directory is removed only when a job of
 * this host wrote it and ended, never by age. Best effort per object: what is not removed now is later.
 */
export async function cleanupCollection(
  ctx: EngineContext,
  stores: readonly ExternalStorage[],
  opts: { keep?: string; now?: number; signal?: AbortSignal } = {},
): Promise<CleanupResult> {
  const now = opts.now ?? Date.now();
  const removedDirs: string[] = [];
  let removedTemporaries = 0;
  const defaultStore = stores[0];
  if (!defaultStore) return { removedDirs, removedTemporaries };
  for (const [i, store] of stores.entries()) {
    const name = collectionName(store);
    const isDefault = i === 0;
    for (const dir of await layerDirs(store)) {
      opts.signal?.throwIfAborted();
      if (dir === opts.keep || (await exists(defaultStore, `${dir}/${MANIFEST}`))) continue;
      if (!isAbandoned(await targetWriter(ctx, name, dir), dir, isDefault, now)) continue;
      for (const path of await listAll(store, `${dir}/`)) await store.delete(path).catch(() => undefined);
      removedDirs.push(`${name}/${dir}`);
    }
    removedTemporaries += await removeStaleTemporaries(store);
  }
  return { removedDirs, removedTemporaries };
}

/**
 * Who wrote an incomplete layer directory, as far as this host knows: 'live' while a job holding a live lease
 * writes it, 'dead' when every job that wrote it ended or lost its node, undefined when no job of this host
 * wrote it.
 */
async function targetWriter(
  ctx: EngineContext,
  collection: string,
  dir: string,
): Promise<'live' | 'dead' | undefined> {
  const jobs = ctx.host.targetJobs(collection, dir);
  if (jobs.length === 0) return undefined;
  for (const id of jobs) if ((await ctx.jobs.liveness(id)) === 'live') return 'live';
  return 'dead';
}
