// The postgres source: `postgres://user[:password]@host[:port]/dbname`. The session connection (to the
// URI's database) runs forwarded statements and lists databases; snapshots and restores open
// connections of their own, to whichever database they act on.
import { StrongroomError } from '@strongroom/errors';
import type { RestoreRequest, ResultSet, Snapshot, Source, StatementDescription } from '../types.js';
import { closeQuietly, connect, type PgClient } from './connect.js';
import { checkAborted, pgCall } from './errors.js';
import { describeForwarded, executeForwarded } from './execute.js';
import { restoreDatabase } from './restore.js';
import { TEMPORARY_PREFIX } from './restore-checks.js';
import { PostgresSnapshot } from './snapshot.js';
import { type PgConnection, parsePostgresUri, redactPostgresUri } from './uri.js';

export class PostgresSource implements Source {
  readonly kind = 'postgres';
  readonly redactedUri: string;
  readonly #conn: PgConnection;
  #session: Promise<PgClient> | undefined;
  readonly #snapshots = new Set<PostgresSnapshot>();

  constructor(uri: string) {
    this.redactedUri = redactPostgresUri(uri);
    this.#conn = parsePostgresUri(uri);
  }

  /** Connects (or reconnects after a lost connection) on first use. */
  #client(): Promise<PgClient> {
    this.#session ??= connect(this.#conn, this.#conn.database).catch((err: unknown) => {
      this.#session = undefined;
      throw err;
    });
    return this.#session;
  }

  async listDatabases(): Promise<readonly string[]> {
    const client = await this.#client();
    const r = await pgCall(() =>
      client.query<{ name: string }>(
        `SELECT datname AS name FROM pg_catalog.pg_database
          WHERE NOT datistemplate AND datallowconn AND datname NOT LIKE $1 ORDER BY 1`,
        // Databases being restored are not there yet.
        [`${TEMPORARY_PREFIX.replaceAll('_', '\\_')}%`],
      ),
    );
    return r.rows.map((x) => x.name);
  }

  async openSnapshot(databases: readonly string[], signal?: AbortSignal): Promise<Snapshot> {
    if (signal?.aborted) throw new StrongroomError('CANCELED', 'canceled');
    const known = await this.listDatabases();
    const missing = databases.find((d) => !known.includes(d));
    if (missing !== undefined)
      throw new StrongroomError('DATABASE_NOT_FOUND', `database ${missing} does not exist`);
    const snapshot = await PostgresSnapshot.open(
      this.#conn,
      databases,
      () => this.#snapshots.delete(snapshot),
      signal,
    );
    this.#snapshots.add(snapshot);
    return snapshot;
  }

  async restore(request: RestoreRequest): Promise<{ readonly rows: number }> {
    const rows = await restoreDatabase(this.#conn, await this.#client(), request);
    return { rows };
  }

  async execute(
    sql: string,
    params?: readonly unknown[],
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<ResultSet> {
    const client = await this.#client();
    const signal = options.signal;
    checkAborted(signal);
    // PostgreSQL's own cancel: from a second connection, which the server answers at once; the statement
    // then fails with 57014, which toPgError makes CANCELED.
    const onAbort = (): void => {
      void this.#cancelBackend(client);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await executeForwarded(client, sql, params);
    } catch (err) {
      // A dropped connection is replaced on the next statement.
      if ((err as { code?: unknown }).code === 'SOURCE_UNAVAILABLE') {
        this.#session = undefined;
        await closeQuietly(client);
      }
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The server's own description of a forwarded statement (Parse + Describe, nothing runs). */
  async describe(sql: string): Promise<StatementDescription> {
    return describeForwarded(await this.#client(), sql);
  }

  async #cancelBackend(client: PgClient): Promise<void> {
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid === undefined) return;
    let other: PgClient | undefined;
    try {
      other = await connect(this.#conn, this.#conn.database);
      await other.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // The statement may have finished meanwhile, or the server be gone: nothing to cancel then.
    } finally {
      await closeQuietly(other);
    }
  }

  async close(): Promise<void> {
    for (const snapshot of [...this.#snapshots]) await snapshot.close();
    const session = this.#session;
    this.#session = undefined;
    if (session) await closeQuietly(await session.catch(() => undefined));
  }
}
