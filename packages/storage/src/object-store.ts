// ExternalStorage over a small per-cloud `ObjectClient` (S3, GCS, Azure Blob): object names are
// `<root prefix><path>`; this class owns what the three share — path checks, conditional create
// with a fail-fast existence probe, part streaming, exact byte ranges, sorted relative listings
// with delimiter roll-up, error mapping and per-request retries of writes.

import { storageError } from '@strongroom/cloud';
import { StrongroomError } from '@strongroom/errors';
import { checkObjectPath, checkPrefix, compareNames } from './object-path.js';
import { partsOf } from './parts.js';
import type {
  ExternalStorage,
  ListOptions,
  ReadOptions,
  StorageContext,
  StorageProvider,
  WriteOptions,
} from './types.js';
import { describeRetry, type RetryOptions, retryCall, withRetries } from './with-retries.js';

/** Runs one request of an upload with retries; `what` names the request in messages. */
export type Retry = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/** What a cloud provider implements: raw requests on full object keys, errors left as the SDK threw them. */
export interface ObjectClient {
  /** Size, or undefined when missing. */
  head(key: string, signal?: AbortSignal): Promise<number | undefined>;
  /** Bytes [start, end) of the object (end > start). */
  get(key: string, start: number, end: number, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** Creates the object from one buffer, failing if it exists. */
  putOnce(key: string, body: Buffer, signal?: AbortSignal): Promise<void>;
  /**
   * Creates the object from two or more parts (multipart, blocks or resumable), failing if it exists;
   * on any failure nothing becomes visible. Each part may be retried with `retry`.
   */
  putParts(key: string, parts: AsyncIterable<Buffer>, retry: Retry, signal?: AbortSignal): Promise<void>;
  /** Pages of names under `prefix`; with a delimiter, rolled-up prefixes end with it. */
  list(prefix: string, delimiter: string | undefined, signal?: AbortSignal): AsyncIterable<string[]>;
  /** Deletes; a missing object is not an error. */
  delete(key: string, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export class ObjectStoreStorage implements ExternalStorage {
  readonly #retry: RetryOptions;
  readonly #partSize: number;

  /** `root`: key prefix, '' or ending with '/'. */
  constructor(
    readonly client: ObjectClient,
    readonly root: string,
    readonly redactedUri: string,
    ctx: StorageContext,
  ) {
    this.#partSize = ctx.partSize ?? DEFAULT_PART_SIZE;
    this.#retry = {
      ...ctx.retry,
      onRetry: (info) => ctx.onRetry?.(describeRetry(redactedUri, info)),
    };
  }

  async write(
    path: string,
    data: AsyncIterable<Uint8Array> | Uint8Array,
    options: WriteOptions = {},
  ): Promise<number> {
    const key = this.#key(path);
    const { signal } = options;
    const canceled = () =>
      new StrongroomError('CANCELED', `write of ${path} in ${this.redactedUri} was canceled`, {
        cause: signal?.reason,
      });
    if (signal?.aborted) throw canceled();
    // Fail fast before streaming anything; the conditional create below is what makes it safe.
    if ((await this.size(path, signal)) !== undefined) {
      throw new StrongroomError(
        'STORAGE_ALREADY_EXISTS',
        `object ${path} already exists in ${this.redactedUri}`,
      );
    }
    let bytes = 0;
    const parts = partsOf(data, this.#partSize, signal, canceled)[Symbol.asyncIterator]();
    const retry: Retry = (what, fn) =>
      retryCall(this.redactedUri, what, path, this.#retry, signal, () =>
        fn().catch((err) => {
          throw storageError(err, what, path, this.redactedUri, true);
        }),
      );
    try {
      const first = await parts.next();
      const second = first.done ? first : await parts.next();
      if (second.done) {
        const body = first.done ? Buffer.alloc(0) : first.value;
        await retry('write', () => this.client.putOnce(key, body, signal));
        return body.length;
      }
      const counted = async function* (): AsyncGenerator<Buffer> {
        for (let p = first; !p.done; p = p === first ? second : await parts.next()) {
          bytes += p.value.length;
          yield p.value;
        }
      };
      await this.client.putParts(key, counted(), retry, signal);
      return bytes;
    } catch (err) {
      if (signal?.aborted && !(err instanceof StrongroomError && err.code === 'STORAGE_ALREADY_EXISTS')) {
        throw canceled();
      }
      throw storageError(err, 'write', path, this.redactedUri, true);
    } finally {
      await parts.return?.(undefined).catch(() => {});
    }
  }

  async *read(path: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    const key = this.#key(path);
    const offset = options.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw badRange(path, options);
    if (options.length !== undefined && (!Number.isSafeInteger(options.length) || options.length < 0)) {
      throw badRange(path, options);
    }
    const size = await this.size(path, options.signal);
    if (size === undefined) {
      throw new StrongroomError('STORAGE_NOT_FOUND', `object ${path} in ${this.redactedUri} not found`);
    }
    const end = options.length === undefined ? size : offset + options.length;
    if (offset > size || end > size) {
      throw new StrongroomError(
        'STORAGE_IO',
        `cannot read bytes ${offset}..${end} of ${path} in ${this.redactedUri}: the object has ${size} bytes`,
      );
    }
    if (end === offset) return;
    let got = 0;
    try {
      for await (const chunk of this.client.get(key, offset, end, options.signal)) {
        got += chunk.length;
        yield chunk;
      }
    } catch (err) {
      throw storageError(err, 'read', path, this.redactedUri);
    }
    if (got !== end - offset) {
      // A short body is a dropped connection; withRetries resumes from where it stopped.
      throw new StrongroomError(
        'STORAGE_UNAVAILABLE',
        `read of ${path} in ${this.redactedUri} ended after ${got} of ${end - offset} bytes`,
      );
    }
  }

  async readAll(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.read(path, options)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  async size(path: string, signal?: AbortSignal): Promise<number | undefined> {
    const key = this.#key(path);
    try {
      return await this.client.head(key, signal);
    } catch (err) {
      throw storageError(err, 'stat', path, this.redactedUri);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    checkPrefix(prefix);
    try {
      for await (const page of this.client.list(this.root + prefix, options.delimiter, options.signal)) {
        for (const name of [...page].sort(compareNames)) yield name.slice(this.root.length);
      }
    } catch (err) {
      throw storageError(err, 'list', prefix === '' ? '/' : prefix, this.redactedUri);
    }
  }

  async delete(path: string, signal?: AbortSignal): Promise<void> {
    const key = this.#key(path);
    try {
      await this.client.delete(key, signal);
    } catch (err) {
      const e = storageError(err, 'delete', path, this.redactedUri);
      if (e.code !== 'STORAGE_NOT_FOUND') throw e;
    }
  }

  async close(): Promise<void> {
    await this.client.close?.();
  }

  #key(path: string): string {
    return this.root + checkObjectPath(path);
  }
}

/** The key prefix of a URI path: '' for the bucket root, else the decoded path without leading '/', with a trailing '/'. */
export function rootPrefix(uriPath: string): string {
  const trimmed = uriPath.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  checkObjectPath(trimmed, 'storage path');
  return `${trimmed}/`;
}

function badRange(path: string, options: ReadOptions): StrongroomError {
  return new StrongroomError(
    'INVALID_PARAMETER',
    `invalid byte range (offset ${options.offset}, length ${options.length}) for ${path}`,
  );
}

/** What every cloud provider's parsed URI has: the key prefix, and the URI redacted for messages. */
interface ObjectStoreConfig {
  readonly prefix: string;
  readonly redacted: string;
}

/**
 * The storage every cloud provider returns for `client` under `cfg.prefix`: reads, listings, stats and
 * deletes retried here; writes retry per request inside.
 */
export function openObjectStore(
  client: ObjectClient,
  cfg: ObjectStoreConfig,
  ctx: StorageContext,
): ExternalStorage {
  const storage = new ObjectStoreStorage(client, cfg.prefix, cfg.redacted, ctx);
  return withRetries(storage, {
    ...ctx.retry,
    retryWrites: false,
    onRetry: (info) => ctx.onRetry?.(describeRetry(storage.redactedUri, info)),
  });
}

/**
 * A cloud storage provider: `parse` checks a URI strictly (also for `validate`, without I/O), `client`
 * makes the SDK's object client for it (importing the SDK only then).
 */
export function objectStoreProvider<C extends ObjectStoreConfig>(provider: {
  readonly schemes: readonly string[];
  readonly secretParams: readonly string[];
  readonly parse: (uri: string, ctx?: StorageContext) => C;
  readonly client: (cfg: C) => Promise<ObjectClient>;
}): StorageProvider {
  return {
    schemes: provider.schemes,
    secretParams: provider.secretParams,
    validate: (uri) => void provider.parse(uri, { syntaxOnly: true }),
    async open(uri, ctx) {
      const cfg = provider.parse(uri, ctx);
      return openObjectStore(await provider.client(cfg), cfg, ctx);
    },
  };
}
