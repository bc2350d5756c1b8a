// Builds the engine's view of one database's schema from pg_dump's pre-data and post-data entries and
// the catalog: each table's own CREATE TABLE becomes its createSql (so it only changes when the table
// does); everything else becomes an ordered object tagged with its section and owning table. Sequence
// values and materialized-view refreshes, which --schema-only leaves out, are added as objects too.
// Owners become objects of their own (so RESTORE … WITH no_owner can leave them out), privileges
// restore after everything else, as pg_restore does, and the roles an object names are recorded with it.
// Large objects' rows are read as one more table, `pg_catalog.pg_largeobject` (see LARGE_OBJECTS).
import type { DatabaseSchema, SchemaObject, TableInfo } from '../types.js';
import { type Catalog, type CatalogTable, key } from './catalog.js';
import { type PgClient, qualified } from './connect.js';
import { binaryCopyable } from './copy-out.js';
import { displayName, quoteLiteral } from './names.js';
import type { DumpEntry } from './pg-dump.js';

/**
 * Sections in restore order: pre-data (with the tables), rows, data (sequence values), post-data, acl
 * (privileges and default privileges), refresh (materialized views), final (event triggers, which
 * would otherwise fire during the restore's own DDL).
 */
export type Section = 'pre-data' | 'data' | 'post-data' | 'acl' | 'refresh' | 'final';

const MARKER = /^-- strongroom: (pre-data|data|post-data|acl|refresh|final) (\d+)\n/;
const ROLES = /^-- roles: (\[.*\])$/m;

export function objectSection(sql: string): { section: Section; order: number } {
  const m = MARKER.exec(sql);
  return m ? { section: m[1] as Section, order: Number(m[2]) } : { section: 'post-data', order: 0 };
}

/** The roles an object's statement names (owner, grantees, policy roles), as recorded at backup time. */
export function objectRoles(sql: string): string[] {
  const m = ROLES.exec(sql);
  return m ? (JSON.parse(m[1] ?? '[]') as string[]) : [];
}

/** Names that follow TO, FROM, ROLE, AUTHORIZATION or BY (and the commas of their lists). */
const ROLE_KEYWORDS = new Set(['TO', 'FROM', 'ROLE', 'AUTHORIZATION', 'BY']);
/** …and the name after USER MAPPING FOR. */
const MAPPING_FOR = 'MAPPING FOR';
const TOKEN = /"((?:[^"]|"")*)"|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)|'(?:[^']|'')*'|(;)|(,)|[^\s]/g;

/**
 * The roles of the cluster (`known`) a GRANT, REVOKE, ALTER DEFAULT PRIVILEGES, OWNER TO or CREATE POLICY
 * statement names; expressions (after USING or WITH) are not looked at.
 */
export function rolesIn(sql: string, known: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  let expectName = false;
  let listing = false;
  let stopped = false;
  let previous = '';
  for (const m of sql.matchAll(TOKEN)) {
    if (m[3] !== undefined) {
      stopped = false;
      expectName = false;
      listing = false;
      continue;
    }
    if (stopped) continue;
    const word = m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]?.toLowerCase();
    if (word !== undefined) {
      if (expectName) {
        expectName = false;
        if (known.has(word)) found.add(word);
        continue;
      }
      const upper = m[2]?.toUpperCase();
      const pair = `${previous} ${upper}`;
      previous = upper ?? '';
      listing = false;
      if (upper !== undefined && (ROLE_KEYWORDS.has(upper) || pair === MAPPING_FOR))
        expectName = listing = true;
      else if (upper === 'USING' || upper === 'WITH') stopped = true;
      continue;
    }
    expectName = m[4] !== undefined && listing;
    if (!expectName) listing = false;
  }
  return [...found].sort();
}

/** Large objects' rows: (loid, off, data) pieces of at most LO_PIECE bytes, in OID and offset order. */
export const LARGE_OBJECTS = { schema: 'pg_catalog', name: 'pg_largeobject' } as const;
export const LO_PIECE = 1024 * 1024;

/** An object of the event-trigger kind, or a comment, label or owner of one. */
function eventTrigger(e: DumpEntry): boolean {
  return e.type === 'EVENT TRIGGER' || e.tag.startsWith('EVENT TRIGGER ');
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
  const header = (section: Section, order: number, roles: readonly string[]): string =>
    `-- strongroom: ${section} ${order}\n${roles.length > 0 ? `-- roles: ${JSON.stringify(roles)}\n` : ''}`;
  const addOwner = (section: Section, order: number, e: DumpEntry, name: string): void => {
    if (e.owner === undefined) return;
    objects.push({
      type: 'other',
      name: `OWNER ${name}`,
      table: owner(e),
      sql: `${header(section, order, rolesIn(e.owner, catalog.roles))}${e.owner}`,
    });
  };
  const add = (dumped: Section, order: number, e: DumpEntry): void => {
    const acl = e.type === 'ACL' || e.type === 'DEFAULT ACL';
    const section = acl ? 'acl' : eventTrigger(e) ? 'final' : dumped;
    const name = `${e.type} ${e.schema === '-' ? '' : `${e.schema}.`}${e.tag}`;
    const roles =
      acl || e.type === 'POLICY' || e.type === 'USER MAPPING' ? rolesIn(e.sql, catalog.roles) : [];
    const version = e.type === 'EXTENSION' ? catalog.extensionVersions.get(e.tag) : undefined;
    // pg_dump creates an extension at the target's default version; the backup keeps the source's.
    const sql =
      version !== undefined && /^CREATE EXTENSION [^;]*;$/.test(e.sql)
        ? `${e.sql.slice(0, -1)} VERSION ${quoteLiteral(version)};`
        : e.sql;
    objects.push({
      type: OBJECT_TYPES[e.type] ?? 'other',
      name,
      table: owner(e),
      sql: `${header(section, order, roles)}${sql}`,
    });
    addOwner(section, order, e, name);
  };
  const addTable = (
    t: CatalogTable,
    createSql: string,
    order: number,
    extra: TableInfo['attributes'],
  ): void => {
    const copied = t.columns.filter((c) => !c.generated);
    const copyColumns = copied.map((c) => c.name);
    const binary = binaryCopyable(copied.map((c) => c.typeOid));
    const info: TableInfo = {
      database,
      name: displayName(t.schema, t.name),
      createSql,
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
        ...extra,
      },
    };
    tables.push(info);
    layouts.set(info.name, { table: t, info, copyColumns, binary });
  };
  for (const [order, e] of pre.entries()) {
    const t = e.type === 'TABLE' ? catalog.tables.get(key(e.schema, e.tag)) : undefined;
    if (t === undefined) {
      add('pre-data', order, e);
      continue;
    }
    addOwner('pre-data', order, e, `TABLE ${e.schema}.${e.tag}`);
    addTable(t, e.sql, order, {});
  }
  // Extensions' configuration tables: CREATE EXTENSION makes them; their rows (those the extension's
  // filter keeps, as pg_dump does) are data.
  for (const [k, condition] of catalog.extensionConfig) {
    const t = catalog.tables.get(k);
    if (t === undefined || layouts.has(displayName(t.schema, t.name))) continue;
    addTable(t, '-- created by its extension', pre.length, {
      extensionConfig: true,
      extensionCondition: condition,
    });
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
  // Orders stay unique per section when pre-data and post-data entries both land in acl or final.
  // Refreshed by the refresh objects below (pg_dump writes these only without --schema-only).
  for (const [order, e] of post.entries())
    if (e.type !== 'MATERIALIZED VIEW DATA') add('post-data', pre.length + order, e);
  if (catalog.largeObjects > 0) {
    const { schema, name } = LARGE_OBJECTS;
    const columns = [
      { name: 'loid', type: 'bigint', typeOid: 20, generated: false },
      { name: 'off', type: 'bigint', typeOid: 20, generated: false },
      { name: 'data', type: 'bytea', typeOid: 17, generated: false },
    ];
    const table: CatalogTable = {
      schema,
      name,
      kind: 'lo',
      columns,
      primaryKey: [],
      estimatedRows: catalog.largeObjects,
      populated: true,
    };
    const copyColumns = columns.map((c) => c.name);
    const info: TableInfo = {
      database,
      name: displayName(schema, name),
      createSql: '-- large objects: created by their LARGE OBJECT entries, filled with lo_put',
      columns: columns.map((c) => ({ name: c.name, type: c.type })),
      attributes: {
        schema,
        relname: name,
        kind: 'lo',
        order: -1,
        copyColumns: JSON.stringify(copyColumns),
        copyFormat: 'binary',
        estimatedRows: catalog.largeObjects,
      },
    };
    tables.push(info);
    layouts.set(info.name, { table, info, copyColumns, binary: true });
  }
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
  const largeObjects = catalog.largeObjects > 0 ? displayName(LARGE_OBJECTS.schema, LARGE_OBJECTS.name) : '';
  return (e) => {
    // BLOB (one large object) or BLOB METADATA (pg_dump 17: several); LARGE OBJECT(S) … comments and ACLs.
    if (e.type.startsWith('BLOB') || e.tag.startsWith('LARGE OBJECT')) return largeObjects;
    switch (e.type) {
      case 'TABLE':
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
      case 'COMMENT':
      case 'ACL':
      case 'SECURITY LABEL': {
        const m = /^(TABLE|COLUMN|CONSTRAINT|INDEX|TRIGGER|RULE|POLICY|SEQUENCE) (.*)$/.exec(e.tag);
        if (!m) return '';
        const rest = m[2] ?? '';
        if (m[1] === 'TABLE') return fromKey(key(e.schema, rest));
        if (m[1] === 'SEQUENCE') return sequenceOwner(e.schema, rest);
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
