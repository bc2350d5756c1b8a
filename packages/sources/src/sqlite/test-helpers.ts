// Helpers for the sqlite source's tests: temporary source directories, and a whole-database backup
// (schema + every span, through the row codec) that can be handed to restore as is.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource } from '../registry.js';
import type { RestoreRequest, SchemaObject, Snapshot, Source, TableInfo } from '../types.js';

export interface TempSource {
  readonly dir: string;
  readonly source: Source;
  dispose(): Promise<void>;
}

/** A directory-mode source in a fresh temporary directory. */
export async function tempSource(): Promise<TempSource> {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-sqlite-'));
  const source = await openSource(`sqlite://${dir}/`, { home: dir });
  return {
    dir,
    source,
    async dispose() {
      await source.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Concatenated bytes of every span of a table, and the span boundaries used. */
export async function tableBytes(snapshot: Snapshot, database: string, table: string): Promise<Uint8Array[]> {
  const boundaries = await snapshot.planSpans(database, table);
  const edges = [null, ...boundaries, null];
  const chunks: Uint8Array[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    for await (const chunk of snapshot.readSpan(database, table, { lo: edges[i]!, hi: edges[i + 1]! })) {
      chunks.push(chunk.data);
    }
  }
  return chunks;
}

export interface DatabaseBackup {
  readonly tables: readonly { table: TableInfo; chunks: Uint8Array[] }[];
  readonly objects: readonly SchemaObject[];
}

export async function backupDatabase(source: Source, database: string): Promise<DatabaseBackup> {
  const snapshot = await source.openSnapshot([database]);
  try {
    const schema = await snapshot.schema(database);
    const tables = [];
    for (const table of schema.tables)
      tables.push({ table, chunks: await tableBytes(snapshot, database, table.name) });
    return { tables, objects: schema.objects };
  } finally {
    await snapshot.close();
  }
}

/** A restore request for a backup; the data is re-chunked into `chunkSize` pieces to exercise framing. */
export function restoreRequest(
  backup: DatabaseBackup,
  database: string,
  createDatabase: boolean,
  chunkSize = 0,
): RestoreRequest {
  return {
    database,
    createDatabase,
    objects: backup.objects,
    tables: backup.tables.map(({ table, chunks }) => ({
      table,
      data: async function* () {
        if (chunkSize <= 0) return yield* chunks;
        const all = Buffer.concat(chunks);
        for (let i = 0; i < all.length; i += chunkSize) yield all.subarray(i, i + chunkSize);
      },
    })),
  };
}
