// Encryption into the chunked file format. Streaming keeps one chunk of plaintext buffered; input
// pieces of a chunk or more are sealed in place without copying. The IV is random per file.
import { randomBytes } from 'node:crypto';
import { ChunkCipher } from './chunk-cipher.js';
import {
  assertChunkSize,
  DEFAULT_CHUNK_SIZE,
  decodeHeader,
  encodeHeader,
  encryptedSize,
  IV_BYTES,
} from './file-format.js';

export interface EncryptOptions {
  /** Plaintext bytes per chunk: a power of two from 64 KiB to 1 MiB; default 256 KiB. */
  readonly chunkSize?: number;
}

/**
 * Streaming encrypt of one file stored at the collection-relative `path`: yields the header, then
 * each chunk's ciphertext and tag as separate pieces. Memory: one chunk of plaintext.
 */
export function encryptStream(
  key: Uint8Array,
  path: string,
  source: AsyncIterable<Uint8Array>,
  options: EncryptOptions = {},
): AsyncIterable<Uint8Array> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  assertChunkSize(chunkSize);
  return encryptStreamWithIv(key, path, source, randomBytes(IV_BYTES), chunkSize);
}

/** One-shot encrypt; the output is byte-identical to what encryptStream yields for the same IV. */
export function encryptBuffer(
  key: Uint8Array,
  path: string,
  plaintext: Uint8Array,
  options: EncryptOptions = {},
): Buffer {
  return encryptBufferWithIv(key, path, plaintext, randomBytes(IV_BYTES), options.chunkSize);
}

/** Not exported from the package: a fixed IV is only for test vectors. */
export async function* encryptStreamWithIv(
  key: Uint8Array,
  path: string,
  source: AsyncIterable<Uint8Array>,
  iv: Uint8Array,
  chunkSize: number = DEFAULT_CHUNK_SIZE,
): AsyncGenerator<Uint8Array> {
  const header = encodeHeader(chunkSize, iv);
  const cipher = new ChunkCipher(key, decodeHeader(header, path), path);
  yield header;
  const pending = Buffer.allocUnsafe(chunkSize);
  let fill = 0;
  let index = 0;
  for await (const piece of source) {
    let off = 0;
    if (fill > 0) {
      off = Math.min(chunkSize - fill, piece.length);
      pending.set(piece.subarray(0, off), fill);
      fill += off;
      // A full chunk is never the final one: the final chunk is always shorter than chunkSize.
      if (fill === chunkSize) {
        yield* cipher.seal(pending, index++, false);
        fill = 0;
      }
    }
    while (piece.length - off >= chunkSize) {
      yield* cipher.seal(piece.subarray(off, off + chunkSize), index++, false);
      off += chunkSize;
    }
    if (off < piece.length) {
      pending.set(piece.subarray(off), fill);
      fill += piece.length - off;
    }
  }
  yield* cipher.seal(pending.subarray(0, fill), index, true);
}

/** Not exported from the package: a fixed IV is only for test vectors. */
export function encryptBufferWithIv(
  key: Uint8Array,
  path: string,
  plaintext: Uint8Array,
  iv: Uint8Array,
  chunkSize: number = DEFAULT_CHUNK_SIZE,
): Buffer {
  const header = encodeHeader(chunkSize, iv);
  const cipher = new ChunkCipher(key, decodeHeader(header, path), path);
  const out = Buffer.allocUnsafe(encryptedSize(plaintext.length, chunkSize));
  let at = header.copy(out, 0);
  let index = 0;
  for (let off = 0; ; off += chunkSize, index++) {
    const final = plaintext.length - off < chunkSize;
    const [ciphertext, tag] = cipher.seal(
      plaintext.subarray(off, final ? plaintext.length : off + chunkSize),
      index,
      final,
    );
    at += ciphertext.copy(out, at);
    at += tag.copy(out, at);
    if (final) return out;
  }
}
