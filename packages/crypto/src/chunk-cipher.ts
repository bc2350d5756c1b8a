// Seals and opens the chunks of one encrypted file with AES-256-GCM. Holds the per-file state
// (key object, header, path) so that each chunk only rewrites its nonce and the tail of its AAD.
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { assertAes256Key } from './data-key.js';
import { CHUNK_AAD_DOMAIN, type FileHeader, IV_BYTES, TAG_BYTES } from './file-format.js';

const COUNTER_MASK = (1n << 64n) - 1n;
const GCM = 'aes-256-gcm';

export class ChunkCipher {
  readonly #key: KeyObject;
  readonly #counterBase: bigint;
  /** IV[0:4] stays; bytes 4..12 are rewritten per chunk. Node copies the nonce on cipher creation. */
  readonly #nonce: Buffer;
  /** domain ‖ header ‖ BE32(len path) ‖ path ‖ BE64(index) ‖ final; the last 9 bytes vary per chunk. */
  readonly #aad: Buffer;

  constructor(key: Uint8Array, header: FileHeader, path: string) {
    assertAes256Key(key, 'data key');
    this.#key = createSecretKey(key);
    this.#nonce = Buffer.from(header.iv);
    this.#counterBase = header.iv.readBigUInt64BE(4);
    const pathBytes = Buffer.from(path, 'utf8');
    const pathLength = Buffer.alloc(4);
    pathLength.writeUInt32BE(pathBytes.length);
    this.#aad = Buffer.concat([CHUNK_AAD_DOMAIN, header.bytes, pathLength, pathBytes, Buffer.alloc(9)]);
  }

  /** Returns [ciphertext, tag] without concatenating them, to avoid copying the chunk. */
  seal(plaintext: Uint8Array, index: number, final: boolean): [Buffer, Buffer] {
    const cipher = createCipheriv(GCM, this.#key, this.#prepare(index, final), { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#aad);
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    return [ciphertext, cipher.getAuthTag()];
  }

  /** `sealed` is ciphertext ‖ tag; returns the plaintext, or undefined when authentication fails. */
  open(sealed: Uint8Array, index: number, final: boolean): Buffer | undefined {
    const split = sealed.length - TAG_BYTES;
    const decipher = createDecipheriv(GCM, this.#key, this.#prepare(index, final), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(this.#aad);
    decipher.setAuthTag(sealed.subarray(split));
    const plaintext = decipher.update(sealed.subarray(0, split));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    return plaintext;
  }

  #prepare(index: number, final: boolean): Buffer {
    const i = BigInt(index);
    this.#nonce.writeBigUInt64BE((this.#counterBase + i) & COUNTER_MASK, IV_BYTES - 8);
    const tail = this.#aad.length - 9;
    this.#aad.writeBigUInt64BE(i, tail);
    this.#aad[tail + 8] = final ? 1 : 0;
    return this.#nonce;
  }
}
