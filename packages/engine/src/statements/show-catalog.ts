// SHOW DATABASES and SHOW TABLES [FROM db] over the source, with the names strongroom uses in BACKUP and
// RESTORE (SQLite's main database is `defaultdb` here, a PostgreSQL schema-qualified table is `schema.t`).
import { StrongroomError } from '@strongroom/errors';
import type { ResultSet } from '@strongroom/sources';
import type { EngineContext } from '../context.js';

export async function showDatabases(ctx: EngineContext): Promise<ResultSet> {
  const names = [...(await ctx.source.listDatabases())].sort();
  return {
    columns: [{ name: 'database_name', type: 'text' }],
    rows: names.map((n) => [n]),
    tag: `SHOW ${names.length}`,
  };
}

/** Without FROM: the tables of every database (CockroachDB lists the current one; strongroom has none). */
export async function showTables(
  ctx: EngineContext,
  database?: string,
  signal?: AbortSignal,
): Promise<ResultSet> {
  const all = await ctx.source.listDatabases();
  if (database !== undefined && !all.includes(database))
    throw new StrongroomError('DATABASE_NOT_FOUND', `database "${database}" does not exist`);
  const dbs = database === undefined ? [...all].sort() : [database];
  const snapshot = await ctx.source.openSnapshot(dbs, signal);
  const rows: string[][] = [];
  try {
    for (const db of dbs) {
      const schema = await snapshot.schema(db);
      for (const t of [...schema.tables].sort((a, b) => a.name.localeCompare(b.name)))
        rows.push([db, t.name]);
    }
  } finally {
    await snapshot.close();
  }
  return {
    columns: [
      { name: 'database_name', type: 'text' },
      { name: 'table_name', type: 'text' },
    ],
    rows,
    tag: `SHOW ${rows.length}`,
  };
}
