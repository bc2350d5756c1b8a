// Which table owns each page of a snapshot, found by walking each table's and index's b-tree from its root
// (btree-walk.ts; tests compare it with SQLite's dbstat): a table owns its b-tree and its indexes'. Pages no
// table owns (page 1 and the schema b-tree, sqlite_* tables, the freelist, the lock-byte page) belong to
// the database itself. Spans are cut at fixed page windows (WINDOW_BYTES), the same in every backup
// of a file, so an incremental compares a window of a table with the same window before.
import { closeSync, openSync, readSync } from 'node:fs';
import { StrongroomError } from '@strongroom/errors';
import { CHUNK_BUFFER_BYTES } from '../chunk-buffers.js';
import type { SpanBounds, SpanChunk } from '../types.js';
import { PageReader, UNSEEN, walkBtree } from './btree-walk.js';
import type { SqliteDatabase } from './driver.js';
import { checkAborted } from './errors.js';
import { nameKey } from './names.js';
import { encodeRunHeader, RUN_HEADER_BYTES } from './page-runs.js';

/**
 * Bytes per span window (whole pages; at least one page). Larger windows mean fewer objects (each is
 * written and synced on its own), smaller ones finer incrementals: 4 MiB stores a 1 % key-range change of
 * a 1 GB database in a handful of windows (bench/sqlite.mjs).
 */
export const WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * A chunk (one run record) is at most a chunk buffer (1 MiB): it becomes one zstd frame (isOwnFrame), which
 * a restore decodes into one slot of the chunk arena.
 */
const CHUNK_BYTES = CHUNK_BUFFER_BYTES;

/** The owner index of the database's own pages. */
export const DATABASE_OWNER = 0;

export class PageMap {
  readonly pageSize: number;
  readonly pageCount: number;
  /** Pages per span window. */
  readonly window: number;
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
    this.window = Math.max(1, Math.floor(WINDOW_BYTES / pageSize));
    this.#owner = owner;
    this.#rows = rows;
    this.#owners = owners;
  }

  /**
   * Maps the pages of `db` as its current (read) transaction sees them, walking the b-trees in `file` (a
   * file with exactly that transaction's pages: see SqliteSnapshot). `tables` are the tables whose pages
   * are theirs; every other page is the database's.
   */
  static read(
    db: SqliteDatabase,
    file: string,
    tables: readonly { name: string; withoutRowid: boolean }[],
  ): PageMap {
    const pageSize = Number(db.prepare('PRAGMA main.page_size').pluck().safeIntegers(false).get());
    const pageCount = Number(db.prepare('PRAGMA main.page_count').pluck().safeIntegers(false).get());
    const owners = new Map<string, number>();
    for (const [i, t] of tables.entries()) owners.set(nameKey(t.name), i + 1);
    const claims = { owner: new Int32Array(pageCount).fill(UNSEEN), rows: new Int32Array(pageCount) };
    const reader = new PageReader(file, pageSize, pageCount);
    try {
      const usable = pageSize - (reader.page(1)[20] as number);
      for (const [type, name, table, root] of db
        .prepare(
          "SELECT type, name, tbl_name, rootpage FROM main.sqlite_master WHERE type IN ('table', 'index')",
        )
        .raw(true)
        .safeIntegers(false)
        .all() as [string, string, string, number | null][]) {
        const owner = owners.get(nameKey(table));
        // Virtual tables have no b-tree (root 0); sqlite_* tables and the schema are the database's.
        if (owner === undefined || !root) continue;
        const own = type === 'table' && nameKey(name) === nameKey(table);
        walkBtree(reader, root, usable, owner, own, claims);
      }
    } finally {
      reader.close();
    }
    // Everything no table claimed: page 1, the schema, sqlite_* tables, the freelist, the lock-byte page.
    for (let i = 0; i < pageCount; i++) if (claims.owner[i] === UNSEEN) claims.owner[i] = DATABASE_OWNER;
    return new PageMap(pageSize, pageCount, claims.owner, claims.rows, owners);
  }

  /** The owner index of page `p` (1-based). */
  ownerOfPage(p: number): number {
    return this.#owner[p - 1] ?? DATABASE_OWNER;
  }

  /** The table rows stored on page `p`. */
  rowsOnPage(p: number): number {
    return this.#rows[p - 1] ?? 0;
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
      const w = Math.floor(p / this.window);
      edges.add(w * this.window + 1);
      edges.add((w + 1) * this.window + 1);
      p = (w + 1) * this.window - 1;
    }
    return [...edges].sort((a, b) => a - b).map(String);
  }

  /**
   * The owner's pages in [lo, hi) as page-run records read from `file` (a file whose pages are the
   * snapshot's: see SqliteSnapshot). Each chunk is one record of at most CHUNK_BYTES, in a buffer
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
    const chunkPages = Math.max(1, Math.floor((CHUNK_BYTES - RUN_HEADER_BYTES) / this.pageSize));
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
        while (count < chunkPages && p + count < hi && this.#owner[p + count - 1] === owner) {
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
