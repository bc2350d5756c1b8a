// The read side shared by RESTORE and SHOW BACKUP: resolve the full backup, unlock its key with any
// one of the keys given, read the chain's manifests, and find every locality's store by probing the
// URIs given for each partition descriptor (as CockroachDB's RESTORE does).
import { StrongroomError } from '@strongroom/errors';
import type { ExternalStorage } from '@strongroom/storage';
import type { EngineContext } from '../context.js';
import { checkAnchor } from './anchor.js';
import { exists, type Layer, readChain, resolveFullDir } from './chain.js';
import { openForRead, type ReadCollection } from './collection.js';
import { type ChainKey, type KeyOptions, unlockChain } from './encryption.js';
import type { FileRef, PartitionDescriptor } from './manifest.js';
import { openJson } from './sealed-json.js';

export interface OpenedBackup {
  readonly collection: ReadCollection;
  readonly fullDir: string;
  readonly key: ChainKey;
  readonly layers: readonly Layer[];
  /** Locality → store holding its files ('default' included). Missing localities are absent. */
  readonly stores: ReadonlyMap<string, ExternalStorage>;
  readonly missingLocalities: readonly string[];
}

export async function openBackup(
  ctx: EngineContext,
  uris: readonly string[],
  from: string,
  keys: KeyOptions,
  opts: {
    requireLocalities: boolean;
    skipRollbackCheck?: boolean;
    signal?: AbortSignal;
    onNotice?: (m: string) => void;
  },
): Promise<OpenedBackup> {
  const collection = await openForRead(ctx, uris);
  const store = collection.defaultStore;
  const fullDir = await resolveFullDir(store, from);
  const key = await unlockChain(ctx, store, fullDir, keys, { signal: opts.signal, onNotice: opts.onNotice });
  const layers = await readChain(store, fullDir, key.key);
  checkAnchor(ctx, store, layers, {
    latest: from.toLowerCase() === 'latest',
    skip: opts.skipRollbackCheck === true,
    onNotice: opts.onNotice,
  });
  const { stores, missing } = await locateLocalities(collection, layers, key, opts.requireLocalities);
  if (missing.length > 0)
    opts.onNotice?.(
      `The backup contains ${missing.length + stores.size} localities; however, the command contains URIs for only ${stores.size}: missing ${missing.join(', ')}`,
    );
  return { collection, fullDir, key, layers, stores, missingLocalities: missing };
}

/**
 * Each locality's store: the URI given whose store holds the layer's partition descriptor for it (checked
 * to name this backup). A locality no URI holds is missing, or refused with `requireLocalities`.
 */
async function locateLocalities(
  collection: ReadCollection,
  layers: readonly Layer[],
  key: ChainKey,
  requireLocalities: boolean,
): Promise<{ stores: Map<string, ExternalStorage>; missing: string[] }> {
  const stores = new Map<string, ExternalStorage>([['default', collection.defaultStore]]);
  const missing: string[] = [];
  for (const layer of layers)
    for (const p of layer.manifest.partitions) {
      const found = await partitionStore(collection, layer, p.name, key);
      if (found) stores.set(p.locality, found);
      else if (!missing.includes(p.locality)) {
        if (requireLocalities)
          throw new StrongroomError(
            'LOCALITY_MISSING',
            `expected manifest ${p.name} of locality ${p.locality} not found in backup locations`,
            { hint: 'pass the URI of every locality the backup was written to' },
          );
        missing.push(p.locality);
      }
    }
  return { stores, missing };
}

/** The first store of the collection holding the layer's partition descriptor `name`. */
async function partitionStore(
  collection: ReadCollection,
  layer: Layer,
  name: string,
  key: ChainKey,
): Promise<ExternalStorage | undefined> {
  const path = `${layer.dir}/${name}`;
  for (const s of collection.all) {
    if (!(await exists(s, path))) continue;
    const desc = openJson<PartitionDescriptor>(await s.readAll(path), key.key, path);
    if (desc.backupId !== layer.manifest.id)
      throw new StrongroomError(
        'CORRUPTED',
        `${path} in ${s.redactedUri} belongs to another backup (id ${desc.backupId}, expected ${layer.manifest.id})`,
      );
    return s;
  }
  return undefined;
}

export function storeForFile(b: OpenedBackup, f: FileRef): ExternalStorage {
  const s = b.stores.get(f.locality);
  if (!s)
    throw new StrongroomError(
      'LOCALITY_MISSING',
      `no URI given for locality ${f.locality} (file ${f.path})`,
      {
        hint: 'pass the URI of every locality the backup was written to',
      },
    );
  return s;
}
