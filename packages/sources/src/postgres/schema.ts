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
  const scan = new RoleScan(known);
  for (const m of sql.matchAll(TOKEN)) scan.token(m);
  return [...scan.found].sort();
}

/** rolesIn's state over the statement's tokens. */
class RoleScan {
  readonly found = new Set<string>();
  #expectName = false;
  #listing = false;
  #stopped = false;
  #previous = '';

  constructor(private readonly known: ReadonlySet<string>) {}

  /** One TOKEN match: a quoted or bare name, a string, `;`, `,` or another character. */
  token(m: RegExpMatchArray): void {
    if (m[3] !== undefined) {
      // `;`: the next statement starts afresh.
      this.#stopped = this.#expectName = this.#listing = false;
      return;
    }
    if (this.#stopped) return;
    const word = m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]?.toLowerCase();
    if (word !== undefined) this.#word(word, m[2]?.toUpperCase());
    else {
      // A comma goes on with a list of names; anything else ends it.
      this.#expectName = m[4] !== undefined && this.#listing;
      if (!this.#expectName) this.#listing = false;
    }
  }

  /** A name: a role when one is expected; else a keyword (`upper`, undefined when quoted) that may expect one. */
  #word(word: string, upper: string | undefined): void {
    if (this.#expectName) {
      this.#expectName = false;
      if (this.known.has(word)) this.found.add(word);
      return;
    }
    const pair = `${this.#previous} ${upper}`;
    this.#previous = upper ?? '';
    this.#listing = false;
    if (upper !== undefined && (ROLE_KEYWORDS.has(upper) || pair === MAPPING_FOR))
      this.#expectName = this.#listing = true;
    else if (upper === 'USING' || upper === 'WITH') this.#stopped = true;
  }
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
  const b = new SchemaBuilder(database, catalog);
  for (const [order, e] of pre.entries()) {
    const t = e.type === 'TABLE' ? catalog.tables.get(key(e.schema, e.tag)) : undefined;
    if (t === undefined) {
      b.addEntry('pre-data', order, e);
      continue;
    }
    b.addOwner('pre-data', order, e, `TABLE ${e.schema}.${e.tag}`);
    b.addTable(t, e.sql, order, {});
  }
  // Extensions' configuration tables: CREATE EXTENSION makes them; their rows (those the extension's
  // filter keeps, as pg_dump does) are data.
  for (const [k, condition] of catalog.extensionConfig) {
    const t = catalog.tables.get(k);
    if (t === undefined || b.layouts.has(displayName(t.schema, t.name))) continue;
    b.addTable(t, '-- created by its extension', pre.length, {
      extensionConfig: true,
      extensionCondition: condition,
    });
  }
  await b.addSequenceValues(client);
  // Orders stay unique per section when pre-data and post-data entries both land in acl or final.
  // Refreshed by the refresh objects below (pg_dump writes these only without --schema-only).
  for (const [order, e] of post.entries())
    if (e.type !== 'MATERIALIZED VIEW DATA') b.addEntry('post-data', pre.length + order, e);
  if (catalog.largeObjects > 0) b.addLargeObjects();
  b.addRefreshes();
  return { schema: { database, tables: b.tables, objects: b.objects }, layouts: b.layouts };
}

/** The first lines of an object's statement: its section and order, and the roles it names. */
function objectHeader(section: Section, order: number, roles: readonly string[]): string {
  return `-- strongroom: ${section} ${order}\n${roles.length > 0 ? `-- roles: ${JSON.stringify(roles)}\n` : ''}`;
}

/** Collects one database's tables (with their layouts) and objects, in dump order. */
class SchemaBuilder {
  readonly tables: TableInfo[] = [];
  readonly layouts = new Map<string, TableLayout>();
  readonly objects: SchemaObject[] = [];
  readonly #owner: (e: DumpEntry) => string;

  constructor(
    private readonly database: string,
    private readonly catalog: Catalog,
  ) {
    this.#owner = ownerResolver(catalog);
  }

  /** An entry's owner (ALTER … OWNER TO) as an object of its own, so no_owner can leave it out. */
  addOwner(section: Section, order: number, e: DumpEntry, name: string): void {
    if (e.owner === undefined) return;
    this.objects.push({
      type: 'other',
      name: `OWNER ${name}`,
      table: this.#owner(e),
      sql: `${objectHeader(section, order, rolesIn(e.owner, this.catalog.roles))}${e.owner}`,
    });
  }

  /** A dump entry other than a table's own CREATE TABLE, and its owner. */
  addEntry(dumped: Section, order: number, e: DumpEntry): void {
    const acl = e.type === 'ACL' || e.type === 'DEFAULT ACL';
    const section = acl ? 'acl' : eventTrigger(e) ? 'final' : dumped;
    const name = `${e.type} ${e.schema === '-' ? '' : `${e.schema}.`}${e.tag}`;
    const roles =
      acl || e.type === 'POLICY' || e.type === 'USER MAPPING' ? rolesIn(e.sql, this.catalog.roles) : [];
    this.objects.push({
      type: OBJECT_TYPES[e.type] ?? 'other',
      name,
      table: this.#owner(e),
      sql: `${objectHeader(section, order, roles)}${this.#entrySql(e)}`,
    });
    this.addOwner(section, order, e, name);
  }

  /** pg_dump creates an extension at the target's default version; the backup keeps the source's. */
  #entrySql(e: DumpEntry): string {
    const version = e.type === 'EXTENSION' ? this.catalog.extensionVersions.get(e.tag) : undefined;
    return version !== undefined && /^CREATE EXTENSION [^;]*;$/.test(e.sql)
      ? `${e.sql.slice(0, -1)} VERSION ${quoteLiteral(version)};`
      : e.sql;
  }

  addTable(t: CatalogTable, createSql: string, order: number, extra: TableInfo['attributes']): void {
    const copied = t.columns.filter((c) => !c.generated);
    const copyColumns = copied.map((c) => c.name);
    const binary = binaryCopyable(copied.map((c) => c.typeOid));
    const info: TableInfo = {
      database: this.database,
      name: displayName(t.schema, t.name),
      createSql,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type })),
      attributes: {
        schema: t.schema,
        relname: t.name,
        kind: t.kind,
        order,
        copyColumns: JSON.stringify(copyColumns),
        // Span bytes are COPY BINARY rows without header and trailer (absent: COPY text). Written to the
        // manifest, so absent rather than undefined.
        ...(binary ? { copyFormat: 'binary' } : {}),
        // Restore loads the largest tables first.
        estimatedRows: t.estimatedRows,
        ...extra,
      },
    };
    this.tables.push(info);
    this.layouts.set(info.name, { table: t, info, copyColumns, binary });
  }

  /** Sequence values (which --schema-only leaves out), as setval objects of the data section. */
  async addSequenceValues(client: PgClient): Promise<void> {
    for (const [i, s] of this.catalog.sequences.entries()) {
      const name = qualified(s.schema, s.name);
      const r = await client.query<{ v: string; called: string }>(
        `SELECT last_value::text AS v, is_called::text AS called FROM ${name}`,
      );
      const row = r.rows[0];
      if (row === undefined) continue;
      this.objects.push({
        type: 'sequence',
        name: `SEQUENCE SET ${s.schema}.${s.name}`,
        table: s.owner ? displayName(s.owner.schema, s.owner.name) : '',
        sql: `-- strongroom: data ${i}\nSELECT pg_catalog.setval(${quoteLiteral(name)}, ${BigInt(row.v)}, ${row.called === 'true'});`,
      });
    }
  }

  /** Large objects' pieces, read as the table LARGE_OBJECTS. */
  addLargeObjects(): void {
    const { schema, name } = LARGE_OBJECTS;
    const columns = [
      { name: 'loid', type: 'bigint', typeOid: 20, generated: false },
      { name: 'off', type: 'bigint', typeOid: 20, generated: false },
      { name: 'data', type: 'bytea', typeOid: 17, generated: false },
    ];
    const rows = this.catalog.largeObjects;
    const table: CatalogTable = {
      schema,
      name,
      kind: 'lo',
      columns,
      primaryKey: [],
      estimatedRows: rows,
      populated: true,
    };
    const copyColumns = columns.map((c) => c.name);
    const info: TableInfo = {
      database: this.database,
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
        estimatedRows: rows,
      },
    };
    this.tables.push(info);
    this.layouts.set(info.name, { table, info, copyColumns, binary: true });
  }

  /** A refresh of every populated materialized view (pg_dump's MATERIALIZED VIEW DATA). */
  addRefreshes(): void {
    for (const [i, m] of this.catalog.populatedMatviews.entries()) {
      const [schema = '', name = ''] = m.split('\0');
      this.objects.push({
        type: 'view',
        name: `MATERIALIZED VIEW DATA ${schema}.${name}`,
        table: '',
        sql: `-- strongroom: refresh ${i}\nREFRESH MATERIALIZED VIEW ${qualified(schema, name)};`,
      });
    }
  }
}

/** The table (display name) an entry belongs to, '' for none; pg_dump tags name it as `table object`. */
function ownerResolver(catalog: Catalog): (e: DumpEntry) => string {
  const owners = new TableOwners(catalog);
  return (e) => owners.of(e);
}

class TableOwners {
  /** Each schema's table names, longest first, so `a b` wins over `a` for the tag `a b c`. */
  readonly #bySchema = new Map<string, string[]>();
  readonly #largeObjects: string;

  constructor(private readonly catalog: Catalog) {
    for (const t of catalog.tables.values())
      this.#bySchema.set(t.schema, [...(this.#bySchema.get(t.schema) ?? []), t.name]);
    for (const list of this.#bySchema.values()) list.sort((a, b) => b.length - a.length);
    this.#largeObjects =
      catalog.largeObjects > 0 ? displayName(LARGE_OBJECTS.schema, LARGE_OBJECTS.name) : '';
  }

  of(e: DumpEntry): string {
    // BLOB (one large object) or BLOB METADATA (pg_dump 17: several); LARGE OBJECT(S) … comments and ACLs.
    if (e.type.startsWith('BLOB') || e.tag.startsWith('LARGE OBJECT')) return this.#largeObjects;
    switch (e.type) {
      case 'TABLE':
      case 'TABLE ATTACH':
        return this.#fromKey(key(e.schema, e.tag));
      case 'DEFAULT':
      case 'CONSTRAINT':
      case 'FK CONSTRAINT':
      case 'CHECK CONSTRAINT':
      case 'TRIGGER':
      case 'RULE':
      case 'POLICY':
      case 'ROW SECURITY':
        return this.#prefixed(e.schema, e.tag, ' ');
      case 'INDEX':
      case 'INDEX ATTACH':
        return this.#fromKey(this.catalog.indexOwners.get(key(e.schema, e.tag)));
      case 'SEQUENCE':
      case 'SEQUENCE OWNED BY':
        return this.#sequenceOwner(e.schema, e.tag);
      case 'COMMENT':
      case 'ACL':
      case 'SECURITY LABEL':
        return this.#ofDescribed(e.schema, e.tag);
      default:
        return '';
    }
  }

  /** A comment's, ACL's or label's table: by the kind of object its tag names. */
  #ofDescribed(schema: string, tag: string): string {
    const m = /^(TABLE|COLUMN|CONSTRAINT|INDEX|TRIGGER|RULE|POLICY|SEQUENCE) (.*)$/.exec(tag);
    if (!m) return '';
    const rest = m[2] ?? '';
    if (m[1] === 'TABLE') return this.#fromKey(key(schema, rest));
    if (m[1] === 'SEQUENCE') return this.#sequenceOwner(schema, rest);
    if (m[1] === 'COLUMN') return this.#prefixed(schema, rest, '.');
    if (m[1] === 'INDEX') return this.#fromKey(this.catalog.indexOwners.get(key(schema, rest)));
    const on = / ON (.*)$/.exec(rest);
    return on ? this.#fromKey(key(schema, on[1] ?? '')) : '';
  }

  /** The table whose name starts `text` (followed by `sep`, or all of it). */
  #prefixed(schema: string, text: string, sep: string): string {
    const name = this.#bySchema.get(schema)?.find((n) => text.startsWith(`${n}${sep}`) || text === n);
    return name === undefined ? '' : displayName(schema, name);
  }

  #fromKey(k: string | undefined): string {
    if (k === undefined) return '';
    const [schema = '', name = ''] = k.split('\0');
    return this.catalog.tables.has(k) ? displayName(schema, name) : '';
  }

  #sequenceOwner(schema: string, name: string): string {
    const s = this.catalog.sequences.find((x) => x.schema === schema && x.name === name);
    return s?.owner ? this.#fromKey(key(s.owner.schema, s.owner.name)) : '';
  }
}
