// Decryption of the chunked file format. A chunk is final exactly when no byte follows it, so the
// stream decryptor holds one sealed chunk until it sees either more input or the end of input.
// Plaintext is released only after its chunk authenticates; a failure later in the stream still
// invalidates the whole file, so consumers must not commit output before the iterator completes.
import { ChunkCipher } from './chunk-cipher.js';
import { corrupted } from './crypto-errors.js';
import { checkMagicPrefix, decodeHeader, type FileHeader, HEADER_BYTES, TAG_BYTES } from './file-format.js';

/** Collects the header from the first pieces of a stream, checking the magic prefix as soon as it can. */
class HeaderCollector {
  readonly #bytes = Buffer.alloc(HEADER_BYTES);
  #fill = 0;

  constructor(private readonly path: string) {}

  get complete(): boolean {
    return this.#fill === HEADER_BYTES;
  }

  /** Takes what the header still needs from `piece`; returns how many bytes it took. */
  take(piece: Uint8Array): number {
    const n = Math.min(HEADER_BYTES - this.#fill, piece.length);
    this.#bytes.set(piece.subarray(0, n), this.#fill);
    this.#fill += n;
    checkMagicPrefix(this.#bytes, this.#fill, this.path);
    return n;
  }

  decode(): FileHeader {
    return decodeHeader(this.#bytes, this.path);
  }
}

/**
 * Cuts the bytes after the header into sealed chunks and opens them in order. A chunk is opened only once
 * a byte after it has arrived, since the final chunk (opened by `finish`) is authenticated as final.
 */
class ChunkOpener {
  readonly #cipher: ChunkCipher;
  readonly #stride: number;
  readonly #pending: Buffer;
  #fill = 0;
  #index = 0;

  constructor(
    key: Uint8Array,
    header: FileHeader,
    private readonly path: string,
  ) {
    this.#cipher = new ChunkCipher(key, header, path);
    this.#stride = header.chunkSize + TAG_BYTES;
    this.#pending = Buffer.allocUnsafe(this.#stride);
  }

  /** The plaintext of every chunk that `piece` (from `off`) completes and shows not to be the last. */
  *push(piece: Uint8Array, off: number): Generator<Buffer> {
    const stride = this.#stride;
    // More input follows, so a fully buffered chunk is not the final one.
    if (this.#fill === stride) yield this.#openPending();
    if (this.#fill > 0) {
      const n = Math.min(stride - this.#fill, piece.length - off);
      this.#pending.set(piece.subarray(off, off + n), this.#fill);
      this.#fill += n;
      off += n;
      if (this.#fill === stride && off < piece.length) yield this.#openPending();
    }
    // Fast path: whole chunks inside this piece are opened in place, keeping back the last one.
    while (this.#fill === 0 && piece.length - off > stride) {
      yield this.#open(piece.subarray(off, off + stride), false);
      off += stride;
    }
    if (off < piece.length) {
      this.#pending.set(piece.subarray(off), this.#fill);
      this.#fill += piece.length - off;
    }
  }

  /** The final chunk: a tag and fewer than chunkSize plaintext bytes; anything else is damage. */
  finish(): Buffer {
    if (this.#fill < TAG_BYTES || this.#fill === this.#stride)
      throw corrupted(this.path, `chunk ${this.#index}`);
    return this.#open(this.#pending.subarray(0, this.#fill), true);
  }

  #openPending(): Buffer {
    this.#fill = 0;
    return this.#open(this.#pending, false);
  }

  #open(sealed: Uint8Array, final: boolean): Buffer {
    const plaintext = this.#cipher.open(sealed, this.#index, final);
    if (plaintext === undefined) throw corrupted(this.path, `chunk ${this.#index}`);
    this.#index++;
    return plaintext;
  }
}

/** Streaming decrypt; memory: one sealed chunk. Throws CORRUPTED or NOT_ENCRYPTED naming `path`. */
export async function* decryptStream(
  key: Uint8Array,
  path: string,
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const header = new HeaderCollector(path);
  let chunks: ChunkOpener | undefined;
  for await (const piece of source) {
    let off = 0;
    if (chunks === undefined) {
      off = header.take(piece);
      if (!header.complete) continue;
      chunks = new ChunkOpener(key, header.decode(), path);
    }
    if (off < piece.length) yield* chunks.push(piece, off);
  }
  if (chunks === undefined) throw corrupted(path, 'header');
  yield chunks.finish();
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
