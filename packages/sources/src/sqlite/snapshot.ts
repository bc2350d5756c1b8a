// A consistent snapshot of sqlite databases: one read-only connection per database holding a read
// transaction for the snapshot's lifetime, so every read sees the database as of the moment it began
// while writers keep committing.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { StrongroomError } from '@strongroom/errors';
import type { DatabaseSchema, Snapshot, SpanBounds, SpanChunk } from '../types.js';
import { openDatabase, type SqliteDatabase } from './driver.js';
import { sqliteCall, toSourceError } from './errors.js';
import { nameKey } from './names.js';
import { readSchema, type SchemaWithLayouts, type TableLayout } from './schema.js';
import { planRowidSpans, readTableSpan } from './spans.js';

/**
 * A long read transaction in rollback-journal mode holds a SHARED lock that keeps every writer from
 * committing until the backup ends; in WAL mode readers and writers do not block each other, and the
 * reader keeps seeing its snapshot. So the database is switched to WAL (a persistent property of the file;
 * readers in other processes keep working). While the snapshot is held, checkpoints cannot pass it, so the
 * -wal file grows with the writes made meanwhile and shrinks at the next checkpoint after it.
 */
async function ensureWal(file: string): Promise<void> {
  const db = openDatabase(file, { fileMustExist: true });
  try {
    // The switch needs the database to itself for a moment, and SQLite reports BUSY at once instead of
    // waiting when another connection is mid-transaction: retry while writers come and go.
    for (let attempt = 0; ; attempt++) {
      try {
        const mode = db.prepare('PRAGMA journal_mode').pluck().get() as string;
        if (mode.toLowerCase() !== 'wal') db.prepare('PRAGMA journal_mode = WAL').run();
        return;
      } catch (err) {
        const busy = /^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code));
        if (!busy || attempt >= WAL_SWITCH_ATTEMPTS) throw err;
        await sleep(Math.min(2 + attempt, 20));
      }
    }
  } finally {
    db.close();
  }
}

/** About ten seconds of retries in all. */
const WAL_SWITCH_ATTEMPTS = 550;

interface Held {
  readonly db: SqliteDatabase;
  schema?: SchemaWithLayouts;
}

export class SqliteSnapshot implements Snapshot {
  readonly time: Date;
  readonly #held: Map<string, Held>;
  readonly #onClose: () => void;

  private constructor(held: Map<string, Held>, onClose: () => void) {
    this.#held = held;
    this.#onClose = onClose;
    this.time = new Date();
  }

  /** Begins a read transaction on each database; `time` is taken once all of them hold one. */
  static async open(files: ReadonlyMap<string, string>, onClose: () => void): Promise<SqliteSnapshot> {
    const held = new Map<string, Held>();
    try {
      for (const [name, file] of files) {
        if (!existsSync(file))
          throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} does not exist`);
        await ensureWal(file);
        const db = sqliteCall(() => openDatabase(file, { readonly: true, fileMustExist: true }));
        held.set(name, { db });
        // BEGIN alone is deferred: the snapshot is fixed by the first read, made right away.
        sqliteCall(() => {
          db.exec('BEGIN');
          db.prepare('SELECT count(*) FROM main.sqlite_master').pluck().get();
        });
      }
    } catch (err) {
      for (const h of held.values()) h.db.close();
      throw toSourceError(err);
    }
    return new SqliteSnapshot(held, onClose);
  }

  #database(name: string): Held {
    const held = this.#held.get(name);
    if (held === undefined) {
      throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} is not part of this snapshot`);
    }
    return held;
  }

  #schema(name: string): SchemaWithLayouts {
    const held = this.#database(name);
    held.schema ??= sqliteCall(() => readSchema(held.db, name));
    return held.schema;
  }

  #layout(database: string, table: string): TableLayout {
    const layout = this.#schema(database).layouts.get(nameKey(table));
    if (layout === undefined)
      throw new StrongroomError('TARGET_NOT_FOUND', `table ${database}.${table} does not exist`);
    return layout;
  }

  async schema(database: string): Promise<DatabaseSchema> {
    return this.#schema(database).schema;
  }

  async planSpans(database: string, table: string, previous?: readonly string[]): Promise<readonly string[]> {
    const layout = this.#layout(database, table);
    // The chain's boundaries are kept so that incrementals compare the same spans; a grown table only
    // makes its last span larger.
    if (previous !== undefined) return previous;
    return sqliteCall(() => planRowidSpans(this.#database(database).db, layout));
  }

  async *readSpan(
    database: string,
    table: string,
    bounds: SpanBounds,
    signal?: AbortSignal,
  ): AsyncGenerator<SpanChunk> {
    const layout = this.#layout(database, table);
    yield* readTableSpan(this.#database(database).db, layout, bounds, signal);
  }

  async close(): Promise<void> {
    for (const held of this.#held.values()) {
      // Closing ends the read transaction (a read-only one has nothing to commit).
      try {
        if (held.db.open) held.db.close();
      } catch {
        // A span still being read keeps its statement busy; the connection goes with the process.
      }
    }
    this.#held.clear();
    this.#onClose();
  }
}
