// The external storage contract, after CockroachDB's cloud.ExternalStorage and restic's backends.
// One instance is rooted at a URI (bucket + prefix); all paths are relative to it, '/'-separated,
// without a leading slash. Providers are chosen by URI scheme through an explicit registry.

export interface WriteOptions {
  readonly signal?: AbortSignal;
}

export interface ReadOptions {
  /** First byte to read (default 0). */
  readonly offset?: number;
  /** Number of bytes to read (default: to the end). */
  readonly length?: number;
  readonly signal?: AbortSignal;
}

export interface ListOptions {
  /**
   * With a delimiter, names that contain it after the prefix are rolled up to the prefix up to and
   * including the first delimiter (returned once, ending with the delimiter), as in S3.
   */
  readonly delimiter?: string;
  readonly signal?: AbortSignal;
}

export interface ExternalStorage {
  /** The URI this storage is rooted at, with secrets redacted (for messages, job records, SHOW). */
  readonly redactedUri: string;
  /**
   * Streams `data` to a new object at `path`. Never overwrites: if the object exists the call fails
   * with STORAGE_ALREADY_EXISTS. The object becomes visible only once complete; a failed or aborted
   * write leaves nothing behind. Returns the number of bytes written.
   */
  write(path: string, data: AsyncIterable<Uint8Array> | Uint8Array, options?: WriteOptions): Promise<number>;
  /** Streams the object (or a byte range of it). A missing object fails with STORAGE_NOT_FOUND. */
  read(path: string, options?: ReadOptions): AsyncIterable<Uint8Array>;
  /**
   * Stores that are a directory on this machine: the object's file, its confinement checked as read()
   * checks it, for a reader on another thread to open itself (readLocalFile in @strongroom/storage/
   * local-file). Remote stores leave it out. An aborted `signal` fails it as it fails read().
   */
  localFile?(path: string, signal?: AbortSignal): Promise<string>;
  /** Reads a whole (small) object into memory. */
  readAll(path: string, options?: ReadOptions): Promise<Uint8Array>;
  /** Size in bytes, or undefined when the object does not exist. */
  size(path: string, signal?: AbortSignal): Promise<number | undefined>;
  /** Names under `prefix`, relative to the storage root, in lexicographic order. */
  list(prefix: string, options?: ListOptions): AsyncIterable<string>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(path: string, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export interface StorageContext {
  /** Root directory for nodelocal:// URIs (CockroachDB's --external-io-dir). */
  readonly externalIoDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly disableImplicitCredentials?: boolean;
  /** Validation only: see CloudContext.syntaxOnly in @strongroom/cloud. */
  readonly syntaxOnly?: boolean;
  /**
   * Told of every retry of a cloud request, with a message naming the operation, the object and the
   * reason (the URI in it is redacted), e.g. to put it in a job's log.
   */
  readonly onRetry?: (message: string) => void;
  /** Retry policy of cloud providers (default: 5 attempts, 100 ms base, 10 s cap, full jitter). */
  readonly retry?: {
    readonly maxAttempts?: number;
    readonly baseDelayMs?: number;
    readonly maxDelayMs?: number;
  };
  /**
   * Part/block/chunk size of streamed cloud uploads (default 8 MiB; S3 needs ≥ 5 MiB, GCS a multiple
   * of 256 KiB). An upload holds at most two parts in memory, so this is its memory bound.
   */
  readonly partSize?: number;
}

export interface StorageProvider {
  readonly schemes: readonly string[];
  /** Query parameters whose values are secrets (redacted everywhere). */
  readonly secretParams: readonly string[];
  /** Parses strictly (unknown parameters rejected; COCKROACH_LOCALITY must already be stripped). */
  open(uri: string, ctx: StorageContext): Promise<ExternalStorage>;
  /** Parses as `open` does, without I/O, and throws what `open` would throw for the URI itself. */
  /** (A provider without it, such as a test's wrapper, is checked when opened.) */
  validate?(uri: string): void;
}
