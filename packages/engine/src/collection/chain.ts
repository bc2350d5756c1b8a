// Finds backups in a collection and reads a chain's manifests: full backups listed by delimiter walks,
// incremental layers in name order (= time order). Reading a chain also authenticates it (FORMAT.md,
// "Chain authentication"): each incremental's sealed manifest names its predecessor, and the sealed chain
// records in the full backup's directory name every layer that completed, so a removed, swapped or
// reordered layer is reported instead of silently restoring older data. LATEST markers are checked
// against the listing: a marker naming a full backup newer than every complete one means it was removed.
import { createHash } from 'node:crypto';
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { ExternalStorage } from '@strongroom/storage';
import {
  CHAIN_RECORD,
  fullSubdir,
  INCREMENTALS,
  isIncrementalName,
  LATEST_DIR,
  latestMarkerTime,
  MANIFEST,
  MANIFEST_CHECKSUM,
  normaliseFullSubdir,
} from './layout.js';
import type { ChainRecord, Manifest } from './manifest.js';
import { openJson } from './sealed-json.js';

export interface Layer {
  readonly dir: string;
  readonly manifest: Manifest;
  /** SHA-256 (hex) of the stored manifest bytes: what the next layer's link names. */
  readonly checksum: string;
}

/** Every name under `prefix` (rolled up at `delimiter` when given). */
export async function listAll(store: ExternalStorage, prefix: string, delimiter?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const n of store.list(prefix, { delimiter })) out.push(n);
  return out;
}

export async function exists(store: ExternalStorage, path: string): Promise<boolean> {
  return (await store.size(path)) !== undefined;
}

/**
 * The newest complete full backup of a collection. The listing decides (a manifest is sealed, so a listed
 * backup is authentic); the write-once LATEST markers are checked against it: a marker's name encodes the
 * end time, hence the directory, of the full backup it was written for, and a marker newer than every
 * complete full backup means that backup was removed or damaged — reported instead of silently falling
 * back to an older one. A crash between a manifest and its marker leaves a complete backup without a
 * marker, which the listing still finds.
 */
export async function latestFullDir(store: ExternalStorage): Promise<string> {
  const newest = (await listFullBackups(store)).at(-1);
  for (const name of await listAll(store, LATEST_DIR)) {
    const t = latestMarkerTime(name);
    if (t === undefined) continue;
    const dir = fullSubdir(t);
    // Markers list newest first: once one is not newer than the newest backup, none after it is.
    if (newest !== undefined && dir <= newest) break;
    throw new StrongroomError(
      'ROLLBACK_DETECTED',
      `the LATEST marker ${name} names backup /${dir}, which is missing or incomplete in ${store.redactedUri}${newest ? ` (the newest complete backup is /${newest})` : ''}: the newest backup was removed or damaged`,
      {
        hint: `restore an older backup explicitly with FROM '/${newest ?? 'YYYY/MM/DD-HHMMSS.cc'}' IN …, or take a new full backup`,
      },
    );
  }
  if (newest !== undefined) return newest;
  throw new StrongroomError(
    'BACKUP_NOT_FOUND',
    `path ${store.redactedUri} does not contain a completed latest backup`,
  );
}

/** `LATEST` (any case) or a full backup subdirectory → its directory; the backup must be complete. */
export async function resolveFullDir(store: ExternalStorage, from: string): Promise<string> {
  if (from.toLowerCase() === 'latest') return latestFullDir(store);
  const dir = normaliseFullSubdir(from);
  if (!dir || !(await exists(store, `${dir}/${MANIFEST}`)))
    throw new StrongroomError(
      'BACKUP_NOT_FOUND',
      `no completed full backup found at ${JSON.stringify(from)} in ${store.redactedUri}`,
      { hint: 'SHOW BACKUPS IN <collection> lists the backups it holds' },
    );
  return dir;
}

/** Full backups of a collection, oldest first: `YYYY/MM/DD-HHMMSS.cc` directories holding a manifest. */
export async function listFullBackups(store: ExternalStorage): Promise<string[]> {
  const out: string[] = [];
  for (const dir of await listFullDirs(store)) if (await exists(store, `${dir}/${MANIFEST}`)) out.push(dir);
  return out.sort();
}

/** Every full backup directory of a collection, complete (with a manifest) or not, in listing order. */
export async function listFullDirs(store: ExternalStorage): Promise<string[]> {
  const out: string[] = [];
  for (const y of await listAll(store, '', '/')) {
    if (!/^\d{4}\/$/.test(y)) continue;
    for (const m of await listAll(store, y, '/'))
      if (/^\d{4}\/\d{2}\/$/.test(m)) out.push(...(await fullDirsIn(store, m)));
  }
  return out;
}

/** The full backup directories of one month's prefix (`YYYY/MM/`). */
async function fullDirsIn(store: ExternalStorage, month: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await listAll(store, month, '/')) {
    const dir = normaliseFullSubdir(d);
    if (dir) out.push(dir);
  }
  return out;
}

/** The chain's layer directories: the full, then its completed incrementals in time order. */
export async function listLayerDirs(store: ExternalStorage, fullDir: string): Promise<string[]> {
  const base = `${INCREMENTALS}/${fullDir}/`;
  const incs: string[] = [];
  for (const day of await listAll(store, base, '/')) {
    for (const l of await listAll(store, day, '/')) {
      const rel = l.slice(base.length).replace(/\/$/, '');
      if (isIncrementalName(rel) && (await exists(store, `${base}${rel}/${MANIFEST}`)))
        incs.push(`${base}${rel}`);
    }
  }
  return [fullDir, ...incs.sort()];
}

export function checksumOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function readManifest(
  store: ExternalStorage,
  dir: string,
  key: Uint8Array | undefined,
): Promise<Layer> {
  const path = `${dir}/${MANIFEST}`;
  const bytes = await store.readAll(path);
  let expected: string;
  try {
    expected = Buffer.from(await store.readAll(`${dir}/${MANIFEST_CHECKSUM}`))
      .toString('utf8')
      .trim();
  } catch (err) {
    if (isStrongroomError(err, 'STORAGE_NOT_FOUND'))
      throw new StrongroomError('CORRUPTED', `file ${dir}/${MANIFEST_CHECKSUM} is missing`);
    throw err;
  }
  const actual = checksumOf(bytes);
  if (actual !== expected)
    throw new StrongroomError(
      'CORRUPTED',
      `file ${path} is corrupted or has been tampered with (checksum mismatch; expected ${expected.slice(0, 16)}…, got ${actual.slice(0, 16)}…)`,
    );
  const m = openJson<Manifest>(bytes, key, path);
  if (m.version !== 1 || m.dir !== dir)
    throw new StrongroomError('CORRUPTED', `file ${path} does not describe the backup in ${dir}`);
  return { dir, manifest: m, checksum: actual };
}

/** Reads and authenticates a chain: the full backup first, then its incrementals in time order. */
export async function readChain(
  store: ExternalStorage,
  fullDir: string,
  key: Uint8Array | undefined,
): Promise<Layer[]> {
  const dirs = await listLayerDirs(store, fullDir);
  const layers: Layer[] = [];
  for (const dir of dirs) layers.push(await readManifest(store, dir, key));
  checkLinks(store, layers);
  await checkRecords(store, fullDir, key, layers);
  return layers;
}

function missing(store: ExternalStorage, dir: string, why: string): StrongroomError {
  return new StrongroomError(
    'ROLLBACK_DETECTED',
    `layer /${dir} of this backup chain is missing from ${store.redactedUri}: ${why}; it was removed or damaged`,
    { hint: 'restore to an earlier layer explicitly with AS OF SYSTEM TIME, or take a new full backup' },
  );
}

/** Each incremental must build on the layer listed before it (same directory, id and manifest bytes). */
function checkLinks(store: ExternalStorage, layers: readonly Layer[]): void {
  const [first, ...rest] = layers;
  if (!first) return;
  const m = first.manifest;
  if (m.backupType !== 'full' || (m.seq !== undefined && m.seq !== 1))
    throw new StrongroomError('CORRUPTED', `/${first.dir} is not the full backup of its chain`);
  for (const [i, l] of rest.entries()) checkLink(store, layers, l, layers[i] as Layer, i + 2);
}

/** Layer `l`, number `seq` of the chain, builds on `prev`. */
function checkLink(
  store: ExternalStorage,
  layers: readonly Layer[],
  l: Layer,
  prev: Layer,
  seq: number,
): void {
  const m = l.manifest;
  if (m.backupType !== 'incremental' || m.fullDir !== layers[0]?.dir)
    throw new StrongroomError('CORRUPTED', `layer /${l.dir} does not belong to this chain`);
  const link = m.previous;
  if (link === undefined) return; // written before chain authentication
  if (link === null || link.dir !== prev.dir) {
    if (link && !layers.some((x) => x.dir === link.dir))
      throw missing(store, link.dir, `layer /${l.dir} builds on it`);
    throw new StrongroomError(
      'CORRUPTED',
      `layer /${l.dir} does not build on /${prev.dir}, the layer before it: the chain has been tampered with`,
    );
  }
  if (link.checksum !== prev.checksum || link.id !== prev.manifest.id)
    throw new StrongroomError(
      'CORRUPTED',
      `the manifest of layer /${prev.dir} is not the one layer /${l.dir} was built on: it has been replaced`,
    );
  if (m.seq !== undefined && m.seq !== seq)
    throw new StrongroomError('CORRUPTED', `layer /${l.dir} is out of order in its chain`);
}

/** Every sealed chain record must match a listed layer: a record without its layer is a removed layer. */
async function checkRecords(
  store: ExternalStorage,
  fullDir: string,
  key: Uint8Array | undefined,
  layers: readonly Layer[],
): Promise<void> {
  for (const path of await listAll(store, `${fullDir}/${CHAIN_RECORD}`)) {
    if (!/\/CHAIN-\d{6}$/.test(path)) continue;
    const r = await readChainRecord(store, path, key);
    if (r.version !== 1 || path !== `${fullDir}/${CHAIN_RECORD}${String(r.seq).padStart(6, '0')}`)
      throw new StrongroomError('CORRUPTED', `chain record ${path} does not describe its layer`);
    const layer = layers.find((l) => l.dir === r.dir);
    if (!layer) throw missing(store, r.dir, `it completed at ${r.endTime}, as recorded in ${path}`);
    if (layer.checksum !== r.checksum || layer.manifest.id !== r.id || layers.indexOf(layer) !== r.seq - 1)
      throw new StrongroomError(
        'CORRUPTED',
        `layer /${r.dir} is not the layer recorded in ${path}: the chain has been tampered with`,
      );
  }
}

async function readChainRecord(
  store: ExternalStorage,
  path: string,
  key: Uint8Array | undefined,
): Promise<ChainRecord> {
  try {
    return openJson<ChainRecord>(await store.readAll(path), key, path);
  } catch (err) {
    if (isStrongroomError(err, 'CORRUPTED') || isStrongroomError(err, 'WRONG_KEY'))
      throw new StrongroomError('CORRUPTED', `chain record ${path} is corrupted or has been tampered with`, {
        cause: err,
      });
    throw err;
  }
}
