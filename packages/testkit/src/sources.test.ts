// Runs the source conformance suite against both sources: SQLite (a directory of database files, written
// to by connections of the fixture's own) and PostgreSQL (a throwaway cluster on a loopback port; with
// CI=true a missing server fails instead of skipping).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource, type ResultValue, type Source } from '@strongroom/sources';
import { describe } from 'vitest';
import { unavailable } from './emulators/launch.js';
import { pgQuery, postgresBinDir, startPostgres } from './emulators/postgres.js';
import { runSourceConformance, type SourceFixture } from './source-conformance.js';

const asText = (v: ResultValue): string | null =>
  v === null ? null : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v);

runSourceConformance('sqlite', async (): Promise<SourceFixture> => {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-source-conformance-'));
  const source = await openSource(`sqlite://${dir}/`, { home: dir });
  // Each database also through a single-file source of its own: another connection, as a writer has.
  const others = new Map<string, Source>();
  const other = async (database: string) => {
    let s = others.get(database);
    if (s === undefined) {
      s = await openSource(`sqlite://${join(dir, `${database}.db`)}`, { home: dir });
      others.set(database, s);
    }
    return s;
  };
  const query = async (database: string, sql: string) =>
    (await (await other(database)).execute(sql)).rows.map((row) => row.map(asText));
  return {
    source,
    query,
    async createDatabase(name, statements) {
      await source.execute(`CREATE DATABASE ${name}`);
      for (const sql of statements) await query(name, sql);
    },
    async dispose() {
      for (const s of others.values()) await s.close();
      await source.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('postgres', () => {
  const skip = postgresBinDir() ? undefined : unavailable('PostgreSQL', 'run scripts/setup/postgres.sh');
  if (skip) return void describe.skip(skip);
  runSourceConformance('postgres', async (): Promise<SourceFixture> => {
    const pg = await startPostgres();
    const home = mkdtempSync(join(tmpdir(), 'strongroom-source-conformance-'));
    const source = await openSource(pg.uri('postgres'), { home });
    const query = (database: string, sql: string) => pgQuery(pg, database, sql);
    return {
      source,
      query,
      async createDatabase(name, statements) {
        await pgQuery(pg, 'postgres', `CREATE DATABASE ${name}`);
        for (const sql of statements) await query(name, sql);
      },
      async dispose() {
        await source.close();
        await pg.stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  });
});
