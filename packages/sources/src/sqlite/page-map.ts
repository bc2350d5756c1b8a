// Which table owns each page of a snapshot, from SQLite's dbstat virtual table (every b-tree page and
// overflow page, named by its b-tree): a table owns its own b-tree and its indexes' b-trees. Pages no
// table owns (page 1 and the schema b-tree, sqlite_* tables, the freelist, the lock-byte page) belong to
// the database itself. Spans are cut at fixed page windows (PAGE_WINDOW pages), the same in every backup
// of a file, so an incremental compares a window of a table with the same window before.
import { closeSync, openSync, readSync } from 'node:fs';
import { StrongroomError } from '@strongroom/errors';
import type { SpanBounds, SpanChunk } from '../types.js';
import type { SqliteDatabase } from './driver.js';
import { checkAborted } from './errors.js';
import { nameKey } from './names.js';
import { encodeRunHeader, RUN_HEADER_BYTES } from './page-runs.js';

/** Pages per span window: 1 MiB at the default 4 KiB page size. */
export const PAGE_WINDOW = 256;
/** Pages per chunk (one run record): 256 KiB at 4 KiB pages. */
const CHUNK_PAGES = 64;

/** The owner index of the database's own pages. */
export const DATABASE_OWNER = 0;

export class PageMap {
  readonly pageSize: number;
  readonly pageCount: number;
  /** Owner index per page (index 0 is page 1): DATABASE_OWNER or 1 + the table's position. */
  readonly #owner: Int32Array;
  /** Table rows whose cells lie on each page (leaf cells of a rowid table, every cell of a WITHOUT ROWID one). */
  readonly #rows: Int32Array;
  readonly #owners: ReadonlyMap<string, number>;

  private constructor(
    pageSize: number,
    pageCount: number,
    owner: Int32Array,
    rows: Int32Array,
    owners: ReadonlyMap<string, number>,
  ) {
    this.pageSize = pageSize;
    this.pageCount = pageCount;
    this.#owner = owner;
    this.#rows = rows;
    this.#owners = owners;
  }

  /**
   * Maps the pages of `db` as its current (read) transaction sees them. `tables` are the tables whose pages
   * are theirs; every other b-tree's pages are the database's.
   */
  static read(db: SqliteDatabase, tables: readonly { name: string; withoutRowid: boolean }[]): PageMap {
    const pageSize = Number(db.prepare('PRAGMA main.page_size').pluck().safeIntegers(false).get());
    const pageCount = Number(db.prepare('PRAGMA main.page_count').pluck().safeIntegers(false).get());
    const owners = new Map<string, number>();
    const withoutRowid = new Set<string>();
    for (const [i, t] of tables.entries()) {
      owners.set(nameKey(t.name), i + 1);
      if (t.withoutRowid) withoutRowid.add(nameKey(t.name));
    }
    // b-tree name → owning table (an index belongs to its table, a table's b-tree to itself).
    const btreeOwner = new Map<string, number>();
    for (const [name, table] of db
      .prepare("SELECT name, tbl_name FROM main.sqlite_master WHERE type IN ('table', 'index')")
      .raw(true)
      .all() as [string, string][]) {
      const owner = owners.get(nameKey(table));
      if (owner !== undefined) btreeOwner.set(nameKey(name), owner);
    }
    const owner = new Int32Array(pageCount);
    const rows = new Int32Array(pageCount);
    const stat = db
      .prepare("SELECT name, pageno, pagetype, ncell FROM dbstat('main')")
      .raw(true)
      .safeIntegers(false);
    for (const [name, pageno, pagetype, ncell] of stat.iterate() as IterableIterator<
      [string, number, string, number]
    >) {
      if (pageno < 1 || pageno > pageCount) continue;
      const key = nameKey(name);
      const o = btreeOwner.get(key) ?? DATABASE_OWNER;
      owner[pageno - 1] = o;
      // Only the table's own b-tree holds its rows (an index repeats them).
      if (o !== DATABASE_OWNER && owners.get(key) === o) {
        if (pagetype === 'leaf' || (pagetype === 'internal' && withoutRowid.has(key)))
          rows[pageno - 1] = ncell;
      }
    }
    return new PageMap(pageSize, pageCount, owner, rows, owners);
  }

  /** The owner index of a table ('' is the database's own pages). */
  ownerOf(table: string): number {
    if (table === '') return DATABASE_OWNER;
    const o = this.#owners.get(nameKey(table));
    if (o === undefined) throw new StrongroomError('TARGET_NOT_FOUND', `table ${table} does not exist`);
    return o;
  }

  /**
   * Span boundaries for an owner: the edges of every window that holds its pages (decimal page numbers),
   * so each such window is a span of its own and the spans between them are empty.
   */
  boundaries(owner: number): string[] {
    const edges = new Set<number>();
    for (let p = 0; p < this.pageCount; p++) {
      if (this.#owner[p] !== owner) continue;
      const w = Math.floor(p / PAGE_WINDOW);
      edges.add(w * PAGE_WINDOW + 1);
      edges.add((w + 1) * PAGE_WINDOW + 1);
      p = (w + 1) * PAGE_WINDOW - 1;
    }
    return [...edges].sort((a, b) => a - b).map(String);
  }

  /**
   * The owner's pages in [lo, hi) as page-run records read from `file` (a file whose pages are the
   * snapshot's: see SqliteSnapshot). Each chunk is one record of at most CHUNK_PAGES pages, in a buffer
   * of its own (owned), so memory is one chunk per span being read.
   */
  async *read(
    file: string,
    owner: number,
    bounds: SpanBounds,
    signal?: AbortSignal,
  ): AsyncGenerator<SpanChunk> {
    const lo = bounds.lo === null ? 1 : pageBound(bounds.lo);
    const hi = bounds.hi === null ? this.pageCount + 1 : Math.min(pageBound(bounds.hi), this.pageCount + 1);
    const fd = openSync(file, 'r');
    try {
      let p = Math.max(lo, 1);
      while (p < hi) {
        if (this.#owner[p - 1] !== owner) {
          p++;
          continue;
        }
        checkAborted(signal);
        let count = 1;
        let rows = this.#rows[p - 1] as number;
        while (count < CHUNK_PAGES && p + count < hi && this.#owner[p + count - 1] === owner) {
          rows += this.#rows[p + count - 1] as number;
          count++;
        }
        const size = count * this.pageSize;
        const buf = Buffer.allocUnsafeSlow(RUN_HEADER_BYTES + size);
        encodeRunHeader(p, count).copy(buf, 0);
        let got = 0;
        while (got < size) {
          const n = readSync(fd, buf, RUN_HEADER_BYTES + got, size - got, (p - 1) * this.pageSize + got);
          if (n === 0)
            throw new StrongroomError('CORRUPTED', `the snapshot file ends before page ${p + count - 1}`);
          got += n;
        }
        yield { data: buf, rows, owned: true };
        p += count;
      }
    } finally {
      closeSync(fd);
    }
  }
}

function pageBound(bound: string): number {
  if (!/^\d{1,10}$/.test(bound))
    throw new StrongroomError('INVALID_PARAMETER', `invalid page span bound: ${bound}`);
  return Number(bound);
}
