// ENCRYPTION-INFO: the plaintext file beside a full backup that lists who can unwrap its data key.
// Encoded as canonical JSON (fixed key order, 2-space indent, trailing newline, base64 binaries);
// decoding is strict and accepts only the exact canonical encoding of a valid value.
import { StrongroomError } from '@strongroom/errors';
import { isValidIterations, PASSPHRASE_KDF, type PassphraseRecipient, SALT_BYTES } from './passphrase.js';

export const ENCRYPTION_INFO_VERSION = 1;
/** The only scheme so far: the chunked AES-256-GCM file format of FORMAT.md. */
export const ENCRYPTION_SCHEME = 'aes-256-gcm-chunked-v1';

export interface KmsRecipient {
  /** Canonical master key id (never a URI with credentials). Unique within one file. */
  readonly masterKeyId: string;
  /** The data key as encrypted by that KMS key; opaque bytes. */
  readonly wrappedKey: Uint8Array;
}

export interface EncryptionInfo {
  readonly version: 1;
  readonly scheme: string;
  /** In the order written; ALTER BACKUP writes a new file holding only the added keys. */
  readonly kms: readonly KmsRecipient[];
  readonly passphrase?: PassphraseRecipient;
}

const TOP_KEYS = ['version', 'scheme', 'kms', 'passphrase'];
const KMS_KEYS = ['masterKeyId', 'wrappedKey'];
const PASSPHRASE_KEYS = ['kdf', 'iterations', 'salt', 'wrappedKey'];

export function encodeEncryptionInfo(info: EncryptionInfo): Buffer {
  const problem = validate(info);
  if (problem !== undefined) throw new StrongroomError('INTERNAL', `invalid ENCRYPTION-INFO: ${problem}`);
  return Buffer.from(canonicalJson(info), 'utf8');
}

type Fail = (reason: string) => StrongroomError;

/** Strict: anything but the canonical encoding of a valid version-1 value → CORRUPTED naming `path`. */
export function decodeEncryptionInfo(bytes: Uint8Array, path: string): EncryptionInfo {
  const fail: Fail = (reason) =>
    new StrongroomError('CORRUPTED', `encryption info file ${path} is corrupted or malformed: ${reason}`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const raw = parseTopLevel(text, fail);
  const passphrase = raw.passphrase === undefined ? undefined : decodePassphrase(raw.passphrase, fail);
  const info: EncryptionInfo = {
    version: ENCRYPTION_INFO_VERSION,
    scheme: typeof raw.scheme === 'string' ? raw.scheme : '',
    kms: decodeKms(raw.kms, fail),
    ...(passphrase ? { passphrase } : {}),
  };
  const problem = validate(info);
  if (problem !== undefined) throw fail(problem);
  if (canonicalJson(info) !== text) throw fail('not in canonical form');
  return info;
}

/** The JSON object, of version 1, with no field but the known ones. */
function parseTopLevel(text: string, fail: Fail): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw fail('not valid JSON');
  }
  if (!isRecord(raw)) throw fail('not a JSON object');
  if (raw.version !== ENCRYPTION_INFO_VERSION)
    throw fail(`unsupported version ${JSON.stringify(raw.version)}`);
  const extra = Object.keys(raw).find((k) => !TOP_KEYS.includes(k));
  if (extra !== undefined) throw fail(`unknown field ${JSON.stringify(extra)}`);
  return raw;
}

function decodeKms(value: unknown, fail: Fail): KmsRecipient[] {
  if (!Array.isArray(value)) throw fail('"kms" must be an array');
  return value.map((entry: unknown) => {
    if (!isRecord(entry) || !sameKeys(entry, KMS_KEYS)) throw fail('malformed "kms" entry');
    const wrappedKey = base64(entry.wrappedKey);
    if (typeof entry.masterKeyId !== 'string' || wrappedKey === undefined)
      throw fail('malformed "kms" entry');
    return { masterKeyId: entry.masterKeyId, wrappedKey };
  });
}

function decodePassphrase(p: unknown, fail: Fail): PassphraseRecipient {
  if (!isRecord(p) || !sameKeys(p, PASSPHRASE_KEYS)) throw fail('malformed "passphrase"');
  const salt = base64(p.salt);
  const wrappedKey = base64(p.wrappedKey);
  if (p.kdf !== PASSPHRASE_KDF || typeof p.iterations !== 'number' || !salt || !wrappedKey) {
    throw fail('malformed "passphrase"');
  }
  return { kdf: PASSPHRASE_KDF, iterations: p.iterations, salt, wrappedKey };
}

function validate(info: EncryptionInfo): string | undefined {
  if (info.version !== ENCRYPTION_INFO_VERSION) return `unsupported version ${info.version}`;
  if (info.scheme !== ENCRYPTION_SCHEME) return `unknown scheme ${JSON.stringify(info.scheme)}`;
  const problem = kmsProblem(info.kms) ?? (info.passphrase && passphraseProblem(info.passphrase));
  if (problem !== undefined) return problem;
  if (info.kms.length === 0 && info.passphrase === undefined) return 'no recipient can unwrap the data key';
  return undefined;
}

function kmsProblem(kms: readonly KmsRecipient[]): string | undefined {
  const ids = new Set<string>();
  for (const k of kms) {
    if (k.masterKeyId.length === 0) return 'empty master key id';
    if (ids.has(k.masterKeyId)) return `duplicate master key id ${JSON.stringify(k.masterKeyId)}`;
    ids.add(k.masterKeyId);
    if (k.wrappedKey.length === 0) return 'empty wrapped key';
  }
  return undefined;
}

function passphraseProblem(p: PassphraseRecipient): string | undefined {
  if (p.kdf !== PASSPHRASE_KDF) return `unknown kdf ${JSON.stringify(p.kdf)}`;
  if (!isValidIterations(p.iterations)) return `invalid iterations ${p.iterations}`;
  if (p.salt.length !== SALT_BYTES) return `salt must be ${SALT_BYTES} bytes`;
  if (p.wrappedKey.length === 0) return 'empty wrapped key';
  return undefined;
}

function canonicalJson(info: EncryptionInfo): string {
  const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  const value = {
    version: info.version,
    scheme: info.scheme,
    kms: info.kms.map((k) => ({ masterKeyId: k.masterKeyId, wrappedKey: b64(k.wrappedKey) })),
    ...(info.passphrase
      ? {
          passphrase: {
            kdf: info.passphrase.kdf,
            iterations: info.passphrase.iterations,
            salt: b64(info.passphrase.salt),
            wrappedKey: b64(info.passphrase.wrappedKey),
          },
        }
      : {}),
  };
  return `${JSON.stringify(value, null, 2)}\n`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameKeys(v: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(v);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(v, k));
}

/** Strict standard base64 (padded); undefined for anything that does not re-encode identically. */
function base64(v: unknown): Buffer | undefined {
  if (typeof v !== 'string') return undefined;
  const bytes = Buffer.from(v, 'base64');
  return bytes.toString('base64') === v ? bytes : undefined;
}
