// The page-run encoding of a page span (FORMAT.md, "SQLite page spans"): a span's bytes are records, each
// an 8-byte header (first page number and page count, both u32 big-endian) followed by that many pages.
// PageRunWriter parses such bytes however they are cut into chunks and writes every page at its place in
// a database file.
import { writeSync } from 'node:fs';
import { StrongroomError } from '@strongroom/errors';

export const RUN_HEADER_BYTES = 8;

/** One record: `count` pages starting at page `first`, whose bytes are `pages` (count × page size). */
export function encodeRunHeader(first: number, count: number): Buffer {
  const header = Buffer.allocUnsafe(RUN_HEADER_BYTES);
  header.writeUInt32BE(first, 0);
  header.writeUInt32BE(count, 4);
  return header;
}

/**
 * Writes the pages of page-run bytes into an open file (`fd`), each at offset (page − 1) × pageSize.
 * Pages outside 1…pageCount, or bytes that end inside a record, are CORRUPTED.
 */
export class PageRunWriter {
  readonly #fd: number;
  readonly #pageSize: number;
  readonly #pageCount: number;
  readonly #header = Buffer.alloc(RUN_HEADER_BYTES);
  #headerFill = 0;
  /** Bytes of the current record's pages still to come, and where the next one goes in the file. */
  #left = 0;
  #position = 0;
  pages = 0;

  constructor(fd: number, pageSize: number, pageCount: number) {
    this.#fd = fd;
    this.#pageSize = pageSize;
    this.#pageCount = pageCount;
  }

  write(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#left === 0) {
        const take = Math.min(RUN_HEADER_BYTES - this.#headerFill, chunk.length - at);
        this.#header.set(chunk.subarray(at, at + take), this.#headerFill);
        this.#headerFill += take;
        at += take;
        if (this.#headerFill < RUN_HEADER_BYTES) return;
        this.#headerFill = 0;
        const first = this.#header.readUInt32BE(0);
        const count = this.#header.readUInt32BE(4);
        if (first < 1 || count < 1 || first + count - 1 > this.#pageCount)
          throw new StrongroomError(
            'CORRUPTED',
            `page run ${first}+${count} lies outside the database's ${this.#pageCount} pages`,
          );
        this.#left = count * this.#pageSize;
        this.#position = (first - 1) * this.#pageSize;
        this.pages += count;
        continue;
      }
      const take = Math.min(this.#left, chunk.length - at);
      let done = 0;
      while (done < take) done += writeSync(this.#fd, chunk, at + done, take - done, this.#position + done);
      this.#position += take;
      this.#left -= take;
      at += take;
    }
  }

  /** Throws when the bytes ended inside a record. */
  end(): void {
    if (this.#left !== 0 || this.#headerFill !== 0)
      throw new StrongroomError('CORRUPTED', 'a page span ends inside a page run');
  }
}
