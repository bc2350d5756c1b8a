// Key handling for a chain (docs/ARCHITECTURE.md, "Envelope encryption"; CockroachDB's rules for incrementals and ALTER BACKUP): a new data key wrapped under every KMS key
// and the passphrase for a full backup; for everything else, the data key unwrapped from the
// ENCRYPTION-INFO files of the chain's full backup with any one of the keys given.
import {
  decodeEncryptionInfo,
  type EncryptionInfo,
  encodeEncryptionInfo,
  generateDataKey,
  unwrapWithPassphrase,
  wrapWithPassphrase,
} from '@strongroom/crypto';
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { Kms } from '@strongroom/kms';
import type { ExternalStorage } from '@strongroom/storage';
import type { EngineContext } from '../context.js';
import { ENCRYPTION_INFO, encryptionInfoName } from './layout.js';

export interface KeyOptions {
  readonly kms: readonly string[];
  readonly passphrase?: string;
}

export interface ChainKey {
  /** Undefined for an unencrypted chain. */
  readonly key: Buffer | undefined;
  readonly mode: 'none' | 'kms' | 'passphrase' | 'kms+passphrase';
  readonly masterKeyIds: readonly string[];
}

export const NO_KEY: ChainKey = { key: undefined, mode: 'none', masterKeyIds: [] };

const hasKeys = (o: KeyOptions): boolean => o.kms.length > 0 || o.passphrase !== undefined;

function modeOf(o: KeyOptions): ChainKey['mode'] {
  if (o.kms.length > 0 && o.passphrase !== undefined) return 'kms+passphrase';
  return o.kms.length > 0 ? 'kms' : o.passphrase !== undefined ? 'passphrase' : 'none';
}

async function openAll(ctx: EngineContext, uris: readonly string[]): Promise<Kms[]> {
  const out: Kms[] = [];
  for (const u of uris) out.push(await ctx.kms.open(u, ctx.kmsCtx));
  return out;
}

/** A full backup's key: fresh data key, wrapped under every KMS key and the passphrase. Writes nothing. */
export async function newChainKey(
  ctx: EngineContext,
  o: KeyOptions,
  signal?: AbortSignal,
): Promise<{ chain: ChainKey; info: EncryptionInfo | undefined }> {
  if (!hasKeys(o)) return { chain: NO_KEY, info: undefined };
  const key = generateDataKey();
  const kms: { masterKeyId: string; wrappedKey: Uint8Array }[] = [];
  for (const k of await openAll(ctx, o.kms)) {
    if (kms.some((e) => e.masterKeyId === k.masterKeyId)) continue;
    try {
      kms.push({ masterKeyId: k.masterKeyId, wrappedKey: await k.encrypt(key, signal) });
    } catch (err) {
      throw wrapKmsError(err, `failed to encrypt data key for KMS ${k.redactedUri}`);
    }
  }
  const passphrase = o.passphrase === undefined ? undefined : await wrapWithPassphrase(key, o.passphrase);
  const info: EncryptionInfo = {
    version: 1,
    scheme: 'aes-256-gcm-chunked-v1',
    kms,
    // Written to ENCRYPTION-INFO: a backup without a passphrase has no `passphrase` field at all.
    ...(passphrase ? { passphrase } : {}),
  };
  return { chain: { key, mode: modeOf(o), masterKeyIds: kms.map((e) => e.masterKeyId) }, info };
}

function wrapKmsError(err: unknown, message: string): StrongroomError {
  if (isStrongroomError(err))
    return new StrongroomError(err.code, `${message}: ${err.message}`, { cause: err });
  return new StrongroomError('KMS_UNAVAILABLE', message, { cause: err });
}

export interface InfoFile {
  readonly name: string;
  readonly info: EncryptionInfo;
}

export interface InfoFiles {
  /** The readable ENCRYPTION-INFO files, oldest first. */
  readonly infos: InfoFile[];
  /** Files that exist but cannot be decoded, with why. */
  readonly damaged: { readonly name: string; readonly error: StrongroomError }[];
  /** How many ENCRYPTION-INFO files exist (readable or not): the next one ALTER BACKUP writes is count + 1. */
  readonly count: number;
}

/**
 * ENCRYPTION-INFO files of a full backup. Each is an independent way in: a damaged one is set aside (and
 * reported by the caller) so the others still unwrap the key.
 */
export async function readInfoFiles(store: ExternalStorage, fullDir: string): Promise<InfoFiles> {
  const infos: InfoFile[] = [];
  const damaged: InfoFiles['damaged'][number][] = [];
  for await (const name of store.list(`${fullDir}/${ENCRYPTION_INFO}`)) {
    const base = name.slice(fullDir.length + 1);
    if (base !== ENCRYPTION_INFO && !/^ENCRYPTION-INFO-\d+$/.test(base)) continue;
    try {
      infos.push({ name: base, info: decodeEncryptionInfo(await store.readAll(name), name) });
    } catch (err) {
      if (!isStrongroomError(err, 'CORRUPTED')) throw err;
      damaged.push({ name: base, error: err });
    }
  }
  // By number, not by name: CockroachDB's `ENCRYPTION-INFO-10` sorts before `-2` as text, and collections
  // written before the names matched CockroachDB's hold zero-padded `ENCRYPTION-INFO-0002`.
  const index = (name: string): number =>
    name === ENCRYPTION_INFO ? 1 : Number(name.slice(ENCRYPTION_INFO.length + 1));
  const byName = (a: { name: string }, b: { name: string }) => index(a.name) - index(b.name);
  return { infos: infos.sort(byName), damaged: damaged.sort(byName), count: infos.length + damaged.length };
}

/** The readable ENCRYPTION-INFO files of a full backup, oldest first. */
export async function readInfos(store: ExternalStorage, fullDir: string): Promise<InfoFile[]> {
  return (await readInfoFiles(store, fullDir)).infos;
}

export async function writeInfo(
  store: ExternalStorage,
  fullDir: string,
  n: number,
  info: EncryptionInfo,
  signal?: AbortSignal,
): Promise<string> {
  const name = encryptionInfoName(n);
  await store.write(`${fullDir}/${name}`, encodeEncryptionInfo(info), { signal });
  return name;
}

/**
 * The chain's data key from any one of the keys given (RESTORE, SHOW, ALTER's OLD_KMS). With
 * `sameFile`, every KMS URI given must be in one ENCRYPTION-INFO file (CockroachDB's rule for
 * incrementals, so a chain never gains a key except through ALTER BACKUP).
 */
export async function unlockChain(
  ctx: EngineContext,
  store: ExternalStorage,
  fullDir: string,
  o: KeyOptions,
  options: { sameFile?: boolean; signal?: AbortSignal; onNotice?: (m: string) => void } = {},
): Promise<ChainKey> {
  const infos = await usableInfos(store, fullDir, options.onNotice);
  if (infos.length === 0) return unencrypted(fullDir, o);
  if (!hasKeys(o))
    throw new StrongroomError(
      'ENCRYPTION_REQUIRED',
      'file appears encrypted -- try specifying one of "encryption_passphrase" or "kms"',
      { hint: `backup /${fullDir} is encrypted` },
    );
  const kmsList = await openAll(ctx, o.kms);
  if (options.sameFile) requireOneFile(infos, kmsList);
  const chainKey = (key: Buffer): ChainKey => ({
    key,
    mode: modeOf(o),
    masterKeyIds: [...new Set(infos.flatMap((f) => f.info.kms.map((e) => e.masterKeyId)))],
  });
  const viaKms = await unwrapWithKms(infos, kmsList, options.signal);
  if (viaKms.key) return chainKey(viaKms.key);
  let lastError = viaKms.lastError;
  if (o.passphrase !== undefined) {
    const wrapped = infos.find((x) => x.info.passphrase !== undefined)?.info.passphrase;
    if (wrapped) return chainKey(await unwrapWithPassphrase(wrapped, o.passphrase));
    lastError ??= new StrongroomError('WRONG_KEY', 'this backup was not encrypted with a passphrase', {
      hint: 'use one of its KMS keys',
    });
  }
  if (lastError) throw lastError;
  throw new StrongroomError(
    'KMS_KEY_MISMATCH',
    `none of the provided KMS URIs was used to encrypt backup ${fullDir}: ${kmsList.map((k) => k.redactedUri).join(', ')}`,
    { hint: 'give a KMS URI the backup was encrypted with (ALTER BACKUP … ADD NEW_KMS adds one)' },
  );
}

/**
 * The readable ENCRYPTION-INFO files; each damaged one is noticed and skipped, and when all are damaged,
 * the first one's error is thrown. None at all: an unencrypted backup.
 */
async function usableInfos(
  store: ExternalStorage,
  fullDir: string,
  onNotice: ((m: string) => void) | undefined,
): Promise<InfoFile[]> {
  const files = await readInfoFiles(store, fullDir);
  for (const d of files.damaged)
    onNotice?.(`${d.error.message}; it was skipped, the other ENCRYPTION-INFO files are used`);
  if (files.infos.length === 0 && files.damaged.length > 0) throw files.damaged[0]?.error;
  return files.infos;
}

/** An unencrypted backup takes no key options. */
function unencrypted(fullDir: string, o: KeyOptions): ChainKey {
  if (hasKeys(o))
    throw new StrongroomError(
      'NOT_ENCRYPTED',
      `backup ${fullDir} is not encrypted, but an encryption option was given`,
      {
        hint: 'remove the kms and encryption_passphrase options',
      },
    );
  return NO_KEY;
}

/** Every KMS key given must be in one ENCRYPTION-INFO file (an incremental's rule). */
function requireOneFile(infos: readonly InfoFile[], kmsList: readonly Kms[]): void {
  if (kmsList.length === 0) return;
  const ok = infos.some((f) => kmsList.every((k) => f.info.kms.some((e) => e.masterKeyId === k.masterKeyId)));
  if (!ok)
    throw new StrongroomError(
      'KMS_KEY_MISMATCH',
      'one of the provided URIs was not used when encrypting the base BACKUP',
      {
        hint: 'an incremental backup must use keys of the full backup; add keys with ALTER BACKUP … ADD NEW_KMS',
      },
    );
}

/** Each file's entry (its first) wrapped under `k`, oldest file first. */
function entriesFor(infos: readonly InfoFile[], k: Kms): EncryptionInfo['kms'][number][] {
  return infos.flatMap((f) => f.info.kms.find((e) => e.masterKeyId === k.masterKeyId) ?? []);
}

/** The data key from the first KMS key (in the order given) that unwraps an entry; else the last error. */
async function unwrapWithKms(
  infos: readonly InfoFile[],
  kmsList: readonly Kms[],
  signal: AbortSignal | undefined,
): Promise<{ key?: Buffer; lastError?: StrongroomError }> {
  let lastError: StrongroomError | undefined;
  for (const k of kmsList)
    for (const entry of entriesFor(infos, k)) {
      try {
        return { key: Buffer.from(await k.decrypt(entry.wrappedKey, signal)) };
      } catch (err) {
        lastError = wrapKmsError(err, `cannot unwrap the data key with KMS ${k.redactedUri}`);
      }
    }
  return { lastError };
}

/** ALTER BACKUP … ADD NEW_KMS: wraps the data key under the new keys, in a new ENCRYPTION-INFO-n. */
export async function addKmsKeys(
  ctx: EngineContext,
  store: ExternalStorage,
  fullDir: string,
  dataKey: Buffer,
  newKms: readonly string[],
  signal?: AbortSignal,
): Promise<{ name: string; masterKeyIds: string[] }> {
  const existing = await readInfoFiles(store, fullDir);
  const keys = await openAll(ctx, newKms);
  // Idempotent: when a file already wraps the data key under every new key (an ALTER BACKUP retried after
  // a crash, or run twice), nothing more is written.
  const covering = existing.infos.find((f) =>
    keys.every((k) => f.info.kms.some((e) => e.masterKeyId === k.masterKeyId)),
  );
  if (covering !== undefined && keys.length > 0)
    return { name: covering.name, masterKeyIds: keys.map((k) => k.masterKeyId) };
  const kms: { masterKeyId: string; wrappedKey: Uint8Array }[] = [];
  for (const k of keys) {
    if (kms.some((e) => e.masterKeyId === k.masterKeyId)) continue;
    try {
      kms.push({ masterKeyId: k.masterKeyId, wrappedKey: await k.encrypt(dataKey, signal) });
    } catch (err) {
      throw wrapKmsError(err, `failed to encrypt data key when adding new KMS ${k.redactedUri}`);
    }
  }
  const name = await writeInfo(
    store,
    fullDir,
    existing.count + 1,
    { version: 1, scheme: 'aes-256-gcm-chunked-v1', kms },
    signal,
  );
  return { name, masterKeyIds: kms.map((e) => e.masterKeyId) };
}
