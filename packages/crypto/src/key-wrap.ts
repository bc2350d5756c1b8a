// Authenticated key wrapping: AES-256-GCM under a key-encryption key, binding a caller-chosen
// context string. Any failure to unwrap is WRONG_KEY: with an authenticated wrap, a wrong KEK and an
// altered wrap are indistinguishable, and both mean "this key does not open this backup".
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StrongroomError } from '@strongroom/errors';
import { assertAes256Key } from './data-key.js';

export const WRAP_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_AAD_DOMAIN = Buffer.from('strongroom-wrap-v1\0', 'ascii');

function wrapAad(aad: string): Buffer {
  return Buffer.concat([WRAP_AAD_DOMAIN, Buffer.from(aad, 'utf8')]);
}

/** Output: version(1) ‖ random nonce(12) ‖ ciphertext ‖ tag(16). `aad` must be given again to unwrap. */
export function wrapKey(kek: Uint8Array, key: Uint8Array, aad: string): Buffer {
  return wrapKeyWithNonce(kek, key, aad, randomBytes(NONCE_BYTES));
}

/** Not exported from the package: a fixed nonce is only for test vectors. */
export function wrapKeyWithNonce(kek: Uint8Array, key: Uint8Array, aad: string, nonce: Uint8Array): Buffer {
  assertAes256Key(kek, 'key-encryption key');
  if (key.length === 0) throw new StrongroomError('INTERNAL', 'cannot wrap an empty key');
  const cipher = createCipheriv('aes-256-gcm', kek, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(wrapAad(aad));
  const ciphertext = cipher.update(key);
  cipher.final();
  return Buffer.concat([Buffer.of(WRAP_VERSION), nonce, ciphertext, cipher.getAuthTag()]);
}

/** Inverse of wrapKey; wrong `kek`, wrong `aad` or any altered byte → WRONG_KEY. */
export function unwrapKey(kek: Uint8Array, wrapped: Uint8Array, aad: string): Buffer {
  assertAes256Key(kek, 'key-encryption key');
  const wrongKey = () =>
    new StrongroomError('WRONG_KEY', 'wrong key: the given key does not unwrap this backup’s data key');
  if (wrapped.length <= 1 + NONCE_BYTES + TAG_BYTES || wrapped[0] !== WRAP_VERSION) throw wrongKey();
  const tagAt = wrapped.length - TAG_BYTES;
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(1, 1 + NONCE_BYTES), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(wrapAad(aad));
  decipher.setAuthTag(wrapped.subarray(tagAt));
  const key = decipher.update(wrapped.subarray(1 + NONCE_BYTES, tagAt));
  try {
    decipher.final();
  } catch {
    key.fill(0);
    throw wrongKey();
  }
  return key;
}
