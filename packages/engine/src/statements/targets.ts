// Resolves BACKUP/RESTORE targets (`TABLE t, db.t, db.*`, `DATABASE d`, or everything) against a
// catalogue of databases and their tables: the source's for BACKUP, the manifest's for RESTORE.
import { StrongroomError } from '@strongroom/errors';
import type { TablePattern, Targets } from '@strongroom/sql';

export interface CatalogDb {
  readonly name: string;
  readonly tables: readonly string[];
}

export interface Selection {
  readonly coverage: 'all' | 'databases' | 'tables';
  /** Database → selected tables (in catalogue order). */
  readonly databases: ReadonlyMap<string, readonly string[]>;
}

const SCHEMAS = new Set(['public', 'main']);

function show(p: TablePattern): string {
  return [...p.parts, ...(p.star ? ['*'] : [])].join('.');
}

export function selectTargets(
  catalog: readonly CatalogDb[],
  targets: Targets | undefined,
  what: string,
): Selection {
  if (!targets)
    return { coverage: 'all', databases: new Map(catalog.map((db) => [db.name, [...db.tables]])) };
  if (targets.kind === 'databases') {
    const out = new Map<string, string[]>();
    for (const name of targets.names) {
      const db = findDatabase(catalog, name, what);
      out.set(db.name, [...db.tables]);
    }
    return { coverage: 'databases', databases: out };
  }
  const out = new Map<string, string[]>();
  for (const p of targets.tables) {
    const { db, tables } = resolvePattern(catalog, p, what);
    // Each table once, in catalogue order within one pattern, in pattern order across patterns.
    const cur = out.get(db.name) ?? [];
    for (const t of db.tables) if (tables.includes(t) && !cur.includes(t)) cur.push(t);
    out.set(db.name, cur);
  }
  return { coverage: 'tables', databases: out };
}

function findDatabase(catalog: readonly CatalogDb[], name: string | undefined, what: string): CatalogDb {
  const db = catalog.find((d) => d.name === name);
  if (!db) throw new StrongroomError('DATABASE_NOT_FOUND', `database "${name}" does not exist${what}`);
  return db;
}

/** A pattern's parts without its schema, and the schema when it is not the default (public, main). */
function splitSchema(p: TablePattern): { parts: string[]; schema: string | undefined } {
  const parts = [...p.parts];
  if (!(parts.length === 3 || (p.star && parts.length === 2))) return { parts, schema: undefined };
  const given = parts.splice(1, 1)[0] ?? '';
  return { parts, schema: SCHEMAS.has(given) ? undefined : given };
}

/** The database a pattern names and the tables it selects there. */
function resolvePattern(
  catalog: readonly CatalogDb[],
  p: TablePattern,
  what: string,
): { db: CatalogDb; tables: readonly string[] } {
  // Tables outside the default schema are catalogued as `schema.table` (PostgreSQL sources).
  const { parts, schema } = splitSchema(p);
  if (p.star) return resolveStar(catalog, p, parts[0], schema, what);
  if (schema) parts[1] = `${schema}.${parts[1]}`;
  if (parts.length === 2) {
    const db = catalog.find((d) => d.name === parts[0]);
    if (!db?.tables.includes(parts[1] ?? ''))
      throw new StrongroomError('TARGET_NOT_FOUND', `table "${show(p)}" does not exist${what}`);
    return { db, tables: [parts[1] ?? ''] };
  }
  const name = parts[0] ?? '';
  return { db: databaseOfTable(catalog, name, what), tables: [name] };
}

/** `db.*` (every table), `db.public.*` (the default schema's), `db.schema.*` (that schema's). */
function resolveStar(
  catalog: readonly CatalogDb[],
  p: TablePattern,
  dbName: string | undefined,
  schema: string | undefined,
  what: string,
): { db: CatalogDb; tables: readonly string[] } {
  const db = findDatabase(catalog, dbName, what);
  const inSchema = db.tables.filter((t) => (schema ? t.startsWith(`${schema}.`) : !t.includes('.')));
  if (schema && inSchema.length === 0)
    throw new StrongroomError('TARGET_NOT_FOUND', `schema "${schema}" does not exist${what} (${show(p)})`);
  return { db, tables: schema || p.parts.length === 2 ? inSchema : db.tables };
}

/** An unqualified table: the one database that has it, else defaultdb if it is one of them, else an error. */
function databaseOfTable(catalog: readonly CatalogDb[], name: string, what: string): CatalogDb {
  const hits = catalog.filter((d) => d.tables.includes(name));
  const pick = hits.length === 1 ? hits[0] : hits.find((d) => d.name === 'defaultdb');
  if (pick) return pick;
  if (hits.length > 1)
    throw new StrongroomError(
      'TARGET_NOT_FOUND',
      `table name "${name}" is ambiguous${what}: it exists in ${hits.map((d) => d.name).join(', ')}`,
      { hint: 'qualify it with its database: db.table' },
    );
  throw new StrongroomError('TARGET_NOT_FOUND', `table "${name}" does not exist${what}`);
}
