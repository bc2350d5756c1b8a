// Builds the engine's view of one database's schema from pg_dump's pre-data and post-data entries and
// the catalog: each table's own CREATE TABLE becomes its createSql (so it only changes when the table
// does); everything else becomes an ordered object tagged with its section and owning table. Sequence
// values and materialized-view refreshes, which --schema-only leaves out, are added as objects too.
import type { DatabaseSchema, SchemaObject, TableInfo } from '../types.js';
import { type Catalog, type CatalogTable, key } from './catalog.js';
import { type PgClient, qualified } from './connect.js';
import { binaryCopyable } from './copy-out.js';
import { displayName, quoteLiteral } from './names.js';
import type { DumpEntry } from './pg-dump.js';

/** Sections in restore order: pre-data (with the tables), rows, data (sequence values), post-data, refresh. */
export type Section = 'pre-data' | 'data' | 'post-data' | 'refresh';

const MARKER = /^-- strongroom: (pre-data|data|post-data|refresh) (\d+)\n/;

export function objectSection(sql: string): { section: Section; order: number } {
  const m = MARKER.exec(sql);
  return m ? { section: m[1] as Section, order: Number(m[2]) } : { section: 'post-data', order: 0 };
}

const OBJECT_TYPES: Record<string, SchemaObject['type']> = {
  INDEX: 'index',
  VIEW: 'view',
  'MATERIALIZED VIEW': 'view',
  TRIGGER: 'trigger',
  SEQUENCE: 'sequence',
  'SEQUENCE OWNED BY': 'sequence',
};

export interface TableLayout {
  readonly table: CatalogTable;
  readonly info: TableInfo;
  /** Columns read and loaded (stored generated columns are computed by the server). */
  readonly copyColumns: readonly string[];
  /** Rows are COPY BINARY (all columns of binary-safe built-in types), else COPY text. */
  readonly binary: boolean;
}

export interface BuiltSchema {
  readonly schema: DatabaseSchema;
  /** Keyed by display name. */
  readonly layouts: ReadonlyMap<string, TableLayout>;
}

export async function buildSchema(
  database: string,
  pre: readonly DumpEntry[],
  post: readonly DumpEntry[],
  catalog: Catalog,
  client: PgClient,
): Promise<BuiltSchema> {
  const owner = ownerResolver(catalog);
  const tables: TableInfo[] = [];
  const layouts = new Map<string, TableLayout>();
  const objects: SchemaObject[] = [];
  const add = (section: Section, order: number, e: DumpEntry): void => {
    objects.push({
      type: OBJECT_TYPES[e.type] ?? 'other',
      name: `${e.type} ${e.schema === '-' ? '' : `${e.schema}.`}${e.tag}`,
      table: owner(e),
      sql: `-- strongroom: ${section} ${order}\n${e.sql}`,
    });
  };
  for (const [order, e] of pre.entries()) {
    const t = e.type === 'TABLE' ? catalog.tables.get(key(e.schema, e.tag)) : undefined;
    if (t === undefined) {
      add('pre-data', order, e);
      continue;
    }
    const copied = t.columns.filter((c) => !c.generated);
    const copyColumns = copied.map((c) => c.name);
    const binary = binaryCopyable(copied.map((c) => c.typeOid));
    const info: TableInfo = {
      database,
      name: displayName(t.schema, t.name),
      createSql: e.sql,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type })),
      attributes: {
        schema: t.schema,
        relname: t.name,
        kind: t.kind,
        order,
        copyColumns: JSON.stringify(copyColumns),
        // Span bytes are COPY BINARY rows without header and trailer (absent: COPY text).
        ...(binary ? { copyFormat: 'binary' } : {}),
        // Restore loads the largest tables first.
        estimatedRows: t.estimatedRows,
      },
    };
    tables.push(info);
    layouts.set(info.name, { table: t, info, copyColumns, binary });
  }
  for (const [i, s] of catalog.sequences.entries()) {
    const name = qualified(s.schema, s.name);
    const r = await client.query<{ v: string; called: string }>(
      `SELECT last_value::text AS v, is_called::text AS called FROM ${name}`,
    );
    const row = r.rows[0];
    if (row === undefined) continue;
    objects.push({
      type: 'sequence',
      name: `SEQUENCE SET ${s.schema}.${s.name}`,
      table: s.owner ? displayName(s.owner.schema, s.owner.name) : '',
      sql: `-- strongroom: data ${i}\nSELECT pg_catalog.setval(${quoteLiteral(name)}, ${BigInt(row.v)}, ${row.called === 'true'});`,
    });
  }
  for (const [order, e] of post.entries()) add('post-data', order, e);
  for (const [i, m] of catalog.populatedMatviews.entries()) {
    const [schema = '', name = ''] = m.split('\0');
    objects.push({
      type: 'view',
      name: `MATERIALIZED VIEW DATA ${schema}.${name}`,
      table: '',
      sql: `-- strongroom: refresh ${i}\nREFRESH MATERIALIZED VIEW ${qualified(schema, name)};`,
    });
  }
  return { schema: { database, tables, objects }, layouts };
}

/** The table (display name) an entry belongs to, '' for none; pg_dump tags name it as `table object`. */
function ownerResolver(catalog: Catalog): (e: DumpEntry) => string {
  const bySchema = new Map<string, string[]>();
  for (const t of catalog.tables.values()) {
    const list = bySchema.get(t.schema) ?? [];
    list.push(t.name);
    bySchema.set(t.schema, list);
  }
  // Longest first, so `a b` wins over `a` for the tag `a b c`.
  for (const list of bySchema.values()) list.sort((a, b) => b.length - a.length);
  const prefixed = (schema: string, text: string, sep: string): string => {
    const name = bySchema.get(schema)?.find((n) => text.startsWith(`${n}${sep}`) || text === n);
    return name === undefined ? '' : displayName(schema, name);
  };
  const fromKey = (k: string | undefined): string => {
    if (k === undefined) return '';
    const [schema = '', name = ''] = k.split('\0');
    return catalog.tables.has(k) ? displayName(schema, name) : '';
  };
  const sequenceOwner = (schema: string, name: string): string => {
    const s = catalog.sequences.find((x) => x.schema === schema && x.name === name);
    return s?.owner ? fromKey(key(s.owner.schema, s.owner.name)) : '';
  };
  return (e) => {
    switch (e.type) {
      case 'TABLE ATTACH':
        return fromKey(key(e.schema, e.tag));
      case 'DEFAULT':
      case 'CONSTRAINT':
      case 'FK CONSTRAINT':
      case 'CHECK CONSTRAINT':
      case 'TRIGGER':
      case 'RULE':
      case 'POLICY':
      case 'ROW SECURITY':
        return prefixed(e.schema, e.tag, ' ');
      case 'INDEX':
      case 'INDEX ATTACH':
        return fromKey(catalog.indexOwners.get(key(e.schema, e.tag)));
      case 'SEQUENCE':
      case 'SEQUENCE OWNED BY':
        return sequenceOwner(e.schema, e.tag);
      case 'COMMENT': {
        const m = /^(TABLE|COLUMN|CONSTRAINT|INDEX|TRIGGER|RULE|POLICY) (.*)$/.exec(e.tag);
        if (!m) return '';
        const rest = m[2] ?? '';
        if (m[1] === 'TABLE') return fromKey(key(e.schema, rest));
        if (m[1] === 'COLUMN') return prefixed(e.schema, rest, '.');
        if (m[1] === 'INDEX') return fromKey(catalog.indexOwners.get(key(e.schema, rest)));
        const on = / ON (.*)$/.exec(rest);
        return on ? fromKey(key(e.schema, on[1] ?? '')) : '';
      }
      default:
        return '';
    }
  };
}
