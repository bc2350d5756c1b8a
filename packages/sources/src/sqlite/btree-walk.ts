// Finds every page of one SQLite b-tree by walking it from its root page in the database file (SQLite's
// file format, https://www.sqlite.org/fileformat.html §1.6 b-tree pages and §1.7 overflow pages): interior pages name their children, cells whose
// payload spills name their first overflow page, and each overflow page the next. dbstat does the same,
// but also measures every cell, which is several times slower for a backup that needs only the pages.
import { closeSync, openSync, readSync } from 'node:fs';
import { StrongroomError } from '@strongroom/errors';

/** Reads pages of a database file through a window of BLOCK consecutive pages. */
export class PageReader {
  readonly #fd: number;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly #block: Buffer;
  readonly #blockPages: number;
  #first = 0;
  #count = 0;

  constructor(file: string, pageSize: number, pageCount: number) {
    this.#fd = openSync(file, 'r');
    this.pageSize = pageSize;
    this.pageCount = pageCount;
    this.#blockPages = Math.max(1, Math.floor((1 << 20) / pageSize));
    this.#block = Buffer.allocUnsafe(this.#blockPages * pageSize);
  }

  /** Page `p` (1-based); valid until the next call. */
  page(p: number): Buffer {
    if (p < 1 || p > this.pageCount) throw corrupt(`a b-tree points to page ${p} of ${this.pageCount}`);
    if (p < this.#first || p >= this.#first + this.#count) {
      const first = p;
      const count = Math.min(this.#blockPages, this.pageCount - p + 1);
      const size = count * this.pageSize;
      let got = 0;
      while (got < size) {
        const n = readSync(this.#fd, this.#block, got, size - got, (first - 1) * this.pageSize + got);
        if (n === 0) break;
        got += n;
      }
      if (got < this.pageSize) throw corrupt(`the database file ends before page ${p}`);
      this.#first = first;
      this.#count = Math.floor(got / this.pageSize);
    }
    const at = (p - this.#first) * this.pageSize;
    return this.#block.subarray(at, at + this.pageSize);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

function corrupt(message: string): StrongroomError {
  return new StrongroomError('CORRUPTED', `malformed database: ${message}`);
}

/** A varint at `at`: its value (exact below 2^53, enough for payload sizes) and its length. */
function varint(buf: Buffer, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const b = buf[at + i] as number;
    v = v * 128 + (b & 0x7f);
    if (b < 0x80) return [v, i + 1];
  }
  return [v * 256 + (buf[at + 8] as number), 9];
}

/** Where a walk records pages: owner per page (index page − 1; UNSEEN until claimed) and rows per page. */
export interface PageClaims {
  readonly owner: Int32Array;
  readonly rows: Int32Array;
}

export const UNSEEN = -1;

/** A b-tree page: its kind and where its cell pointers start. */
interface BtreePage {
  readonly buf: Buffer;
  /** Offset of the page header (100 on page 1, after the file header). */
  readonly h: number;
  readonly cells: number;
  readonly interior: boolean;
  /** A table b-tree (else an index b-tree). */
  readonly table: boolean;
  readonly ptrs: number;
}

function btreePage(reader: PageReader, p: number): BtreePage {
  const buf = reader.page(p);
  const h = p === 1 ? 100 : 0;
  const type = buf[h] as number;
  if (type !== 0x02 && type !== 0x05 && type !== 0x0a && type !== 0x0d)
    throw corrupt(`page ${p} is not a b-tree page`);
  const interior = type === 0x02 || type === 0x05;
  return {
    buf,
    h,
    cells: buf.readUInt16BE(h + 3),
    interior,
    table: type === 0x05 || type === 0x0d,
    ptrs: h + (interior ? 12 : 8),
  };
}

/**
 * The first overflow page of the payload starting at `at` (0 when it all fits on the page). `x` and `m`:
 * the page kind's overflow thresholds (file format §1.6), max and min local payload.
 */
function firstOverflow(
  buf: Buffer,
  at: number,
  table: boolean,
  usable: number,
  x: number,
  m: number,
): number {
  // Most payload sizes are one- or two-byte varints, below the overflow threshold: no full decode.
  const b0 = buf[at] as number;
  if (b0 < 0x80 && b0 <= x) return 0;
  const b1 = buf[at + 1] as number;
  if (b0 >= 0x80 && b1 < 0x80 && ((b0 & 0x7f) << 7) + b1 <= x) return 0;
  const [payload, n] = varint(buf, at);
  if (payload <= x) return 0;
  const key = table ? varint(buf, at + n)[1] : 0;
  const k = m + ((payload - m) % (usable - 4));
  return buf.readUInt32BE(at + n + key + (k <= x ? k : m));
}

/** The child pages (left to right) and first overflow pages a b-tree page points to. */
function links(page: BtreePage, usable: number): { children: number[]; overflows: number[] } {
  const { buf, interior, table } = page;
  const x = table ? usable - 35 : Math.floor(((usable - 12) * 64) / 255) - 23;
  const m = Math.floor(((usable - 12) * 32) / 255) - 23;
  const overflows: number[] = [];
  const children: number[] = [];
  for (let i = 0; i < page.cells; i++) {
    let at = buf.readUInt16BE(page.ptrs + 2 * i);
    if (interior) {
      children.push(buf.readUInt32BE(at));
      at += 4;
    }
    // An interior table cell is a child and a key, no payload.
    const first = interior && table ? 0 : firstOverflow(buf, at, table, usable, x, m);
    if (first !== 0) overflows.push(first);
  }
  if (interior) children.push(buf.readUInt32BE(page.h + 8));
  return { children, overflows };
}

/**
 * Claims for `owner` every page of the b-tree rooted at `root` (b-tree and overflow pages). With
 * `countRows` (a table's own b-tree) it records the rows on each page: leaf cells of a table b-tree,
 * every cell of an index b-tree (a WITHOUT ROWID table). A page claimed twice is CORRUPTED (a cycle, or
 * two b-trees sharing a page).
 */
export function walkBtree(
  reader: PageReader,
  root: number,
  usable: number,
  owner: number,
  countRows: boolean,
  claims: PageClaims,
): void {
  const claim = (p: number) => {
    if (p < 1 || p > claims.owner.length) throw corrupt(`a b-tree points to page ${p}`);
    if (claims.owner[p - 1] !== UNSEEN) throw corrupt(`page ${p} is reached twice`);
    claims.owner[p - 1] = owner;
  };
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    claim(p);
    const page = btreePage(reader, p);
    const { children, overflows } = links(page, usable);
    if (countRows && !(page.table && page.interior)) claims.rows[p - 1] = page.cells;
    // Left to right: a b-tree filled in key order lies in ascending pages, read block by block.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as number);
    for (let next of overflows)
      while (next !== 0) {
        claim(next);
        next = reader.page(next).readUInt32BE(0);
      }
  }
}
