// Decryption of the chunked file format. A chunk is final exactly when no byte follows it, so the
// stream decryptor holds one sealed chunk until it sees either more input or the end of input.
// Plaintext is released only after its chunk authenticates; a failure later in the stream still
// invalidates the whole file, so consumers must not commit output before the iterator completes.
import { ChunkCipher } from './chunk-cipher.js';
import { corrupted } from './crypto-errors.js';
import { checkMagicPrefix, decodeHeader, HEADER_BYTES, TAG_BYTES } from './file-format.js';

/** Streaming decrypt; memory: one sealed chunk. Throws CORRUPTED or NOT_ENCRYPTED naming `path`. */
export async function* decryptStream(
  key: Uint8Array,
  path: string,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const headerBytes = Buffer.alloc(HEADER_BYTES);
  let headerFill = 0;
  let cipher: ChunkCipher | undefined;
  let stride = 0;
  let pending = Buffer.alloc(0);
  let fill = 0;
  let index = 0;
  const open = (sealed: Uint8Array, final: boolean): Buffer => {
    const plaintext = cipher!.open(sealed, index, final);
    if (plaintext === undefined) throw corrupted(path, `chunk ${index}`);
    index++;
    return plaintext;
  };
  for await (const piece of source) {
    let off = 0;
    if (cipher === undefined) {
      off = Math.min(HEADER_BYTES - headerFill, piece.length);
      headerBytes.set(piece.subarray(0, off), headerFill);
      headerFill += off;
      checkMagicPrefix(headerBytes, headerFill, path);
      if (headerFill < HEADER_BYTES) continue;
      const header = decodeHeader(headerBytes, path);
      cipher = new ChunkCipher(key, header, path);
      stride = header.chunkSize + TAG_BYTES;
      pending = Buffer.allocUnsafe(stride);
    }
    if (off === piece.length) continue;
    // More input follows, so a fully buffered chunk is not the final one.
    if (fill === stride) {
      yield open(pending, false);
      fill = 0;
    }
    if (fill > 0) {
      const n = Math.min(stride - fill, piece.length - off);
      pending.set(piece.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === stride && off < piece.length) {
        yield open(pending, false);
        fill = 0;
      }
    }
    // Fast path: whole chunks inside this piece are opened in place, keeping back the last one.
    while (fill === 0 && piece.length - off > stride) {
      yield open(piece.subarray(off, off + stride), false);
      off += stride;
    }
    if (off < piece.length) {
      pending.set(piece.subarray(off), fill);
      fill += piece.length - off;
    }
  }
  if (cipher === undefined) throw corrupted(path, 'header');
  // The final chunk holds a tag and fewer than chunkSize plaintext bytes; anything else is damage.
  if (fill < TAG_BYTES || fill === stride) throw corrupted(path, `chunk ${index}`);
  yield open(pending.subarray(0, fill), true);
}

/** One-shot decrypt with the same checks, in the same order, as decryptStream. */
export function decryptBuffer(key: Uint8Array, path: string, ciphertext: Uint8Array): Buffer {
  const header = decodeHeader(ciphertext, path);
  const cipher = new ChunkCipher(key, header, path);
  const stride = header.chunkSize + TAG_BYTES;
  const parts: Buffer[] = [];
  let total = 0;
  for (let off = HEADER_BYTES, index = 0; ; off += stride, index++) {
    const remaining = ciphertext.length - off;
    const final = remaining <= stride;
    if (final && (remaining < TAG_BYTES || remaining === stride)) throw corrupted(path, `chunk ${index}`);
    const plaintext = cipher.open(
      ciphertext.subarray(off, final ? ciphertext.length : off + stride),
      index,
      final,
    );
    if (plaintext === undefined) throw corrupted(path, `chunk ${index}`);
    parts.push(plaintext);
    total += plaintext.length;
    if (final) return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }
}
