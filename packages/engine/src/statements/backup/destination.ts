// BACKUP stage 2: where the layer goes and under which key. A new full backup gets a fresh data key; an
// incremental (on LATEST or a named full backup) unlocks its chain's key with the keys given, reads and
// authenticates the chain, and must match the chain's localities and targets.
import type { EncryptionInfo } from '@strongroom/crypto';
import { StrongroomError } from '@strongroom/errors';
import type { BackupStatement } from '@strongroom/sql';
import type { ExternalStorage } from '@strongroom/storage';
import { checkAnchor } from '../../collection/anchor.js';
import { exists, type Layer, latestFullDir, readChain } from '../../collection/chain.js';
import { openForWrite, type WriteCollection } from '../../collection/collection.js';
import { type ChainKey, type KeyOptions, newChainKey, unlockChain } from '../../collection/encryption.js';
import { MANIFEST, MANIFEST_CHECKSUM, normaliseFullSubdir } from '../../collection/layout.js';
import type { Manifest } from '../../collection/manifest.js';
import type { EngineContext } from '../../context.js';
import { keyOptionsOf, str, strs } from '../values.js';

export interface Destination {
  readonly collection: WriteCollection;
  /** The full backup an incremental is appended to; undefined for a new full backup. */
  readonly fullDir: string | undefined;
  /** The chain so far (empty for a new full backup). */
  readonly chain: readonly Layer[];
  readonly key: ChainKey;
  /** A new full backup's ENCRYPTION-INFO, written by the run; undefined for an incremental. */
  readonly info: EncryptionInfo | undefined;
}

/** What an incremental's targets must equal: its full backup's (stored in the manifest as `targetsKey`). */
export function targetsKey(s: BackupStatement): string {
  return JSON.stringify(s.targets ?? null);
}

export async function resolveDestination(
  ctx: EngineContext,
  stmt: BackupStatement,
  signal?: AbortSignal,
): Promise<Destination> {
  const keys = keyOptionsOf(stmt.options);
  const collection = await openForWrite(ctx, strs(stmt.destination.uris));
  for (const s of [collection.defaultStore, ...collection.stores.values()]) await refuseInsideBackup(s);
  if (stmt.destination.kind === 'collection') {
    const { chain: key, info } = await newChainKey(ctx, keys, signal);
    return { collection, fullDir: undefined, chain: [], key, info };
  }
  return appendTo(ctx, stmt, collection, keys, signal);
}

async function appendTo(
  ctx: EngineContext,
  stmt: BackupStatement,
  collection: WriteCollection,
  keys: KeyOptions,
  signal: AbortSignal | undefined,
): Promise<Destination> {
  const store = collection.defaultStore;
  const dest = stmt.destination;
  if (dest.kind === 'collection') throw new Error('appendTo: a new full backup has no chain');
  const fullDir = await existingFullDir(store, dest);
  const key = await unlockChain(ctx, store, fullDir, keys, { sameFile: true, signal });
  const chain = await readChain(store, fullDir, key.key);
  checkAnchor(ctx, store, chain, {
    latest: dest.kind === 'latest',
    skip: stmt.options.skipRollbackCheck === true,
  });
  const base = chain[0]?.manifest;
  if (base) checkChainMatches(base, collection.localities, stmt);
  return { collection, fullDir, chain, key, info: undefined };
}

type AppendDestination = Exclude<BackupStatement['destination'], { readonly kind: 'collection' }>;

/** The full backup an incremental goes on: LATEST's, or the named one, which must exist. */
async function existingFullDir(store: ExternalStorage, dest: AppendDestination): Promise<string> {
  if (dest.kind === 'latest') return latestFullDir(store);
  const sub = str(dest.subdir);
  const fullDir = normaliseFullSubdir(sub);
  if (!fullDir || !(await exists(store, `${fullDir}/${MANIFEST}`)))
    throw new StrongroomError(
      'BACKUP_NOT_FOUND',
      `No full backup exists in ${JSON.stringify(sub)} to append an incremental backup to. To take a full backup, remove the subdirectory from the backup command`,
    );
  return fullDir;
}

/** An incremental keeps its full backup's localities and targets. */
export function checkChainMatches(
  base: Manifest,
  localities: readonly string[],
  stmt: BackupStatement,
): void {
  if (JSON.stringify(base.localities) !== JSON.stringify(localities))
    throw new StrongroomError(
      'INCOMPATIBLE_CHAIN',
      `the localities of this backup (${localities.join(', ')}) differ from the chain's (${base.localities.join(', ')})`,
      { hint: 'an incremental backup must use the same locality URIs as its full backup' },
    );
  if (base.coverage === 'all' && stmt.targets !== undefined)
    throw new StrongroomError(
      'INCOMPATIBLE_CHAIN',
      'cannot append a backup of specific tables or databases to a cluster backup',
      { hint: `the full backup was: ${base.statement}` },
    );
  if (base.targetsKey !== targetsKey(stmt))
    throw new StrongroomError(
      'INCOMPATIBLE_CHAIN',
      'the targets of an incremental backup must match its full backup',
      {
        hint: `the full backup was: ${base.statement}`,
      },
    );
}

/** A path component sequence that only exists inside a collection: a full backup's or a layer's directory. */
const INSIDE_BACKUP = /(^|\/)(\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}|incrementals|metadata\/latest)(\/|$)/;

/** The path of a (redacted) storage URI, without scheme, host and query. */
function uriPath(uri: string): string {
  const q = uri.indexOf('?');
  return (q < 0 ? uri : uri.slice(0, q)).replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
}

/** Whether `store` holds a backup's own files (its root is a backup's directory). */
async function holdsBackupFiles(store: ExternalStorage): Promise<boolean> {
  return (
    (await exists(store, MANIFEST)) ||
    (await exists(store, MANIFEST_CHECKSUM)) ||
    (await exists(store, 'ENCRYPTION-INFO'))
  );
}

/**
 * A collection inside a backup's directory would be listed as part of that backup and cleaned up with it:
 * refused, whether the URI names a backup's directory (or a path under one) or a directory holding a
 * backup's own files.
 */
export async function refuseInsideBackup(store: ExternalStorage): Promise<void> {
  const uri = store.redactedUri;
  const insideByName = INSIDE_BACKUP.test(uriPath(uri));
  if (insideByName || (await holdsBackupFiles(store)))
    throw new StrongroomError(
      'INVALID_URI',
      `${uri} is ${insideByName ? "inside a backup's directory" : "a backup's directory itself"}; a collection cannot be nested in a backup`,
      { hint: 'back up into the collection (its root URI) or into a new, separate location' },
    );
}
