// A BACKUP that resumes after its node died. A backup is always one consistent snapshot, so the node that
// adopts the job takes a fresh snapshot and plans again; what it keeps from the dead attempt is the layer
// directory (recorded in the job's checkpoint before anything is written) with the files written there,
// and the results of the units that attempt finished (rows of the state store's job_units, see
// jobs/job-units.ts). A planned span is not written again when an earlier attempt's result names the same
// table and bounds, its file is still there, and the span's fingerprint under the new snapshot equals the
// recorded one — the test an incremental applies to the previous layer's spans. Everything else is written
// anew, under file numbers no earlier attempt used, and what the new manifest does not name is removed
// before the commit.
import { createHash } from 'node:crypto';
import { StrongroomError } from '@strongroom/errors';
import type { ExternalStorage } from '@strongroom/storage';
import { exists, listAll } from '../../collection/chain.js';
import { storeOf, type WriteCollection } from '../../collection/collection.js';
import { type ChainKey, type KeyOptions, unlockChain } from '../../collection/encryption.js';
import { ENCRYPTION_INFO, MANIFEST } from '../../collection/layout.js';
import type { SpanEntry } from '../../collection/manifest.js';
import type { EngineContext } from '../../context.js';
import type { JobHandle } from '../../jobs/job-runner.js';
import type { NewUnit } from '../../jobs/job-units.js';
import type { BackupPlan, BackupUnit } from './plan.js';

/** What a BACKUP job records before it writes: where its layer goes, so an adopting node writes there too. */
export interface BackupCheckpoint {
  readonly dir: string;
  /** An incremental's full backup; null for a full backup. */
  readonly fullDir: string | null;
  /** The layer an incremental builds on; null for a full backup. */
  readonly previous: string | null;
  /** The time the directory's name encodes (the first attempt's snapshot). */
  readonly end: string;
  /**
   * The highest data file number any attempt so far may write: a later attempt numbers its files above it,
   * so a file still being written by a node that lost the job (presumed dead) never takes a name it needs.
   */
  readonly lastFile: number;
}

/** The checkpoint a job's record holds, or undefined when it has none (or not a BACKUP's). */
export function backupCheckpoint(v: unknown): BackupCheckpoint | undefined {
  const c = v as Partial<BackupCheckpoint> | undefined;
  if (c === undefined || c === null || typeof c.dir !== 'string' || typeof c.end !== 'string')
    return undefined;
  return {
    dir: c.dir,
    fullDir: typeof c.fullDir === 'string' ? c.fullDir : null,
    previous: typeof c.previous === 'string' ? c.previous : null,
    end: c.end,
    lastFile: Number(c.lastFile ?? 0) || 0,
  };
}

/** The checkpoint of a run about to write `units` into the plan's layer. */
export function checkpointOf(plan: BackupPlan, units: readonly BackupUnit[]): BackupCheckpoint {
  return {
    dir: plan.dir,
    fullDir: plan.backupType === 'incremental' ? plan.fullDir : null,
    previous: plan.previousLayer?.dir ?? null,
    end: (plan.resumed?.dirTime ?? plan.end).toISOString(),
    lastFile: Math.max(plan.resumed?.lastFile ?? 0, ...units.map((u) => u.file)),
  };
}

/** A resumed plan's layer: the recorded directory, and whether the files there can be reused. */
export interface ResumedLayer {
  /** The time the directory's name encodes (its LATEST marker is named after it). */
  readonly dirTime: Date;
  /** The highest data file number earlier attempts may have written (BackupCheckpoint.lastFile). */
  readonly lastFile: number;
  /** False when the earlier attempt's data key is lost (it died before ENCRYPTION-INFO): nothing is reused. */
  readonly reuse: boolean;
}

/**
 * Whether the checkpoint's layer can be written again by this plan: the same kind of layer on the same
 * chain (an incremental whose chain moved on starts afresh in a new directory), and not complete already.
 */
export async function resumableLayer(
  store: ExternalStorage,
  resume: BackupCheckpoint | undefined,
  fullDir: string | undefined,
  previous: string | undefined,
): Promise<BackupCheckpoint | undefined> {
  if (resume === undefined) return undefined;
  if ((resume.fullDir ?? undefined) !== fullDir || (resume.previous ?? undefined) !== previous)
    return undefined;
  if (await exists(store, `${resume.dir}/${MANIFEST}`)) return undefined;
  return resume;
}

/**
 * A resumed full backup's key: the one its ENCRYPTION-INFO files wrap (the files written under it are
 * only readable with it), or, when the attempt died before writing them, the fresh key planned now.
 */
export async function resumedFullKey(
  ctx: EngineContext,
  store: ExternalStorage,
  dir: string,
  keys: KeyOptions,
  fresh: { readonly key: ChainKey; readonly info: BackupPlan['info'] },
  signal?: AbortSignal,
): Promise<{ key: ChainKey; info: BackupPlan['info']; reuse: boolean }> {
  if (fresh.info === undefined) return { ...fresh, reuse: true };
  const infos = await listAll(store, `${dir}/${ENCRYPTION_INFO}`);
  if (infos.length === 0) return { ...fresh, reuse: false };
  return { key: await unlockChain(ctx, store, dir, keys, { signal }), info: undefined, reuse: true };
}

/**
 * A unit's identity across plans: its table and a digest of its bounds. A PostgreSQL span's bounds are key
 * values of the table — user data, which the backup keeps only inside its sealed manifest — so the state
 * store gets their SHA-256, enough to tell the same span again.
 */
interface UnitSpec {
  readonly database: string;
  readonly table: string;
  readonly bounds: string;
}

function specOf(plan: BackupPlan, u: BackupUnit): UnitSpec {
  const t = plan.tables[u.table];
  if (!t) throw new StrongroomError('INTERNAL', `unit of table ${u.table} outside the plan`);
  const bounds = createHash('sha256')
    .update(JSON.stringify([u.lo, u.hi]))
    .digest('hex');
  return { database: t.database, table: t.info.name, bounds };
}

/** A unit's result as the state store keeps it: its span entry without the bounds (see UnitSpec). */
export function unitResult(entry: SpanEntry): string {
  const { lo: _lo, hi: _hi, ...rest } = entry;
  return JSON.stringify(rest);
}

/** A recorded result as the entry of the unit it was matched to (same table, same bounds). */
function entryOf(u: BackupUnit, result: string): SpanEntry {
  return { ...(JSON.parse(result) as Omit<SpanEntry, 'lo' | 'hi'>), lo: u.lo, hi: u.hi };
}

/** The run's units and, per unit, an earlier attempt's entry that may be reused. */
export interface RunUnits {
  readonly units: readonly BackupUnit[];
  readonly candidates: readonly (SpanEntry | undefined)[];
}

/**
 * Records the plan's units in the job's units (where each finished one's entry is checkpointed). A resumed
 * plan first reads the earlier attempts' results as candidates and numbers its units' files after every
 * file already in the layer, so a span written again never meets an earlier attempt's file.
 */
export async function startUnits(plan: BackupPlan, job: JobHandle): Promise<RunUnits> {
  const ledger = job.units;
  const reuse = plan.resumed?.reuse === true;
  const earlier = reuse && ledger ? await ledger.recorded() : [];
  const found = new Map<string, string>();
  for (const r of earlier) if (r.result !== null) found.set(r.spec, r.result);
  const offset = plan.resumed ? await lastFileNumber(plan) : 0;
  const units = plan.units.map((u) => ({ ...u, file: u.file + offset }));
  const specs = units.map((u) => JSON.stringify(specOf(plan, u)));
  const candidates = units.map((u, i) => {
    const r = found.get(specs[i] as string);
    const c = r === undefined ? undefined : entryOf(u, r);
    return c && sameLocality(plan, u, c) ? c : undefined;
  });
  const rows: NewUnit[] = specs.map((spec, i) => {
    const c = candidates[i];
    return { spec, result: c ? unitResult(c) : null };
  });
  await ledger?.plan(rows);
  return { units, candidates };
}

/** A candidate's file is in the store the span goes to now (an empty span has no file). */
function sameLocality(plan: BackupPlan, u: BackupUnit, c: SpanEntry): boolean {
  return c.file === null || c.file.locality === plan.tables[u.table]?.locality;
}

/**
 * The highest data file number earlier attempts used: recorded in the checkpoint, or found in the layer's
 * directory in any of the collection's stores.
 */
async function lastFileNumber(plan: BackupPlan): Promise<number> {
  let max = plan.resumed?.lastFile ?? 0;
  for (const s of storesOf(plan.collection))
    for (const path of await listAll(s, `${plan.dir}/data/`)) {
      const m = /(\d+)\.rows$/.exec(path);
      if (m) max = Math.max(max, Number(m[1]));
    }
  return max;
}

function storesOf(c: WriteCollection): ExternalStorage[] {
  return [c.defaultStore, ...new Set(c.stores.values())].filter((s, i, all) => all.indexOf(s) === i);
}

/** An earlier attempt's entry, when its file is still where the entry says. */
export async function stillThere(plan: BackupPlan, c: SpanEntry): Promise<boolean> {
  return c.file === null || exists(storeOf(plan.collection, c.file.locality), c.file.path);
}

/**
 * Before a resumed layer's commit: removes what earlier attempts left in its directory that the manifest
 * will not name (files written anew or abandoned, a checksum or partition descriptor of a commit cut short).
 * ENCRYPTION-INFO files stay: they are the layer's.
 */
export async function removeUnnamed(
  plan: BackupPlan,
  entries: readonly (readonly SpanEntry[])[],
  signal: AbortSignal,
): Promise<number> {
  if (!plan.resumed) return 0;
  const named = new Set(entries.flatMap((t) => t.flatMap((e) => (e.file ? [e.file.path] : []))));
  let removed = 0;
  for (const s of storesOf(plan.collection))
    for (const path of await listAll(s, `${plan.dir}/`)) {
      signal.throwIfAborted();
      if (named.has(path) || path.startsWith(`${plan.dir}/${ENCRYPTION_INFO}`)) continue;
      await s.delete(path, signal);
      removed++;
    }
  return removed;
}
