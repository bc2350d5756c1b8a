// Reads one SQLite database's schema inside the snapshot's read transaction: tables (rowid and WITHOUT
// ROWID) with what reading and restoring their rows needs, and the secondary objects in creation order.
import type { ColumnInfo, DatabaseSchema, SchemaObject, TableInfo } from '../types.js';
import type { SqliteDatabase } from './driver.js';
import { nameKey, quoteIdent } from './names.js';

/** How a table's rows are read and written: the row layout is [rowid?, ...columns]. */
export interface TableLayout {
  readonly info: TableInfo;
  /** The name that reaches the rowid (`rowid`, `_rowid_` or `oid`); null for WITHOUT ROWID. */
  readonly rowid: string | null;
  /** Quoted data columns (generated columns are computed, never stored in the backup). */
  readonly columns: readonly string[];
  /** ORDER BY clause giving key order. */
  readonly orderBy: string;
}

export interface SchemaWithLayouts {
  readonly schema: DatabaseSchema;
  /** By case-insensitive table name. */
  readonly layouts: ReadonlyMap<string, TableLayout>;
}

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

const ROWID_ALIASES = ['rowid', '_rowid_', 'oid'];
const OBJECT_ORDER: Record<SchemaObject['type'], number> = {
  other: 0,
  sequence: 0,
  index: 1,
  view: 2,
  trigger: 3,
};

type Listed = { name: string; type: string; wr: bigint; strict: bigint };

/** The AUTOINCREMENT counters, by table. */
function readSequences(db: SqliteDatabase, kinds: ReadonlyMap<string, Listed>): Map<string, bigint> {
  const sequences = new Map<string, bigint>();
  if (!kinds.has('sqlite_sequence')) return sequences;
  for (const r of db.prepare('SELECT name, seq FROM main.sqlite_sequence').all() as {
    name: string;
    seq: bigint;
  }[])
    sequences.set(nameKey(r.name), r.seq);
  return sequences;
}

export function readSchema(db: SqliteDatabase, database: string): SchemaWithLayouts {
  const listed = db
    .prepare("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'")
    .all() as Listed[];
  const kinds = new Map(listed.map((t) => [nameKey(t.name), t]));
  const master = db
    .prepare('SELECT type, name, tbl_name, sql FROM main.sqlite_master ORDER BY rowid')
    .all() as MasterRow[];
  const sequences = readSequences(db, kinds);
  const tables: TableInfo[] = [];
  const objects: SchemaObject[] = [];
  const layouts = new Map<string, TableLayout>();
  // Shadow tables (FTS5 and other virtual tables keep their data in them) and sqlite_* tables belong to
  // SQLite or to a module: they are recreated by CREATE VIRTUAL TABLE or maintained by SQLite itself.
  const skipped = (name: string) =>
    nameKey(name).startsWith('sqlite_') || kinds.get(nameKey(name))?.type === 'shadow';
  for (const row of master) {
    if (row.sql === null || skipped(row.name) || (row.type !== 'table' && skipped(row.tbl_name))) continue;
    const kind = kinds.get(nameKey(row.name));
    if (row.type === 'table' && kind?.type !== 'virtual') {
      const layout = tableLayout(db, database, row, kind!, sequences);
      tables.push(layout.info);
      layouts.set(nameKey(row.name), layout);
    } else {
      const object = schemaObject(row, row.sql, kind);
      if (object !== undefined) objects.push(object);
    }
  }
  // Stable sort: within a kind, sqlite_master order (creation order) is kept, so a view on a view works.
  objects.sort((a, b) => OBJECT_ORDER[a.type] - OBJECT_ORDER[b.type]);
  return { schema: { database, tables, objects }, layouts };
}

/** A secondary object (index, view, trigger) or a virtual table; undefined for anything else. */
function schemaObject(row: MasterRow, sql: string, kind: Listed | undefined): SchemaObject | undefined {
  // Known limit: a virtual table is recreated empty (its module owns the data format).
  if (row.type === 'table' && kind?.type === 'virtual')
    return { type: 'other', name: row.name, table: '', sql };
  if (row.type !== 'index' && row.type !== 'view' && row.type !== 'trigger') return undefined;
  return { type: row.type, name: row.name, table: row.type === 'view' ? '' : row.tbl_name, sql };
}

function tableLayout(
  db: SqliteDatabase,
  database: string,
  row: MasterRow,
  listed: { wr: bigint; strict: bigint },
  sequences: ReadonlyMap<string, bigint>,
): TableLayout {
  const all = db.prepare('SELECT name, type, hidden FROM pragma_table_xinfo(?)').all(row.name) as {
    name: string;
    type: string;
    hidden: bigint;
  }[];
  const data: ColumnInfo[] = all.filter((c) => c.hidden === 0n).map((c) => ({ name: c.name, type: c.type }));
  const withoutRowid = listed.wr !== 0n;
  const used = new Set(all.map((c) => nameKey(c.name)));
  // A table may name a column rowid; SQLite then still reaches the rowid by one of the other aliases. If a
  // table shadows all three (not seen in practice), its rows are read without rowids in table order.
  const rowid = withoutRowid ? null : (ROWID_ALIASES.find((a) => !used.has(a)) ?? null);
  const sequence = sequences.get(nameKey(row.name));
  const attributes: Record<string, string | number | boolean> = {
    withoutRowid,
    strict: listed.strict !== 0n,
    rowid: rowid ?? '',
    autoincrement: /\bAUTOINCREMENT\b/i.test(row.sql ?? ''),
  };
  if (sequence !== undefined) attributes.sequence = sequence.toString();
  const info: TableInfo = { database, name: row.name, createSql: row.sql ?? '', columns: data, attributes };
  return {
    info,
    rowid,
    columns: data.map((c) => quoteIdent(c.name)),
    orderBy: rowid !== null ? rowid : withoutRowid ? primaryKeyOrder(db, row.name) : '',
  };
}

/** ORDER BY matching a WITHOUT ROWID table's primary key b-tree (directions and collations included). */
function primaryKeyOrder(db: SqliteDatabase, table: string): string {
  const pk = db.prepare("SELECT name FROM pragma_index_list(?) WHERE origin = 'pk'").pluck().get(table) as
    | string
    | undefined;
  if (pk === undefined) return '';
  const keys = db
    .prepare('SELECT name, desc, coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno')
    .all(pk) as { name: string; desc: bigint; coll: string }[];
  return keys
    .map((k) => `${quoteIdent(k.name)} COLLATE ${quoteIdent(k.coll)}${k.desc !== 0n ? ' DESC' : ''}`)
    .join(', ');
}
