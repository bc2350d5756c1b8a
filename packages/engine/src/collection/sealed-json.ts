// Encodes small metadata objects (manifests, partition descriptors): JSON → gzip → encrypt (when a key
// is given), and back. Decoding tells "encrypted but no key given" and "not encrypted but a key given"
// apart from corruption.
import { gunzipSync, gzipSync } from 'node:zlib';
import { appearsEncrypted, decryptBuffer, encryptBuffer } from '@strongroom/crypto';
import { StrongroomError } from '@strongroom/errors';

export function sealJson(value: unknown, key: Uint8Array | undefined, path: string): Buffer {
  const plain = gzipSync(Buffer.from(JSON.stringify(value), 'utf8'));
  return key ? encryptBuffer(key, path, plain) : plain;
}

export function openJson<T>(bytes: Uint8Array, key: Uint8Array | undefined, path: string): T {
  let plain: Uint8Array;
  if (appearsEncrypted(bytes)) {
    if (!key)
      throw new StrongroomError(
        'ENCRYPTION_REQUIRED',
        'file appears encrypted -- try specifying one of "encryption_passphrase" or "kms"',
        { hint: `${path} is encrypted` },
      );
    plain = decryptBuffer(key, path, bytes);
  } else {
    if (key)
      throw new StrongroomError(
        'NOT_ENCRYPTED',
        `file ${path} is not encrypted, but an encryption option was given`,
      );
    plain = bytes;
  }
  try {
    return JSON.parse(gunzipSync(plain).toString('utf8')) as T;
  } catch (err) {
    throw new StrongroomError('CORRUPTED', `file ${path} is corrupted (cannot decode)`, { cause: err });
  }
}
