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
  const pool = new Pool(take, options.signal);
  await Promise.all(workers.map((w) => pool.work(w)));
  pool.throwFirstError();
}

class Pool<W> {
  readonly #take: () => PoolTask<W> | undefined;
  readonly #failed = new AbortController();
  /** What every task gets: aborted by the first failure or by the caller's signal. */
  readonly #signal: AbortSignal;
  #firstError: { readonly error: unknown } | undefined;
  #busy = 0;
  /** Workers waiting for a running task to finish (it may add tasks). */
  readonly #idle: (() => void)[] = [];

  constructor(take: () => PoolTask<W> | undefined, signal: AbortSignal | undefined) {
    this.#take = take;
    this.#signal = signal ? AbortSignal.any([signal, this.#failed.signal]) : this.#failed.signal;
  }

  /** One worker's loop: tasks until none is left and none runs, or a task failed. */
  async work(worker: W): Promise<void> {
    while (!this.#firstError) {
      const task = this.#next();
      if (task === null) return;
      if (task === undefined) await this.#waitForBusy();
      else await this.#run(task, worker);
    }
  }

  throwFirstError(): void {
    if (this.#firstError) throw this.#firstError.error;
  }

  /** The next task; undefined when there is none now, null when there will be none (or take failed). */
  #next(): PoolTask<W> | null | undefined {
    try {
      const task = this.#take();
      return task === undefined && this.#busy === 0 ? null : task;
    } catch (error) {
      this.#fail(error);
      return null;
    }
  }

  async #waitForBusy(): Promise<void> {
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async #run(task: PoolTask<W>, worker: W): Promise<void> {
    this.#busy++;
    try {
      await task(worker, this.#signal);
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#busy--;
      for (const wake of this.#idle.splice(0)) wake();
    }
  }

  #fail(error: unknown): void {
    if (this.#firstError) return;
    this.#firstError = { error };
    this.#failed.abort(error);
  }
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
