// One work pool for the engine (a backup's spans) and the sources (a PostgreSQL restore's table loads and
// their indexes): a fixed set of workers takes tasks until none are left, and the first failure aborts the
// rest. Neither p-limit nor p-queue does what both callers need — a worker identity per task (one PostgreSQL
// connection per worker), tasks that make more tasks as they finish (a loaded table's indexes), and
// first-failure-aborts with every started task settled before the call returns — so it is written here.

/** One unit of work: runs on one worker; `signal` aborts when another task failed (or the caller's aborts). */
export type PoolTask<W> = (worker: W, signal: AbortSignal) => Promise<void>;

export interface PoolOptions {
  /** Also aborts the tasks' signal (the pool itself does not stop on it: tasks check it and fail). */
  readonly signal?: AbortSignal;
}

/**
 * Runs tasks on `workers` (one task per worker at a time) until `take` has none left and no task runs
 * (a running task may make more, so an idle worker waits for it rather than leaving). The first task to
 * fail aborts the signal every task gets, no further task starts, every started task settles, and the
 * call rejects with that first error; later errors (usually the abort it caused) are dropped.
 */
export async function runPool<W>(
  workers: readonly W[],
  take: () => PoolTask<W> | undefined,
  options: PoolOptions = {},
): Promise<void> {
  const failed = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal;
  let firstError: { readonly error: unknown } | undefined;
  let busy = 0;
  const idle: (() => void)[] = [];
  const fail = (error: unknown): void => {
    if (firstError) return;
    firstError = { error };
    failed.abort(error);
  };
  const takeOrFail = (): PoolTask<W> | null | undefined => {
    try {
      return take();
    } catch (error) {
      fail(error);
      return null;
    }
  };
  const work = async (worker: W): Promise<void> => {
    for (;;) {
      if (firstError) return;
      const task = takeOrFail();
      if (task === null) return;
      if (task === undefined) {
        if (busy === 0) return;
        await new Promise<void>((resolve) => idle.push(resolve));
        continue;
      }
      busy++;
      try {
        await task(worker, signal);
      } catch (error) {
        fail(error);
      } finally {
        busy--;
        for (const wake of idle.splice(0)) wake();
      }
    }
  };
  await Promise.all(workers.map(work));
  if (firstError) throw firstError.error;
}

/** `items` through `run`, `concurrency` at a time, in order of `items`, first failure aborting the rest. */
export async function forEachPooled<T>(
  items: readonly T[],
  concurrency: number,
  run: (item: T, index: number, signal: AbortSignal) => Promise<void>,
  options: PoolOptions = {},
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, (_, i) => i);
  await runPool(
    workers,
    () => {
      if (next >= items.length) return undefined;
      const index = next++;
      return (_worker, signal) => run(items[index] as T, index, signal);
    },
    options,
  );
}
