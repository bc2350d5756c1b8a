// A storage wrapper that injects failures and delays, for fault tests (after CockroachDB's faulty
// storage and restic's test backends). Failures are injected into the data path itself, so the inner
// storage sees a write fail mid-stream exactly as it would on a broken pipe.
import { StrongroomError } from '@strongroom/errors';
import type { ExternalStorage, ListOptions, ReadOptions, WriteOptions } from './types.js';

export interface FaultPlan {
  /** Fail the `nth` write call (1-based, counted over this wrapper) once `afterBytes` bytes went through (default 0). */
  readonly failWrite?: { readonly nth: number; readonly afterBytes?: number };
  /** Fail the first `count` reads (default: all) of matching paths once `afterBytes` bytes were read (default 0). */
  readonly failRead?: {
    readonly count?: number;
    readonly match?: (path: string) => boolean;
    readonly afterBytes?: number;
  };
  /** Delay before every operation. */
  readonly delayMs?: number;
  /** The error to inject (default: a retryable STORAGE_UNAVAILABLE naming the operation and object). */
  readonly error?: (op: string, path: string) => Error;
}

export interface FaultyStorage extends ExternalStorage {
  /** Counters: calls seen and faults injected. */
  readonly stats: { writes: number; reads: number; injected: number };
}

export function withFaults(storage: ExternalStorage, plan: FaultPlan): FaultyStorage {
  const stats = { writes: 0, reads: 0, injected: 0 };
  let readFaultsLeft = plan.failRead ? (plan.failRead.count ?? Number.POSITIVE_INFINITY) : 0;
  const makeError = (op: string, path: string): Error => {
    stats.injected++;
    return (
      plan.error?.(op, path) ??
      new StrongroomError('STORAGE_UNAVAILABLE', `injected fault: ${op} of ${path} in ${storage.redactedUri}`)
    );
  };
  const delay = async () => {
    if (plan.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs));
  };

  async function* failAfter(op: string, path: string, src: AsyncIterable<Uint8Array>, after: number) {
    let seen = 0;
    if (after <= 0) throw makeError(op, path);
    for await (const chunk of src) {
      if (seen + chunk.length >= after) {
        yield chunk.subarray(0, after - seen);
        throw makeError(op, path);
      }
      seen += chunk.length;
      yield chunk;
    }
  }

  return {
    stats,
    redactedUri: storage.redactedUri,
    async write(path: string, data: AsyncIterable<Uint8Array> | Uint8Array, opts?: WriteOptions) {
      await delay();
      stats.writes++;
      if (plan.failWrite && stats.writes === plan.failWrite.nth) {
        const src =
          data instanceof Uint8Array
            ? (async function* () {
                yield data;
              })()
            : data;
        return storage.write(path, failAfter('write', path, src, plan.failWrite.afterBytes ?? 0), opts);
      }
      return storage.write(path, data, opts);
    },
    async *read(path: string, opts?: ReadOptions) {
      await delay();
      stats.reads++;
      const inject = readFaultsLeft > 0 && (plan.failRead?.match?.(path) ?? true);
      if (!inject) return yield* storage.read(path, opts);
      readFaultsLeft--;
      yield* failAfter('read', path, storage.read(path, opts), plan.failRead?.afterBytes ?? 0);
    },
    async readAll(path: string, opts?: ReadOptions) {
      const chunks: Uint8Array[] = [];
      for await (const c of this.read(path, opts)) chunks.push(c);
      return Buffer.concat(chunks);
    },
    async size(path: string, signal?: AbortSignal) {
      await delay();
      return storage.size(path, signal);
    },
    async *list(prefix: string, opts?: ListOptions) {
      await delay();
      yield* storage.list(prefix, opts);
    },
    async delete(path: string, signal?: AbortSignal) {
      await delay();
      return storage.delete(path, signal);
    },
    close: storage.close ? () => storage.close!() : undefined,
  };
}
