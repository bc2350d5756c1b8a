// Catalog facts the schema dump does not give in a usable form, read inside the snapshot: each table's
// columns, primary key and size, which table owns each index and sequence, and sequence values; the
// cluster's role names (to tell which names in owners and grants are roles), extension versions and how
// many large objects there are.
import type { PgClient } from './connect.js';

export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
  /** pg_type OID of the column's type (built-in types have fixed OIDs below 10000). */
  readonly typeOid: number;
  /** Stored generated columns are computed again on restore, so they are neither read nor loaded. */
  readonly generated: boolean;
}

export interface CatalogTable {
  readonly schema: string;
  readonly name: string;
  /** 'r' ordinary (or a partition), 'p' partitioned (holds no rows itself). */
  readonly kind: string;
  readonly columns: readonly CatalogColumn[];
  /** Primary-key columns in key order (empty when there is none). */
  readonly primaryKey: readonly string[];
  readonly estimatedRows: number;
  readonly populated: boolean;
}

export interface CatalogSequence {
  readonly schema: string;
  readonly name: string;
  /** The owning table (serial or identity column), if any. */
  readonly owner: { readonly schema: string; readonly name: string } | undefined;
}

export interface Catalog {
  /** Keyed by `schema\0name`. */
  readonly tables: ReadonlyMap<string, CatalogTable>;
  /** Index `schema\0name` → its table's `schema\0name`. */
  readonly indexOwners: ReadonlyMap<string, string>;
  readonly sequences: readonly CatalogSequence[];
  /** Materialized views with data (`schema\0name`), refreshed after a restore. */
  readonly populatedMatviews: readonly string[];
  /** Every role of the cluster, by name. */
  readonly roles: ReadonlySet<string>;
  /** Installed extensions: name → version. */
  readonly extensionVersions: ReadonlyMap<string, string>;
  /** Extensions' configuration tables (pg_extension_config_dump): `schema\0name` → row filter ('' for all). */
  readonly extensionConfig: ReadonlyMap<string, string>;
  /** How many large objects the database holds. */
  readonly largeObjects: number;
}

export const key = (schema: string, name: string): string => `${schema}\0${name}`;

export const USER_SCHEMAS =
  "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

export async function readCatalog(client: PgClient): Promise<Catalog> {
  const rels = await client.query<{
    oid: string;
    schema: string;
    name: string;
    kind: string;
    tuples: string;
    populated: string;
  }>(
    `SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
            c.reltuples::int8::text AS tuples, c.relispopulated AS populated
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND ${USER_SCHEMAS}`,
  );
  const cols = await client.query<{
    rel: string;
    name: string;
    type: string;
    typoid: string;
    generated: string;
  }>(
    `SELECT a.attrelid AS rel, a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
            a.atttypid AS typoid,
            a.attgenerated AS generated
       FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMAS}
      ORDER BY a.attrelid, a.attnum`,
  );
  const pks = await client.query<{ rel: string; name: string }>(
    `SELECT i.indrelid AS rel, a.attname AS name
       FROM pg_catalog.pg_index i
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indisprimary ORDER BY i.indrelid, k.pos`,
  );
  const idx = await client.query<{ schema: string; name: string; tschema: string; tname: string }>(
    `SELECT n.nspname AS schema, ic.relname AS name, tn.nspname AS tschema, tc.relname AS tname
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
       JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
      WHERE ${USER_SCHEMAS}`,
  );
  const seqs = await client.query<{
    schema: string;
    name: string;
    tschema: string | null;
    tname: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS name, tn.nspname AS tschema, tc.relname AS tname
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
            AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
       LEFT JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
       LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
      WHERE c.relkind = 'S' AND ${USER_SCHEMAS}
      ORDER BY 1, 2`,
  );
  const roles = await client.query<{ name: string }>('SELECT rolname AS name FROM pg_catalog.pg_roles');
  const extensions = await client.query<{ name: string; version: string }>(
    'SELECT extname AS name, extversion AS version FROM pg_catalog.pg_extension',
  );
  const configs = await client.query<{ schema: string; name: string; cond: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, coalesce(x.cond, '') AS cond
       FROM pg_catalog.pg_extension e CROSS JOIN LATERAL unnest(e.extconfig, e.extcondition) AS x(rel, cond)
       JOIN pg_catalog.pg_class c ON c.oid = x.rel JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r'`,
  );
  const los = await client.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM pg_catalog.pg_largeobject_metadata',
  );
  const columns = new Map<string, CatalogColumn[]>();
  for (const c of cols.rows) {
    const list = columns.get(c.rel) ?? [];
    list.push({ name: c.name, type: c.type, typeOid: Number(c.typoid), generated: c.generated !== '' });
    columns.set(c.rel, list);
  }
  const primaryKeys = new Map<string, string[]>();
  for (const p of pks.rows) {
    const list = primaryKeys.get(p.rel) ?? [];
    list.push(p.name);
    primaryKeys.set(p.rel, list);
  }
  const tables = new Map<string, CatalogTable>();
  const populatedMatviews: string[] = [];
  for (const r of rels.rows) {
    if (r.kind === 'm') {
      if (r.populated === 't') populatedMatviews.push(key(r.schema, r.name));
      continue;
    }
    tables.set(key(r.schema, r.name), {
      schema: r.schema,
      name: r.name,
      kind: r.kind,
      columns: columns.get(r.oid) ?? [],
      primaryKey: primaryKeys.get(r.oid) ?? [],
      estimatedRows: Number(r.tuples),
      populated: r.populated === 't',
    });
  }
  return {
    tables,
    indexOwners: new Map(idx.rows.map((i) => [key(i.schema, i.name), key(i.tschema, i.tname)])),
    sequences: seqs.rows.map((s) => ({
      schema: s.schema,
      name: s.name,
      owner: s.tschema === null || s.tname === null ? undefined : { schema: s.tschema, name: s.tname },
    })),
    populatedMatviews,
    roles: new Set(roles.rows.map((r) => r.name)),
    extensionVersions: new Map(extensions.rows.map((e) => [e.name, e.version])),
    extensionConfig: new Map(configs.rows.map((x) => [key(x.schema, x.name), x.cond])),
    largeObjects: Number(los.rows[0]?.n ?? 0),
  };
}
