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
  const out = new Map<string, string[]>();
  if (!targets) {
    for (const db of catalog) out.set(db.name, [...db.tables]);
    return { coverage: 'all', databases: out };
  }
  if (targets.kind === 'databases') {
    for (const name of targets.names) {
      const db = catalog.find((d) => d.name === name);
      if (!db) throw new StrongroomError('DATABASE_NOT_FOUND', `database "${name}" does not exist${what}`);
      out.set(db.name, [...db.tables]);
    }
    return { coverage: 'databases', databases: out };
  }
  const add = (db: CatalogDb, tables: readonly string[]): void => {
    const cur = out.get(db.name) ?? [];
    for (const t of db.tables) if (tables.includes(t) && !cur.includes(t)) cur.push(t);
    out.set(db.name, cur);
  };
  for (const p of targets.tables) {
    const parts = [...p.parts];
    // Tables outside the default schema are catalogued as `schema.table` (PostgreSQL sources).
    let schema: string | undefined;
    if (parts.length === 3 || (p.star && parts.length === 2)) {
      const given = parts.splice(1, 1)[0] ?? '';
      if (!SCHEMAS.has(given)) schema = given;
    }
    if (p.star) {
      const db = catalog.find((d) => d.name === parts[0]);
      if (!db)
        throw new StrongroomError('DATABASE_NOT_FOUND', `database "${parts[0]}" does not exist${what}`);
      const inSchema = db.tables.filter((t) => (schema ? t.startsWith(`${schema}.`) : !t.includes('.')));
      if (schema && inSchema.length === 0)
        throw new StrongroomError(
          'TARGET_NOT_FOUND',
          `schema "${schema}" does not exist${what} (${show(p)})`,
        );
      add(db, schema || p.parts.length === 2 ? inSchema : db.tables);
      continue;
    }
    if (schema) parts[1] = `${schema}.${parts[1]}`;
    if (parts.length === 2) {
      const db = catalog.find((d) => d.name === parts[0]);
      if (!db?.tables.includes(parts[1] ?? ''))
        throw new StrongroomError('TARGET_NOT_FOUND', `table "${show(p)}" does not exist${what}`);
      add(db, [parts[1] ?? '']);
      continue;
    }
    const name = parts[0] ?? '';
    const hits = catalog.filter((d) => d.tables.includes(name));
    const pick = hits.length === 1 ? hits[0] : hits.find((d) => d.name === 'defaultdb');
    if (!pick) {
      if (hits.length > 1)
        throw new StrongroomError(
          'TARGET_NOT_FOUND',
          `table name "${name}" is ambiguous${what}: it exists in ${hits.map((d) => d.name).join(', ')}`,
          { hint: 'qualify it with its database: db.table' },
        );
      throw new StrongroomError('TARGET_NOT_FOUND', `table "${name}" does not exist${what}`);
    }
    add(pick, [name]);
  }
  return { coverage: 'tables', databases: out };
}
