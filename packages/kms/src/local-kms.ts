// `local:///abs/path/to/key`: a master key held in a file, for air-gapped sites and the quickstart.
// Its id is a fingerprint of the key itself, so moving or copying the file keeps the id; wrapping is
// @strongroom/crypto's authenticated key wrap.
import { createHmac } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { unwrapKey, wrapKey } from '@strongroom/crypto';
import { StrongroomError } from '@strongroom/errors';
import { parseExternalUri } from '@strongroom/uri';
import { readKeyFile } from './key-file.js';
import type { Kms, KmsContext, KmsProvider } from './types.js';

/** Canonical id of a local key: `local:` + the first 16 hex of HMAC-SHA256(key, 'strongroom local key id'). */
export function localKeyId(key: Uint8Array): string {
  return `local:${createHmac('sha256', key).update('strongroom local key id').digest('hex').slice(0, 16)}`;
}

/** The absolute key-file path of a `local:` URI; strict (no host, no query parameters). */
export function parseLocalKmsUri(uri: string): string {
  const u = parseExternalUri(uri);
  const invalid = (why: string) =>
    new StrongroomError('INVALID_URI', `invalid local KMS URI ${JSON.stringify(u.redacted)}: ${why}`, {
      hint: 'write local:///absolute/path/to/key-file',
    });
  if (u.scheme !== 'local') throw invalid('scheme must be local');
  if (u.host !== '' && u.host !== 'localhost') throw invalid(`unexpected host "${u.host}"`);
  if (u.username !== undefined) throw invalid('user info is not allowed');
  if (u.path === '' || u.path === '/' || !isAbsolute(u.path))
    throw invalid('the key file path must be absolute');
  u.params.rejectLeftovers('local KMS');
  return u.path;
}

class LocalKms implements Kms {
  readonly #key: Buffer;
  readonly #aad: string;

  constructor(
    key: Buffer,
    readonly masterKeyId: string,
    readonly redactedUri: string,
  ) {
    this.#key = key;
    this.#aad = `strongroom local kms ${masterKeyId}`;
  }

  async encrypt(plaintext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    return wrapKey(this.#key, plaintext, this.#aad);
  }

  async decrypt(ciphertext: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    return unwrapKey(this.#key, ciphertext, this.#aad);
  }

  async close(): Promise<void> {
    this.#key.fill(0);
  }
}

export const localKmsProvider: KmsProvider = {
  schemes: ['local'],
  secretParams: [],
  validate: (uri) => void parseLocalKmsUri(uri),
  async open(uri: string, _ctx: KmsContext): Promise<Kms> {
    const path = parseLocalKmsUri(uri);
    const key = await readKeyFile(path);
    return new LocalKms(key, localKeyId(key), parseExternalUri(uri).redacted);
  },
};
