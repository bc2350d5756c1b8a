// The passphrase recipient: PBKDF2-HMAC-SHA256 turns a passphrase and a random salt into a
// key-encryption key that wraps the data key, like one more KMS. The derivation runs on libuv's
// thread pool (async pbkdf2) so a 600 000-iteration derivation never blocks the event loop.
import { pbkdf2, randomBytes } from 'node:crypto';
import { StrongroomError } from '@strongroom/errors';
import { assertAes256Key, DATA_KEY_BYTES } from './data-key.js';
import { unwrapKey, wrapKey } from './key-wrap.js';

export const PASSPHRASE_KDF = 'pbkdf2-sha256';
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;
/** Upper bound accepted when reading, so a tampered ENCRYPTION-INFO cannot stall a restore for hours. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
export const SALT_BYTES = 16;
/** Context bound into the wrap, so a passphrase wrap is never mistaken for a KMS wrap. */
export const PASSPHRASE_WRAP_AAD = 'passphrase-recipient/pbkdf2-sha256';

export interface PassphraseRecipient {
  readonly kdf: 'pbkdf2-sha256';
  readonly iterations: number;
  /** 16 random bytes, fresh for each full backup. */
  readonly salt: Uint8Array;
  /** wrapKey(derived key, data key, PASSPHRASE_WRAP_AAD). */
  readonly wrappedKey: Uint8Array;
}

export function isValidIterations(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_PBKDF2_ITERATIONS;
}

/**
 * PBKDF2-HMAC-SHA256 over the UTF-8 bytes of the NFC-normalised passphrase (so the same passphrase
 * typed on systems that compose accents differently derives the same key); dkLen 32.
 */
export function derivePassphraseKey(
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
): Promise<Buffer> {
  const secret = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  return new Promise((resolve, reject) => {
    pbkdf2(secret, salt, iterations, DATA_KEY_BYTES, 'sha256', (err, key) => {
      secret.fill(0);
      if (err) reject(new StrongroomError('INTERNAL', 'passphrase key derivation failed', { cause: err }));
      else resolve(key);
    });
  });
}

export async function wrapWithPassphrase(
  dataKey: Uint8Array,
  passphrase: string,
  options: { iterations?: number } = {},
): Promise<PassphraseRecipient> {
  assertAes256Key(dataKey, 'data key');
  if (passphrase.length === 0) {
    throw new StrongroomError('INVALID_PARAMETER', 'the encryption passphrase must not be empty');
  }
  const iterations = options.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  if (!isValidIterations(iterations)) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `PBKDF2 iterations must be an integer from 1 to ${MAX_PBKDF2_ITERATIONS}`,
    );
  }
  const salt = randomBytes(SALT_BYTES);
  const kek = await derivePassphraseKey(passphrase, salt, iterations);
  try {
    const wrappedKey = wrapKey(kek, dataKey, PASSPHRASE_WRAP_AAD);
    return { kdf: PASSPHRASE_KDF, iterations, salt, wrappedKey };
  } finally {
    kek.fill(0);
  }
}

/** Wrong passphrase → WRONG_KEY 'wrong encryption passphrase'. */
export async function unwrapWithPassphrase(r: PassphraseRecipient, passphrase: string): Promise<Buffer> {
  if (r.kdf !== PASSPHRASE_KDF || !isValidIterations(r.iterations) || r.salt.length !== SALT_BYTES) {
    throw new StrongroomError('CORRUPTED', 'the passphrase recipient has invalid KDF parameters');
  }
  const kek = await derivePassphraseKey(passphrase, r.salt, r.iterations);
  try {
    return unwrapKey(kek, r.wrappedKey, PASSPHRASE_WRAP_AAD);
  } catch (err) {
    throw new StrongroomError('WRONG_KEY', 'wrong encryption passphrase', { cause: err });
  } finally {
    kek.fill(0);
  }
}
