// A consistent snapshot of PostgreSQL databases: per database, one REPEATABLE READ READ ONLY transaction
// exports its snapshot (pg_export_snapshot) and stays open for the snapshot's lifetime; a small pool of
// worker connections import it (SET TRANSACTION SNAPSHOT) and do all reads, and pg_dump reads the schema
// with --snapshot. Commits made after the export are invisible to every reader. The exporting transaction
// holds ACCESS SHARE locks on the user tables (as pg_dump does), so TRUNCATE, table rewrites and DROP wait.
import { StrongroomError } from '@strongroom/errors';
import type { DatabaseSchema, Snapshot, SpanBounds, SpanChunk } from '../types.js';
import { readCatalog, USER_SCHEMAS } from './catalog.js';
import { CANONICAL_SETTINGS, closeQuietly, connect, type PgClient } from './connect.js';
import { pgCall } from './errors.js';
import { dumpSchema } from './pg-dump.js';
import { type BuiltSchema, buildSchema, type TableLayout } from './schema.js';
import { planSpans, readSpan } from './spans.js';
import type { PgConnection } from './uri.js';

/** Worker connections per database: the engine reads two spans at a time. */
const WORKERS = 2;

class WorkerPool {
  readonly #idle: PgClient[] = [];
  readonly #waiters: ((c: PgClient) => void)[] = [];
  readonly #all = new Set<PgClient>();
  #opening = 0;

  constructor(
    private readonly conn: PgConnection,
    private readonly database: string,
    private readonly snapshotId: string,
  ) {}

  async acquire(): Promise<PgClient> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size + this.#opening < WORKERS) {
      this.#opening++;
      try {
        const client = await connect(this.conn, this.database);
        this.#all.add(client);
        await pgCall(async () => {
          // Span reads are single scans: no parallel plan (its row order is not stable), no JIT compile.
          await client.query(
            `${CANONICAL_SETTINGS}; SET max_parallel_workers_per_gather = 0;
             SELECT pg_catalog.set_config('jit', 'off', false)
              WHERE current_setting('server_version_num')::int >= 110000`,
          );
          await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          await client.query(`SET TRANSACTION SNAPSHOT '${this.snapshotId.replace(/[^0-9A-Za-z-]/g, '')}'`);
        }, 'importing the backup snapshot');
        return client;
      } finally {
        this.#opening--;
      }
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(client: PgClient, ok: boolean): void {
    if (!ok) {
      // Mid-COPY connections cannot be reused; a waiter gets a fresh one.
      this.#all.delete(client);
      void closeQuietly(client);
      const waiter = this.#waiters.shift();
      if (waiter) void this.acquire().then(waiter);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter(client);
    else this.#idle.push(client);
  }

  async use<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let ok = false;
    try {
      const result = await fn(client);
      ok = true;
      return result;
    } finally {
      this.release(client, ok);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#all].map(closeQuietly));
    this.#all.clear();
    this.#idle.length = 0;
  }
}

interface Held {
  readonly exporter: PgClient;
  readonly snapshotId: string;
  readonly pool: WorkerPool;
  schema?: Promise<BuiltSchema>;
}

export class PostgresSnapshot implements Snapshot {
  readonly time: Date;
  readonly #conn: PgConnection;
  readonly #held: Map<string, Held>;
  readonly #onClose: () => void;

  private constructor(conn: PgConnection, held: Map<string, Held>, onClose: () => void) {
    this.#conn = conn;
    this.#held = held;
    this.#onClose = onClose;
    this.time = new Date();
  }

  static async open(
    conn: PgConnection,
    databases: readonly string[],
    onClose: () => void,
    signal?: AbortSignal,
  ): Promise<PostgresSnapshot> {
    const held = new Map<string, Held>();
    try {
      for (const database of databases) {
        if (signal?.aborted) throw new StrongroomError('CANCELED', 'canceled');
        const exporter = await connect(conn, database);
        const id = await pgCall(async () => {
          await exporter.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          const exported = (
            await exporter.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id')
          ).rows[0]?.id;
          // As pg_dump does: ACCESS SHARE locks on every user table for the life of the snapshot, so DDL
          // that is not MVCC-safe (TRUNCATE, a table rewrite, DROP) waits for the backup instead of
          // changing a table under it.
          const tables = await exporter.query<{ name: string }>(
            `SELECT c.oid::pg_catalog.regclass::text AS name FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS}`,
          );
          if (tables.rows.length > 0)
            await exporter.query(
              `LOCK TABLE ${tables.rows.map((r) => r.name).join(', ')} IN ACCESS SHARE MODE`,
            );
          return exported;
        }, `exporting a snapshot of ${database}`).catch(async (err: unknown) => {
          await closeQuietly(exporter);
          throw err;
        });
        if (id === undefined)
          throw new StrongroomError('SOURCE_ERROR', 'pg_export_snapshot returned nothing');
        held.set(database, { exporter, snapshotId: id, pool: new WorkerPool(conn, database, id) });
      }
    } catch (err) {
      for (const h of held.values()) await closeQuietly(h.exporter);
      throw err;
    }
    return new PostgresSnapshot(conn, held, onClose);
  }

  #database(name: string): Held {
    const held = this.#held.get(name);
    if (held === undefined)
      throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} is not part of this snapshot`);
    return held;
  }

  #schema(name: string): Promise<BuiltSchema> {
    const held = this.#database(name);
    held.schema ??= held.pool.use(async (client) => {
      const [catalog, pre, post] = await Promise.all([
        pgCall(() => readCatalog(client), 'reading the catalog'),
        dumpSchema(this.#conn, name, held.snapshotId, 'pre-data'),
        dumpSchema(this.#conn, name, held.snapshotId, 'post-data'),
      ]);
      return pgCall(() => buildSchema(name, pre, post, catalog, client), 'reading sequences');
    });
    return held.schema;
  }

  async #layout(database: string, table: string): Promise<TableLayout> {
    const layout = (await this.#schema(database)).layouts.get(table);
    if (layout === undefined)
      throw new StrongroomError('TARGET_NOT_FOUND', `table ${database}.${table} does not exist`);
    return layout;
  }

  async schema(database: string): Promise<DatabaseSchema> {
    return (await this.#schema(database)).schema;
  }

  async planSpans(database: string, table: string, previous?: readonly string[]): Promise<readonly string[]> {
    const layout = await this.#layout(database, table);
    // Incrementals keep the chain's boundaries so they compare the same spans.
    if (previous !== undefined) return previous;
    return this.#database(database).pool.use((client) =>
      pgCall(() => planSpans(client, layout), `planning spans of ${table}`),
    );
  }

  async *readSpan(
    database: string,
    table: string,
    bounds: SpanBounds,
    signal?: AbortSignal,
  ): AsyncGenerator<SpanChunk> {
    const layout = await this.#layout(database, table);
    const pool = this.#database(database).pool;
    const client = await pool.acquire();
    yield* readSpan(client, layout, bounds, (ok) => pool.release(client, ok), signal);
  }

  async close(): Promise<void> {
    for (const held of this.#held.values()) {
      await held.pool.close();
      await closeQuietly(held.exporter);
    }
    this.#held.clear();
    this.#onClose();
  }
}
