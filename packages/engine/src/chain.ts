// Finds backups in a collection and reads a chain's manifests: LATEST markers, full backups listed by
// delimiter walks (never listing data files), incremental layers in name order (= time order).
import { createHash } from 'node:crypto';
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { ExternalStorage } from '@strongroom/storage';
import {
  INCREMENTALS,
  isIncrementalName,
  LATEST_DIR,
  MANIFEST,
  MANIFEST_CHECKSUM,
  normaliseFullSubdir,
} from './layout.js';
import type { Manifest } from './manifest.js';
import { openJson } from './sealed-json.js';

export interface Layer {
  readonly dir: string;
  readonly manifest: Manifest;
}

async function listAll(store: ExternalStorage, prefix: string, delimiter?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const n of store.list(prefix, delimiter ? { delimiter } : {})) out.push(n);
  return out;
}

export async function exists(store: ExternalStorage, path: string): Promise<boolean> {
  return (await store.size(path)) !== undefined;
}

/** The newest full backup named by a write-once LATEST marker. */
export async function latestFullDir(store: ExternalStorage): Promise<string> {
  for (const name of await listAll(store, LATEST_DIR)) {
    if (name.endsWith('/')) continue;
    const dir = normaliseFullSubdir(Buffer.from(await store.readAll(name)).toString('utf8'));
    if (dir && (await exists(store, `${dir}/${MANIFEST}`))) return dir;
  }
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
  for (const y of await listAll(store, '', '/')) {
    if (!/^\d{4}\/$/.test(y)) continue;
    for (const m of await listAll(store, y, '/')) {
      if (!/^\d{4}\/\d{2}\/$/.test(m)) continue;
      for (const d of await listAll(store, m, '/')) {
        const dir = normaliseFullSubdir(d);
        if (dir && (await exists(store, `${dir}/${MANIFEST}`))) out.push(dir);
      }
    }
  }
  return out.sort();
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
): Promise<Manifest> {
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
  return m;
}

export async function readChain(
  store: ExternalStorage,
  fullDir: string,
  key: Uint8Array | undefined,
): Promise<Layer[]> {
  const dirs = await listLayerDirs(store, fullDir);
  const layers: Layer[] = [];
  for (const dir of dirs) layers.push({ dir, manifest: await readManifest(store, dir, key) });
  return layers;
}
