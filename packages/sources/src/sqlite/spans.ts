// Span planning and span reading for one table of a snapshot. Rowid tables are split at rowid boundaries
// (decimal strings); a WITHOUT ROWID table is one span, because its key may be composite, collated and
// descending, so boundaries would need a key encoding and comparison of their own (a later refinement).
import { StrongroomError } from '@strongroom/errors';
import { type Row, RowFrameEncoder } from '../row-codec.js';
import type { SpanBounds, SpanChunk } from '../types.js';
import type { SqliteDatabase } from './driver.js';
import { checkAborted, sqliteCall } from './errors.js';
import { quoteIdent } from './names.js';
import type { TableLayout } from './schema.js';

/** About this many rows per span: small enough to retry cheaply and to spread over workers. */
export const SPAN_ROWS = 20_000;

/** Boundaries b1 < … < bn: the rowid of every SPAN_ROWS-th row in rowid order. */
export function planRowidSpans(db: SqliteDatabase, layout: TableLayout): string[] {
  if (layout.rowid === null) return [];
  const table = quoteIdent(layout.info.name);
  const key = layout.rowid;
  // Each step walks SPAN_ROWS entries of the table b-tree from the previous boundary: one pass overall.
  const first = db.prepare(`SELECT ${key} FROM ${table} ORDER BY ${key} LIMIT 1 OFFSET ?`).pluck();
  const next = db
    .prepare(`SELECT ${key} FROM ${table} WHERE ${key} >= ? ORDER BY ${key} LIMIT 1 OFFSET ?`)
    .pluck();
  const boundaries: string[] = [];
  let at = first.get(SPAN_ROWS) as bigint | undefined;
  while (at !== undefined) {
    boundaries.push(at.toString());
    at = next.get(at, SPAN_ROWS) as bigint | undefined;
  }
  return boundaries;
}

function parseBound(bound: string | null): bigint | null {
  if (bound === null) return null;
  if (!/^-?\d{1,19}$/.test(bound))
    throw new StrongroomError('INVALID_PARAMETER', `invalid rowid span bound: ${bound}`);
  return BigInt(bound);
}

/** The SELECT of a span's rows in key order, and its bound parameters. */
function spanQuery(layout: TableLayout, bounds: SpanBounds): { sql: string; params: bigint[] } {
  const lo = parseBound(bounds.lo);
  const hi = parseBound(bounds.hi);
  if (layout.rowid === null && (lo !== null || hi !== null))
    throw new StrongroomError('INVALID_PARAMETER', `table ${layout.info.name} has no rowid spans`);
  const params: bigint[] = [];
  const where: string[] = [];
  if (lo !== null) {
    where.push(`${layout.rowid} >= ?`);
    params.push(lo);
  }
  if (hi !== null) {
    where.push(`${layout.rowid} < ?`);
    params.push(hi);
  }
  const select = [layout.rowid, ...layout.columns].filter((c) => c !== null).join(', ');
  const sql =
    `SELECT ${select} FROM ${quoteIdent(layout.info.name)}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    (layout.orderBy !== '' ? ` ORDER BY ${layout.orderBy}` : '');
  return { sql, params };
}

/**
 * The next frame, filled synchronously (memory stays at one frame); `last` once the rows are exhausted
 * (its frame is then the encoder's remainder, if any).
 */
function nextFrame(
  rows: IterableIterator<Row>,
  encoder: RowFrameEncoder,
): { frame: SpanChunk | undefined; last: boolean } {
  for (;;) {
    const next = sqliteCall(() => rows.next());
    if (next.done) return { frame: encoder.flush(), last: true };
    const frame = encoder.add(next.value);
    if (frame !== undefined) return { frame, last: false };
  }
}

/**
 * The span's rows in key order as frames. The statement is prepared per call, and read statements may
 * interleave on one connection, so several spans of one snapshot can be read concurrently.
 */
export async function* readTableSpan(
  db: SqliteDatabase,
  layout: TableLayout,
  bounds: SpanBounds,
  signal?: AbortSignal,
): AsyncGenerator<SpanChunk> {
  const { sql, params } = spanQuery(layout, bounds);
  const rows = sqliteCall(() =>
    db
      .prepare(sql)
      .raw(true)
      .iterate(...params),
  ) as IterableIterator<Row>;
  const encoder = new RowFrameEncoder();
  try {
    for (;;) {
      checkAborted(signal);
      const { frame, last } = nextFrame(rows, encoder);
      if (frame !== undefined) yield frame;
      if (last) return;
    }
  } finally {
    rows.return?.();
  }
}
