// The source-database contract: list databases, take a consistent snapshot, read a table span by span
// as an opaque byte stream in the source's own row codec, restore such streams into new tables, and run
// statements strongroom does not own (forwarded verbatim). The engine never looks inside row bytes.

/** A result set, as shown by the CLI and sent over the wire. Values are already exact. */
export interface ResultColumn {
  readonly name: string;
  /** A SQL type name for display and the wire: 'text', 'int8', 'float8', 'bool', 'bytea', 'timestamptz', 'jsonb'. */
  readonly type: string;
}

export type ResultValue = string | number | bigint | boolean | Uint8Array | Date | null;

export interface ResultSet {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly ResultValue[])[];
  /** Command tag, e.g. 'SELECT 3', 'BACKUP', 'CREATE TABLE'. */
  readonly tag: string;
}

export interface RowSink {
  /** Called once, before any row (also for a statement that returns no rows but has columns). */
  columns(columns: readonly ResultColumn[]): void;
  rows(batch: readonly (readonly ResultValue[])[]): Promise<void> | void;
}

export interface StatementDescription {
  /** Empty for a statement that returns no rows. */
  readonly columns: readonly ResultColumn[];
  readonly paramTypes: readonly (string | null)[];
}

export interface ColumnInfo {
  readonly name: string;
  /** Declared type as written in the schema ('' when none). */
  readonly type: string;
}

export interface TableInfo {
  readonly database: string;
  readonly name: string;
  /** The statement that creates the table (source dialect). */
  readonly createSql: string;
  readonly columns: readonly ColumnInfo[];
  /** Source-specific facts the source itself needs back at restore time (e.g. WITHOUT ROWID). */
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

/** Secondary objects created after the data is loaded, in creation order. */
export interface SchemaObject {
  readonly type: 'index' | 'view' | 'trigger' | 'sequence' | 'other';
  readonly name: string;
  /** The table it belongs to ('' for views and others that belong to none). */
  readonly table: string;
  readonly sql: string;
}

export interface DatabaseSchema {
  readonly database: string;
  readonly tables: readonly TableInfo[];
  readonly objects: readonly SchemaObject[];
}

/**
 * A span of a table: positions in [lo, hi) over the table's ordering (rowid, primary key, heap page). Bounds
 * are opaque strings made by the source; null is unbounded. Spans of one table are given by a sorted list of
 * boundaries b1 < … < bn meaning (−∞, b1), [b1, b2), …, [bn, +∞).
 */
export interface SpanBounds {
  readonly lo: string | null;
  readonly hi: string | null;
}

export interface Snapshot {
  /** When the snapshot was taken (wall clock, UTC); the backup's end time. */
  readonly time: Date;
  schema(database: string): Promise<DatabaseSchema>;
  /**
   * Boundaries splitting `table` into spans of bounded size. When `previous` (the chain's boundaries for
   * this table) is given, the source returns it unchanged, so incrementals compare the same spans.
   */
  planSpans(database: string, table: string, previous?: readonly string[]): Promise<readonly string[]>;
  /**
   * The rows of one span, in the source's deterministic order, as a byte stream in the source's row codec.
   * An unchanged span always gives the same bytes (the engine fingerprints them to find changed spans).
   * Bounded memory.
   */
  readSpan(
    database: string,
    table: string,
    bounds: SpanBounds,
    signal?: AbortSignal,
  ): AsyncIterable<SpanChunk>;
  /**
   * Present when the source can also back a database up as its pages (sqlite): spans of page runs
   * instead of rows, restored by writing the pages back (FORMAT.md, "SQLite page spans").
   */
  readonly pages?: PageSpans;
  close(): Promise<void>;
}

/** Page-level spans of a snapshot. A table's spans hold its pages and its indexes' pages. */
export interface PageSpans {
  /**
   * The pages of `database` that belong to no table (header, schema, freelist): their attributes (page
   * size and count, handed back at restore as RestoreRequest.databasePages) and span boundaries.
   */
  database(
    database: string,
  ): Promise<{ readonly attributes: Attributes; readonly boundaries: readonly string[] }>;
  /** Boundaries of the table's page spans: fixed page windows, the same for every snapshot of a file. */
  planSpans(database: string, table: string): Promise<readonly string[]>;
  /**
   * The table's pages in `bounds` as page-run records (`table` '' for the database's own pages); a
   * chunk's `rows` counts the table rows stored on its pages.
   */
  readSpan(
    database: string,
    table: string,
    bounds: SpanBounds,
    signal?: AbortSignal,
  ): AsyncIterable<SpanChunk>;
}

export type Attributes = Readonly<Record<string, string | number | boolean>>;

export interface SpanChunk {
  readonly data: Uint8Array;
  /** Rows fully contained in this chunk. */
  readonly rows: number;
  /**
   * The memory under `data` belongs to the consumer (the source keeps no reference): when `data` lies in a
   * slot of the shared chunk arena (chunkSlotOf ≥ 0), that slot, which the consumer gives back with
   * giveChunkSlot once done with it (a slot never given back is only lost to reuse); otherwise the whole
   * ArrayBuffer, which the consumer may transfer to another thread.
   */
  readonly owned?: boolean;
}

export interface RestoreTable {
  readonly table: TableInfo;
  /**
   * The concatenated span streams of this table, re-chunked arbitrarily. With `slots`, chunks may lie in
   * slots of the shared chunk arena (chunkSlotOf ≥ 0), which the consumer gives back (giveChunkSlot) once
   * done with them; a chunk is only valid until then.
   */
  readonly data: (options?: { readonly slots?: boolean }) => AsyncIterable<Uint8Array>;
  /** The rows and bytes `data` holds, when known (from the manifest): progress without parsing rows. */
  readonly expected?: { readonly rows: number; readonly bytes: number };
  /** Page spans only, when the engine can: writes the pages into a file itself (see PageFileTarget). */
  readonly writePages?: (target: PageFileTarget) => Promise<number>;
}

/**
 * Where the pages of page spans go: an open database file, each page at (page − 1) × pageSize. The engine
 * decodes the spans on worker threads that write the pages there themselves (positioned writes; the spans'
 * pages never overlap), so the decoded bytes never pass through the main thread. Resolves with the pages
 * written once every span is written and authenticated; on failure, once no thread writes into `fd` any
 * more (the caller may then close it). Pages outside 1…pageCount are CORRUPTED.
 */
export interface PageFileTarget {
  readonly fd: number;
  readonly pageSize: number;
  readonly pageCount: number;
}

export interface RestoreRequest {
  /** Target database; created when `createDatabase` is set (fails with TARGET_EXISTS if it exists). */
  readonly database: string;
  readonly createDatabase: boolean;
  readonly tables: readonly RestoreTable[];
  readonly objects: readonly SchemaObject[];
  /**
   * For a database backed up as pages: its own pages (PageSpans.database). Each table's `data` is then page
   * runs, not rows. The source reassembles the pages and restores from them.
   */
  readonly databasePages?: {
    readonly attributes: Attributes;
    /** As RestoreTable.data. */
    readonly data: (options?: { readonly slots?: boolean }) => AsyncIterable<Uint8Array>;
    /** As RestoreTable.writePages. */
    readonly writePages?: (target: PageFileTarget) => Promise<number>;
  };
  readonly schemaOnly?: boolean;
  /** Drop foreign keys whose referenced table is not restored, instead of failing. */
  readonly skipMissingForeignKeys?: boolean;
  /** Leave out object owners: everything is owned by the restoring user (sources with owners only). */
  readonly noOwner?: boolean;
  /** Leave out GRANTs, REVOKEs and default privileges (sources with privileges only). */
  readonly noPrivileges?: boolean;
  readonly signal?: AbortSignal;
  /** Called as rows are loaded. */
  readonly onRows?: (rows: number, bytes: number) => void;
}

export interface Source {
  readonly kind: string;
  /** The source URI with any password redacted. */
  readonly redactedUri: string;
  listDatabases(): Promise<readonly string[]>;
  /** A consistent snapshot of the given databases (each one consistent in itself). */
  openSnapshot(databases: readonly string[], signal?: AbortSignal): Promise<Snapshot>;
  /**
   * Creates the tables (never touching an existing one: any name clash fails with TARGET_EXISTS before
   * anything is written), loads the rows, then creates indexes, triggers and views. On failure, what was
   * created is removed again.
   */
  restore(request: RestoreRequest): Promise<{ readonly rows: number }>;
  /**
   * Runs one statement strongroom does not own, verbatim, on the session's connection. Aborting
   * `options.signal` cancels a running statement within a second and rejects with CANCELED.
   */
  execute(
    sql: string,
    params?: readonly unknown[],
    options?: { readonly signal?: AbortSignal },
  ): Promise<ResultSet>;
  /**
   * Like execute, but hands the rows on batch by batch as the source produces them (the next batch is
   * read once `sink.rows` resolves), so memory stays bounded for a result of any size. Resolves to the
   * command tag.
   */
  stream?(
    sql: string,
    params: readonly unknown[],
    sink: RowSink,
    options?: { readonly signal?: AbortSignal },
  ): Promise<string>;
  /**
   * The result columns and parameter types of a statement without running it (for the wire protocol's
   * Describe). A parameter type is a SQL type name, or null when the source cannot tell.
   */
  describe?(sql: string): Promise<StatementDescription>;
  close(): Promise<void>;
}
