// The per-backup data key: 32 random bytes that encrypt every file of a backup chain.
// Keys only ever travel as Uint8Array/Buffer and are never printed; length checks fail as INTERNAL
// because a key of the wrong size is a programming error, not a user mistake.
import { randomBytes } from 'node:crypto';
import { StrongroomError } from '@strongroom/errors';

/** Size of a data key and of every key-encryption key (AES-256). */
export const DATA_KEY_BYTES = 32;

/** A fresh random data key for a full backup (incrementals reuse the full's key). */
export function generateDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** Throws INTERNAL unless `key` is a 32-byte AES-256 key; `what` names the role, never the bytes. */
export function assertAes256Key(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== DATA_KEY_BYTES) {
    throw new StrongroomError('INTERNAL', `${what} must be ${DATA_KEY_BYTES} bytes`);
  }
}
