// Retention that understands chains (pgBackRest's repo-retention-full as the model): EXPIRE BACKUPS and a
// schedule's keep_full remove whole chains — a full backup with every incremental on it — and never the
// newest one, so a chain goes only after a newer full backup completed. The newest chain is what LATEST
// and incremental backups use, so LATEST stays right and the rollback anchor (which checks the newest full
// and each chain's own length) is not tripped. A chain that a running RESTORE, BACKUP or ALTER BACKUP of
// this host names is kept.
//
// Order of removal, so that an expiry killed at any point leaves every remaining backup restorable: first the
// full backup's BACKUP_MANIFEST (the chain is no longer listed: it is merely "incomplete", which nothing
// reads), then the incrementals' manifests, then every other file of the chain in every locality store,
// then its LATEST marker (older than the newest, so never consulted). A later expiry (or the next BACKUP's
// cleanup of incomplete layers) removes what a killed one left.
import { StrongroomError } from '@strongroom/errors';
import type { ResultColumn, ResultSet } from '@strongroom/sources';
import { type ExpireBackupsStatement, parseStatement } from '@strongroom/sql';
import type { ExternalStorage } from '@strongroom/storage';
import { collectionName } from '../collection/anchor.js';
import { listAll, listFullBackups, listFullDirs } from '../collection/chain.js';
import { openForRead } from '../collection/collection.js';
import {
  fullSubdir,
  INCREMENTALS,
  LATEST_DIR,
  latestMarkerTime,
  MANIFEST,
  MANIFEST_CHECKSUM,
} from '../collection/layout.js';
import type { EngineContext } from '../context.js';
import { isTerminal } from '../jobs/jobs-store.js';
import { int, str, strs } from '../statements/values.js';

/** EXPIRE BACKUPS: one row per full backup whose chain was removed. */
export const EXPIRE_COLUMNS: readonly ResultColumn[] = [
  { name: 'path', type: 'text' },
  { name: 'layers', type: 'int8' },
  { name: 'end_time', type: 'timestamptz' },
];

/** The end time a full backup's directory encodes. */
export function fullDirTime(dir: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})-(\d{2})(\d{2})(\d{2})\.(\d{2})$/.exec(dir);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, cs] = m.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, cs! * 10);
}

export interface ExpiryRule {
  /** Keep the newest n chains. */
  readonly keepFull?: number;
  /** Remove a chain once a newer full backup ended at or before this time (so restoring to any time from it
   * on needs none of the removed chain). */
  readonly olderThan?: number;
}

/** The full backups (oldest first) whose chains the rule removes; never the newest. */
export function chainsToExpire(fulls: readonly string[], rule: ExpiryRule): string[] {
  const out: string[] = [];
  for (const [i, dir] of fulls.entries()) {
    const newer = fulls[i + 1];
    if (newer === undefined) break;
    const byCount = rule.keepFull !== undefined && i < fulls.length - rule.keepFull;
    const byTime = rule.olderThan !== undefined && fullDirTime(newer) <= rule.olderThan;
    if (byCount || byTime) out.push(dir);
  }
  return out;
}

/** Chains a live job of this host names (by its full backup's directory, in that collection). */
async function chainsInUse(ctx: EngineContext, name: string): Promise<(dir: string) => boolean> {
  const live = (await ctx.jobs.list()).filter((j) => !isTerminal(j.status) && j.description.includes(name));
  return (dir) => live.some((j) => j.description.includes(dir));
}

async function deleteAll(store: ExternalStorage, prefix: string, signal?: AbortSignal): Promise<void> {
  const names = await listAll(store, prefix);
  // Manifests first: a layer without one is incomplete, never read.
  const first = names.filter((n) => n.endsWith(`/${MANIFEST}`));
  for (const n of [...first, ...names.filter((n) => !first.includes(n))]) await store.delete(n, signal);
}

async function removeChain(
  stores: readonly ExternalStorage[],
  dir: string,
  signal?: AbortSignal,
): Promise<void> {
  const main = stores[0]!;
  await main.delete(`${dir}/${MANIFEST}`, signal);
  await main.delete(`${dir}/${MANIFEST_CHECKSUM}`, signal);
  for (const s of stores) await deleteAll(s, `${INCREMENTALS}/${dir}/`, signal);
  for (const s of stores) await deleteAll(s, `${dir}/`, signal);
  for (const m of await listAll(main, LATEST_DIR)) {
    const t = latestMarkerTime(m);
    if (t !== undefined && fullSubdir(t) === dir) await main.delete(m, signal);
  }
}

/** Full-backup directories without a manifest, older than the oldest complete one: a killed expiry's rest. */
async function leftovers(store: ExternalStorage, oldest: string | undefined): Promise<string[]> {
  if (oldest === undefined) return [];
  const out: string[] = [];
  for (const dir of await listFullDirs(store))
    if (dir < oldest && (await store.size(`${dir}/${MANIFEST}`)) === undefined) out.push(dir);
  return out;
}

export interface ExpiryResult {
  readonly expired: { dir: string; layers: number }[];
  readonly kept: string[];
}

/** Removes the chains `rule` expires from the collection `uris` (locality stores included). */
export async function expire(
  ctx: EngineContext,
  uris: readonly string[],
  rule: ExpiryRule,
  signal?: AbortSignal,
): Promise<ExpiryResult> {
  const c = await openForRead(ctx, uris);
  try {
    const fulls = await listFullBackups(c.defaultStore);
    const inUse = await chainsInUse(ctx, collectionName(c.defaultStore));
    const doomed = chainsToExpire(fulls, rule);
    const expired: { dir: string; layers: number }[] = [];
    for (const dir of doomed) {
      if (inUse(dir)) continue;
      const layers =
        1 +
        (await listAll(c.defaultStore, `${INCREMENTALS}/${dir}/`)).filter((n) => n.endsWith(`/${MANIFEST}`))
          .length;
      await removeChain(c.all, dir, signal);
      expired.push({ dir, layers });
    }
    const kept = fulls.filter((d) => !expired.some((e) => e.dir === d));
    for (const dir of await leftovers(c.defaultStore, kept[0])) await removeChain(c.all, dir, signal);
    return { expired, kept };
  } finally {
    for (const s of c.all) await s.close?.();
  }
}

function parseTime(v: string, now: number): number {
  const rel = /^-(\d+)(s|m|h|d)$/.exec(v.trim());
  if (rel)
    return now - Number(rel[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const withZone = /[zZ]|[+-]\d{2}(:?\d{2})?$/.test(v) ? v : `${v}Z`;
  const t = new Date(withZone.replace(' ', 'T')).getTime();
  if (Number.isNaN(t))
    throw new StrongroomError(
      'INVALID_TIME',
      `older_than: cannot parse ${JSON.stringify(v)} as a timestamp or -<n><s|m|h|d>`,
    );
  return t;
}

export async function expireBackups(
  ctx: EngineContext,
  ast: ExpireBackupsStatement,
  now: number,
  signal?: AbortSignal,
): Promise<ResultSet> {
  const rule: ExpiryRule = {
    ...(ast.keepFull === undefined ? {} : { keepFull: Number(int(ast.keepFull)) }),
    ...(ast.olderThan === undefined ? {} : { olderThan: parseTime(str(ast.olderThan), now) }),
  };
  const r = await expire(ctx, strs(ast.uris), rule, signal);
  return {
    columns: [...EXPIRE_COLUMNS],
    rows: r.expired.map((e) => [`/${e.dir}`, BigInt(e.layers), new Date(fullDirTime(e.dir))]),
    tag: 'EXPIRE BACKUPS',
  };
}

/** A schedule's keep_full, applied to the collection its (stored, secret-free) command writes to. */
export async function retainChains(
  ctx: EngineContext,
  command: string,
  keepFull: number,
  _now: number,
): Promise<void> {
  const ast = parseStatement(command);
  if (ast.kind !== 'backup') return;
  await expire(ctx, strs(ast.destination.uris), { keepFull });
}
