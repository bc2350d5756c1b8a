// A storage wrapper that retries retryable failures (StrongroomError.retryable) with exponential
// backoff and full jitter, after restic's retry backend. Reads resume where they stopped (reads are
// idempotent); listings skip names already yielded; a streamed write cannot be replayed, so only
// writes of a whole buffer are retried.
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { ExternalStorage, ListOptions, ReadOptions, WriteOptions } from './types.js';

export interface RetryOptions {
  /** Attempts in all, first included (default 5). */
  readonly maxAttempts?: number;
  /** Backoff before the 2nd attempt, doubled for each further one (default 100 ms). */
  readonly baseDelayMs?: number;
  /** Cap of one backoff (default 10 s). */
  readonly maxDelayMs?: number;
  /**
   * Retry whole writes of a buffer (default true). Cloud providers retry each part themselves and
   * turn this off, so attempts do not multiply.
   */
  readonly retryWrites?: boolean;
  /** Default: a StrongroomError with `retryable` set. */
  readonly isRetryable?: (err: unknown) => boolean;
  /** Told of each retry, e.g. to log it (messages hold redacted URIs only). */
  readonly onRetry?: (info: {
    op: string;
    path: string;
    attempt: number;
    delayMs: number;
    error: unknown;
  }) => void;
}

export function withRetries(storage: ExternalStorage, options: RetryOptions = {}): ExternalStorage {
  const backoff = backoffFor(storage.redactedUri, options);

  async function run<T>(
    op: string,
    path: string,
    signal: AbortSignal | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        await backoff(op, path, attempt, err, signal);
      }
    }
  }

  return {
    redactedUri: storage.redactedUri,
    write(path: string, data: AsyncIterable<Uint8Array> | Uint8Array, opts?: WriteOptions) {
      if (!(data instanceof Uint8Array) || options.retryWrites === false)
        return storage.write(path, data, opts);
      return run('write', path, opts?.signal, () => storage.write(path, data, opts));
    },
    async *read(path: string, opts: ReadOptions = {}) {
      const start = opts.offset ?? 0;
      let done = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          const length = opts.length === undefined ? undefined : opts.length - done;
          for await (const chunk of storage.read(path, { ...opts, offset: start + done, length })) {
            done += chunk.length;
            yield chunk;
          }
          return;
        } catch (err) {
          await backoff('read', path, attempt, err, opts.signal);
        }
      }
    },
    async readAll(path: string, opts?: ReadOptions) {
      return run('read', path, opts?.signal, () => storage.readAll(path, opts));
    },
    size(path: string, signal?: AbortSignal) {
      return run('size', path, signal, () => storage.size(path, signal));
    },
    async *list(prefix: string, opts: ListOptions = {}) {
      let last: string | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          for await (const name of storage.list(prefix, opts)) {
            // Listings are sorted, so a restarted one skips up to the last name already yielded.
            if (last !== undefined && Buffer.compare(Buffer.from(name), Buffer.from(last)) <= 0) continue;
            last = name;
            yield name;
          }
          return;
        } catch (err) {
          await backoff('list', prefix, attempt, err, opts.signal);
        }
      }
    },
    delete(path: string, signal?: AbortSignal) {
      return run('delete', path, signal, () => storage.delete(path, signal));
    },
    close: storage.close ? () => storage.close!() : undefined,
  };
}

/** The wait-or-throw step shared by withRetries and retryCall. */
function backoffFor(redactedUri: string, options: RetryOptions) {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 10_000;
  const isRetryable = options.isRetryable ?? ((e: unknown) => isStrongroomError(e) && e.retryable);
  return async (op: string, path: string, attempt: number, err: unknown, signal?: AbortSignal) => {
    if (attempt >= maxAttempts || !isRetryable(err) || signal?.aborted) {
      if (attempt > 1 && isStrongroomError(err)) {
        throw new StrongroomError(
          err.code,
          `${op} of ${path} in ${redactedUri} failed after ${attempt} attempts: ${err.message}`,
          { cause: err, retryable: err.retryable },
        );
      }
      throw err;
    }
    // Full jitter: a random wait up to the exponential bound, so racing clients spread out.
    const delayMs = Math.floor(Math.random() * Math.min(cap, base * 2 ** (attempt - 1)));
    options.onRetry?.({ op, path, attempt, delayMs, error: err });
    await sleep(delayMs, signal);
  };
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or `maxAttempts` is reached, with
 * the same backoff and messages as withRetries (the final error names `op`, `path` and the URI).
 */
export async function retryCall<T>(
  redactedUri: string,
  op: string,
  path: string,
  options: RetryOptions,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const backoff = backoffFor(redactedUri, options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      await backoff(op, path, attempt, err, signal);
    }
  }
}

/** A retry notice that names the object and the reason (messages carry redacted URIs only). */
export function describeRetry(
  redactedUri: string,
  info: { op: string; path: string; attempt: number; delayMs: number; error: unknown },
): string {
  const why = info.error instanceof Error ? info.error.message : String(info.error);
  return `retrying ${info.op} of ${info.path} in ${redactedUri} in ${info.delayMs} ms after attempt ${info.attempt} failed: ${why}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
