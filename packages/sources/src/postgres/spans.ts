// Span planning and reading for one table. On PostgreSQL 14 and later a table is split into ranges of heap
// pages, read with a TID range scan (`ctid >= '(lo,0)' AND ctid < '(hi,0)'`): a sequential read of those
// pages, the server's cheapest way to produce rows (an index scan in key order cost ~1.3-1.7x the CPU on
// `pgbench_accounts`). Rows come in physical order, which is stable while their pages are unchanged, so
// equal pages give equal bytes and incrementals find changed spans by fingerprint; any change to a row
// changes its span's bytes (an update that moves a row changes both spans). A table of one span is a
// plain `COPY table` (synchronized scans off, so it starts at the first page). Chains begun on older
// versions keep primary-key spans: split on the key's first column at the planner's histogram bounds and
// read in key order. Page boundaries start with NUL, which no PostgreSQL text value (so no key boundary)
// contains. Rows are COPY BINARY without header and trailer for tables of binary-safe built-in types
// (copy-out.ts), else COPY text: exact for every type, portable across server versions, and span streams
// concatenate into one valid COPY FROM input (the restore frames binary ones).
import { StrongroomError } from '@strongroom/errors';
import type { SpanBounds, SpanChunk } from '../types.js';
import { type PgClient, qualified, quoteIdent } from './connect.js';
import { copyOut } from './copy-out.js';
import { checkAborted, toPgError } from './errors.js';
import { quoteLiteral } from './names.js';
import { LO_PIECE, type TableLayout } from './schema.js';

/** Aim for about this many rows per span. */
export const SPAN_ROWS = 100_000;

/** At most this many heap pages (128 MiB) per page span, whatever the row estimate. */
export const SPAN_PAGES_MAX = 16384;

const PAGE_MARK = '\u0000page ';

/** The boundary before heap page `page`. */
export function pageBoundary(page: number): string {
  return `${PAGE_MARK}${page}`;
}

/** The heap page of a page boundary; undefined for a key boundary. */
export function pageOf(boundary: string | null): number | undefined {
  if (boundary === null || !boundary.startsWith(PAGE_MARK)) return undefined;
  const page = Number(boundary.slice(PAGE_MARK.length));
  if (!Number.isSafeInteger(page) || page < 0)
    throw new StrongroomError('INVALID_PARAMETER', `bad page span boundary ${JSON.stringify(boundary)}`);
  return page;
}

export async function planSpans(client: PgClient, layout: TableLayout): Promise<string[]> {
  const { table } = layout;
  // Extensions' configuration tables are small, and read through their filter in one span.
  if (table.kind !== 'r' || layout.info.attributes.extensionConfig === true) return [];
  const info = await client.query<{ version: string; pages: string }>(
    `SELECT current_setting('server_version_num') AS version,
            (pg_catalog.pg_relation_size($1::regclass) / current_setting('block_size')::int8)::text AS pages`,
    [qualified(table.schema, table.name)],
  );
  const version = Number(info.rows[0]?.version ?? 0);
  const pages = Number(info.rows[0]?.pages ?? 0);
  if (version >= 140000) return pageSpans(table.estimatedRows, pages);
  return keySpans(client, table);
}

/** Boundaries of page spans: about SPAN_ROWS rows each by the estimate, at most SPAN_PAGES_MAX pages. */
export function pageSpans(estimatedRows: number, pages: number): string[] {
  const byRows = estimatedRows >= SPAN_ROWS * 1.5 ? Math.ceil(estimatedRows / SPAN_ROWS) : 1;
  const spans = Math.min(Math.max(byRows, Math.ceil(pages / SPAN_PAGES_MAX)), pages);
  if (spans <= 1) return [];
  const step = Math.ceil(pages / spans);
  const out: string[] = [];
  for (let p = step; p < pages; p += step) out.push(pageBoundary(p));
  return out;
}

/** Before PostgreSQL 14: boundaries on the key's first column, at the planner's histogram bounds. */
async function keySpans(client: PgClient, table: TableLayout['table']): Promise<string[]> {
  const first = table.primaryKey[0];
  if (first === undefined || table.estimatedRows < SPAN_ROWS * 1.5) return [];
  const stats = await client.query<{ bounds: string[] | null }>(
    `SELECT histogram_bounds::text::text[] AS bounds FROM pg_catalog.pg_stats
      WHERE schemaname = $1 AND tablename = $2 AND attname = $3 AND NOT inherited`,
    [table.schema, table.name, first],
  );
  const raw = stats.rows[0]?.bounds;
  // The driver leaves arrays as text; parse the text[] literal.
  const bounds = typeof raw === 'string' ? parseTextArray(raw) : (raw ?? []);
  const picked = pickBounds(bounds.slice(1, -1), Math.ceil(table.estimatedRows / SPAN_ROWS) - 1);
  if (picked.length === 0) return [];
  // Spans are only disjoint and complete if the bounds increase by the column's own comparison: let the
  // server sort and deduplicate them as values of the key's type (and give their canonical text).
  const type = table.columns.find((c) => c.name === first)?.type ?? 'text';
  const sorted = await client.query<{ v: string }>(
    `SELECT v::text AS v FROM (SELECT DISTINCT u::${type} AS v FROM unnest($1::text[]) AS u) s ORDER BY s.v`,
    [picked],
  );
  return sorted.rows.map((r) => r.v);
}

/** Up to `wanted` of `inner`, evenly spaced. */
function pickBounds(inner: readonly string[], wanted: number): string[] {
  const n = Math.min(wanted, inner.length);
  const picked: string[] = [];
  for (let i = 1; i <= n; i++) {
    const b = inner[Math.floor((i * inner.length) / (n + 1))];
    if (b !== undefined) picked.push(b);
  }
  return picked;
}

/** Parses a one-dimensional text[] literal such as {a,"b c",NULL} (NULLs are dropped). */
export function parseTextArray(literal: string): string[] {
  const out: string[] = [];
  const body = literal.slice(1, -1);
  let i = 0;
  while (i < body.length) {
    const quoted = body[i] === '"';
    const [value, end] = quoted ? quotedElement(body, i) : bareElement(body, i);
    if (quoted || value !== 'NULL') out.push(value);
    i = end + 1; // the comma
  }
  return out;
}

/** The quoted element starting at `i` (its backslash escapes undone), and where it ends. */
function quotedElement(body: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  while (i < body.length && body[i] !== '"') {
    if (body[i] === '\\') i++;
    value += body[i] ?? '';
    i++;
  }
  return [value, i + 1];
}

/** The unquoted element starting at `i`, and where it ends. */
function bareElement(body: string, start: number): [string, number] {
  const comma = body.indexOf(',', start);
  const end = comma < 0 ? body.length : comma;
  return [body.slice(start, end), end];
}

/** The COPY statement of one span. Bounds are our own values, embedded as literals (COPY takes no parameters). */
export function spanCopySql(layout: TableLayout, bounds: SpanBounds): string {
  const { table } = layout;
  if (table.kind === 'lo') return LARGE_OBJECTS_COPY;
  const name = qualified(table.schema, table.name);
  const cols = layout.copyColumns.map(quoteIdent).join(', ');
  const opts = layout.binary ? ' (FORMAT binary)' : '';
  const condition = layout.info.attributes.extensionCondition;
  if (typeof condition === 'string' && condition.trim() !== '')
    return `COPY (SELECT ${cols} FROM ONLY ${name} ${condition}) TO STDOUT${opts}`;
  if (bounds.lo === null && bounds.hi === null) return `COPY ${name} (${cols}) TO STDOUT${opts}`;
  const pages = pageRange(bounds);
  if (pages !== undefined) return `COPY (SELECT ${cols} FROM ONLY ${name} WHERE ${pages}) TO STDOUT${opts}`;
  return `COPY (SELECT ${cols} FROM ONLY ${name}${keyRange(layout, bounds)}) TO STDOUT${opts}`;
}

/**
 * Large objects, one span: each object's size from a read-only descriptor (INV_READ, 0x40000, which
 * reads as of the transaction's snapshot), then its bytes in pieces.
 */
const LARGE_OBJECTS_COPY = `COPY (SELECT m.oid::int8, p.off, pg_catalog.lo_get(m.oid, p.off, ${LO_PIECE})
        FROM pg_catalog.pg_largeobject_metadata m
        CROSS JOIN LATERAL generate_series(0::int8,
          pg_catalog.lo_lseek64(pg_catalog.lo_open(m.oid, 262144), 0, 2) - 1, ${LO_PIECE}) AS p(off)
       ORDER BY m.oid, p.off) TO STDOUT (FORMAT binary)`;

/** The TID range condition of a page span; undefined for a key span. */
function pageRange(bounds: SpanBounds): string | undefined {
  const loPage = pageOf(bounds.lo);
  const hiPage = pageOf(bounds.hi);
  if (loPage === undefined && hiPage === undefined) return undefined;
  const where: string[] = [];
  if (loPage !== undefined) where.push(`ctid >= '(${loPage},0)'::tid`);
  if (hiPage !== undefined) where.push(`ctid < '(${hiPage},0)'::tid`);
  return where.join(' AND ');
}

/** A key span's condition on the key's first column and its order (` WHERE … ORDER BY …`). */
function keyRange(layout: TableLayout, bounds: SpanBounds): string {
  const { table } = layout;
  const first = table.primaryKey[0];
  if (first === undefined)
    throw new StrongroomError('INVALID_PARAMETER', `table ${layout.info.name} has no key spans`);
  const type = table.columns.find((c) => c.name === first)?.type ?? 'text';
  const where: string[] = [];
  if (bounds.lo !== null) where.push(`${quoteIdent(first)} >= ${quoteLiteral(bounds.lo)}::${type}`);
  if (bounds.hi !== null) where.push(`${quoteIdent(first)} < ${quoteLiteral(bounds.hi)}::${type}`);
  return (
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${table.primaryKey.map(quoteIdent).join(', ')}`
  );
}

/**
 * Streams one span. `release(ok)` returns the connection: ok=false when the COPY did not run to its end
 * (error, cancel, or the consumer stopped early), since the connection is then mid-protocol.
 */
export async function* readSpan(
  client: PgClient,
  layout: TableLayout,
  bounds: SpanBounds,
  release: (ok: boolean) => void,
  signal?: AbortSignal,
): AsyncGenerator<SpanChunk> {
  let ok = false;
  try {
    checkAborted(signal);
    if (layout.table.kind !== 'r' && layout.table.kind !== 'lo') {
      ok = true;
      return;
    }
    const format = { binary: layout.binary, columns: layout.copyColumns.length };
    try {
      yield* copyOut(client, spanCopySql(layout, bounds), format, signal);
      ok = true;
    } catch (err) {
      checkAborted(signal);
      throw toPgError(err, `reading ${layout.info.name}`);
    }
  } finally {
    release(ok);
  }
}
