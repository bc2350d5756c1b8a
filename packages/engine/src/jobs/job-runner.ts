// Runs BACKUP/RESTORE/ALTER jobs: records them in the jobs store, throttles progress into it, honours
// PAUSE/CANCEL requests made from this or another process (polled between units of work), and keeps
// detached jobs alive until the engine closes.
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { JobEnd, Progress } from '../types.js';
import { isTerminal, type JobsStore, type JobType } from './jobs-store.js';

export interface JobHandle {
  readonly id: bigint;
  readonly signal: AbortSignal;
  /** Records progress (throttled) and calls the statement's progress callback. */
  report(fraction: number, rows: number, bytes: number, runningStatus?: string): void;
  /** Between units of work: waits while paused, throws CANCELED when canceled. */
  checkpoint(): Promise<void>;
}

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class JobRunner {
  private readonly running = new Map<bigint, Running>();

  constructor(
    private readonly store: JobsStore,
    private readonly user = 'root',
  ) {}

  /**
   * Starts a job. Attached: resolves with `fn`'s result once the job ends. Detached: resolves with the job
   * id at once; the job keeps running until it ends or the engine closes (which waits for it).
   */
  async start<T>(
    type: JobType,
    description: string,
    fn: (job: JobHandle) => Promise<T>,
    opts: {
      detached: boolean;
      signal?: AbortSignal;
      onProgress?: (p: Progress) => void;
      onEnd?: (end: JobEnd) => void;
    },
  ): Promise<{ id: bigint; result?: T }> {
    const id = this.store.create(type, description, this.user);
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(opts.signal?.reason);
    if (!opts.detached) opts.signal?.addEventListener('abort', onAbort, { once: true });
    const startedAt = Date.now();
    let lastWrite = 0;
    const handle: JobHandle = {
      id,
      signal: controller.signal,
      report: (fraction, rows, bytes, runningStatus) => {
        const now = Date.now();
        const secs = Math.max((now - startedAt) / 1000, 1e-3);
        const p: Progress = {
          jobId: id,
          jobType: type,
          fraction,
          rows,
          bytes,
          rate: bytes / secs,
          ...(fraction > 0.02 && fraction < 1 ? { etaSeconds: (secs * (1 - fraction)) / fraction } : {}),
        };
        opts.onProgress?.(p);
        if (now - lastWrite >= 200 || fraction >= 1) {
          lastWrite = now;
          this.store.progress(id, Math.min(fraction, 1), rows, bytes, runningStatus);
        }
      },
      checkpoint: async () => {
        for (;;) {
          if (controller.signal.aborted) throw canceled(id, controller.signal.reason);
          const s = this.store.get(id).status;
          if (s === 'cancel-requested') {
            controller.abort();
            throw canceled(id);
          }
          if (s === 'pause-requested') this.store.setStatus(id, 'paused');
          if (s !== 'pause-requested' && s !== 'paused') return;
          await sleep(200);
        }
      },
    };
    const run = (async () => {
      try {
        const result = await fn(handle);
        this.store.setStatus(id, 'succeeded');
        opts.onEnd?.({ jobId: id, jobType: type, status: 'succeeded' });
        return result;
      } catch (err) {
        const e = isStrongroomError(err) ? err : new StrongroomError('INTERNAL', String(err), { cause: err });
        const status = e.code === 'CANCELED' ? 'canceled' : 'failed';
        this.store.setStatus(id, status, e.message);
        opts.onEnd?.({ jobId: id, jobType: type, status, error: e.message });
        throw e;
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
        this.running.delete(id);
      }
    })();
    this.running.set(id, { controller, done: run.catch(() => undefined) });
    if (opts.detached) return { id };
    return { id, result: await run };
  }

  /**
   * Requests cancellation. A job already canceled or being canceled is left as it is (a no-op, as in
   * CockroachDB); a job that ended otherwise cannot be canceled.
   */
  cancel(id: bigint): void {
    const job = this.store.get(id);
    if (job.status === 'canceled' || job.status === 'cancel-requested') return;
    if (isTerminal(job.status)) throw notNow(id, job.status, 'canceled');
    this.store.setStatus(id, 'cancel-requested');
    this.running.get(id)?.controller.abort();
  }

  /** Requests a pause; a job already paused or pausing is left as it is. */
  pause(id: bigint, reason?: string): void {
    const job = this.store.get(id);
    if (job.status === 'paused' || job.status === 'pause-requested') return;
    if (job.status !== 'running' && job.status !== 'pending') throw notNow(id, job.status, 'paused');
    this.store.setStatus(id, 'pause-requested');
    if (reason !== undefined) this.store.setRunningStatus(id, `paused: ${reason}`);
  }

  /** Resumes a paused job; a job already running is left as it is. */
  resume(id: bigint): void {
    const job = this.store.get(id);
    if (job.status === 'running' || job.status === 'pending') return;
    if (job.status !== 'paused' && job.status !== 'pause-requested') throw notNow(id, job.status, 'resumed');
    this.store.setStatus(id, 'running');
  }

  /** Waits for every job this process runs (detached ones included). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

/** CockroachDB's wording for a state change a job's status does not allow. */
function notNow(id: bigint, status: string, verb: string): StrongroomError {
  return new StrongroomError(
    'JOB_STATE',
    `job ${id}: job with status ${status} cannot be requested to be ${verb}`,
  );
}

function canceled(id: bigint, reason?: unknown): StrongroomError {
  return new StrongroomError('CANCELED', `job ${id} was canceled`, { cause: reason });
}
