// Runs BACKUP/RESTORE/ALTER jobs: records them in the jobs store, holds and renews their lease, throttles
// progress into the record, honours PAUSE/CANCEL requested from any process or node (polled between units
// of work), saves checkpoints, and keeps detached jobs alive until the engine closes. A job it adopts (a
// pending one, or one whose node died) runs under the same record, from the record's last checkpoint.
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { JobEnd, Progress } from '../types.js';
import type { NewUnit, UnitRecord, UnitResult } from './job-units.js';
import { isTerminal, type JobRecord, type JobsStore, type JobType } from './jobs-store.js';

export interface JobHandle {
  readonly id: bigint;
  readonly signal: AbortSignal;
  /** The checkpoint an adopted job resumes from (the statement's own JSON), or undefined for a fresh start. */
  readonly resumeFrom: unknown;
  /** Records progress (throttled) and calls the statement's progress callback. */
  report(fraction: number, rows: number, bytes: number, runningStatus?: string): void;
  /** Between units of work: waits while paused, throws CANCELED when canceled. */
  checkpoint(): Promise<void>;
  /** Saves what is done so far, so a node adopting the job resumes after it; `summary` is shown in SHOW JOBS. */
  saveCheckpoint(state: unknown, summary: string): Promise<void>;
  /** The job's units in the state store, leased one at a time (absent for a job outside a jobs store). */
  readonly units?: UnitLedger;
}

/**
 * A job's units as its running node sees them (job-units.ts, bound to the job and its claim). Every write
 * fails with JOB_STATE once the job's lease passed to another node.
 */
export interface UnitLedger {
  /** What earlier attempts of this job recorded: done units' results, pending units' candidates. */
  recorded(): Promise<UnitRecord[]>;
  /** Records this attempt's units, replacing earlier ones (unit i is `units[i]`). */
  plan(units: readonly NewUnit[]): Promise<void>;
  /** Claims units for this node (one round trip): resolves with those it got. */
  claim(units: readonly number[]): Promise<number[]>;
  /**
   * Records a unit's result (the unit is done). Results are written in batches — when RESULT_BATCH are
   * waiting or RESULT_FLUSH_MS after the last write — so a node that dies loses at most the last few
   * (their spans are done again); `flush` writes what waits, and fails when the job is no longer held.
   */
  done(unit: number, result: string): Promise<void>;
  flush(): Promise<void>;
}

/** Unit results written at once, and the longest a result waits (see UnitLedger.done). */
const RESULT_BATCH = 8;
const RESULT_FLUSH_MS = 250;

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface StartOptions {
  readonly detached: boolean;
  /** The statement another node could run (secret-free), or null. */
  readonly payload?: string | null;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  readonly onEnd?: (end: JobEnd) => void;
  /**
   * An adopted job's fraction_completed when it was adopted: what this run reports never goes below it, so
   * progress continues from where it was while the run catches up (a resumed BACKUP reads its reused spans
   * again before it counts them).
   */
  readonly resumedFraction?: number;
}

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
    opts: StartOptions,
  ): Promise<{ id: bigint; result?: T }> {
    const id = await this.store.create({
      type,
      description,
      userName: this.user,
      payload: opts.payload ?? null,
      status: 'running',
    });
    if (id === undefined) throw new StrongroomError('INTERNAL', 'a job id was taken twice');
    return this.runClaimed(id, type, 1, undefined, fn, opts);
  }

  /** Runs a job this node has claimed (`claims` is the claim counter its claim set). */
  async runClaimed<T>(
    id: bigint,
    type: JobType,
    claims: number,
    resumeFrom: unknown,
    fn: (job: JobHandle) => Promise<T>,
    opts: StartOptions,
  ): Promise<{ id: bigint; result?: T }> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(opts.signal?.reason);
    if (!opts.detached) opts.signal?.addEventListener('abort', onAbort, { once: true });
    const startedAt = Date.now();
    let lastWrite = 0;
    let lost = false;
    // The lease is renewed well before it runs out; a renewal that finds the claim moved means another node
    // adopted the job (this one was presumed dead): stop at once, writing nothing more.
    const renewal = setInterval(
      () => {
        this.store
          .renew(id, claims)
          .then((held) => {
            if (!held && !controller.signal.aborted) {
              lost = true;
              controller.abort(
                new StrongroomError('JOB_STATE', `job ${id}: its lease passed to another node`),
              );
            }
          })
          .catch(() => undefined);
      },
      Math.max(Math.floor(this.store.leaseMs / 3), 50),
    );
    renewal.unref();
    // Progress is written without waiting; a checkpoint is awaited. Both go through one queue, so an
    // earlier progress line never lands after (and overwrites) a later checkpoint's.
    let writes: Promise<unknown> = Promise.resolve();
    const inOrder = (write: () => Promise<void>): Promise<void> => {
      const next = writes.then(write, write);
      writes = next.catch(() => undefined);
      return next;
    };
    const handle: JobHandle = {
      id,
      signal: controller.signal,
      resumeFrom,
      report: (reported, rows, bytes, runningStatus) => {
        const fraction = Math.max(reported, opts.resumedFraction ?? 0);
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
          inOrder(() =>
            this.store.progress(id, claims, Math.min(fraction, 1), rows, bytes, runningStatus),
          ).catch(() => undefined);
        }
      },
      checkpoint: async () => {
        for (;;) {
          if (controller.signal.aborted) throw canceled(id, controller.signal.reason);
          const s = (await this.store.get(id)).status;
          if (s === 'cancel-requested') {
            controller.abort();
            throw canceled(id);
          }
          if (s === 'pause-requested') await this.store.setStatus(id, 'paused', undefined, claims);
          if (s !== 'pause-requested' && s !== 'paused') return;
          await sleep(200);
        }
      },
      saveCheckpoint: (state, summary) =>
        inOrder(() => this.store.saveCheckpoint(id, claims, JSON.stringify(state), summary)),
      units: unitLedger(this.store, id, claims),
    };
    const run = (async () => {
      try {
        // Planning ran between the claim and here without renewals: if that took longer than the lease and
        // another node adopted the job meanwhile, this node leaves it before writing anything.
        if (!(await this.store.renew(id, claims))) {
          lost = true;
          throw new StrongroomError('JOB_STATE', `job ${id}: its lease passed to another node`);
        }
        const result = await fn(handle);
        await this.store.setStatus(id, 'succeeded', undefined, claims);
        opts.onEnd?.({ jobId: id, jobType: type, status: 'succeeded' });
        return result;
      } catch (err) {
        const e = isStrongroomError(err) ? err : new StrongroomError('INTERNAL', String(err), { cause: err });
        // A job whose lease passed to another node is that node's now: its record is not touched.
        if (!lost) {
          const status = e.code === 'CANCELED' ? 'canceled' : 'failed';
          await this.store.setStatus(id, status, e.message, claims).catch(() => undefined);
          opts.onEnd?.({ jobId: id, jobType: type, status, error: e.message });
        }
        throw e;
      } finally {
        clearInterval(renewal);
        opts.signal?.removeEventListener('abort', onAbort);
        this.running.delete(id);
      }
    })();
    this.running.set(id, { controller, done: run.catch(() => undefined) });
    if (opts.detached) return { id };
    return { id, result: await run };
  }

  /** Whether this process runs the job now. */
  runs(id: bigint): boolean {
    return this.running.has(id);
  }

  /**
   * Requests cancellation. A job already canceled or being canceled is left as it is (a no-op, as in
   * CockroachDB); a job that ended otherwise cannot be canceled. A job nobody runs (pending, or its node
   * died) is canceled at once.
   */
  async cancel(id: bigint): Promise<void> {
    const job = await this.store.get(id);
    if (job.status === 'canceled' || job.status === 'cancel-requested') return;
    if (isTerminal(job.status)) throw notNow(id, job.status, 'canceled');
    if (!this.runs(id) && (await this.store.leaseExpired(job))) {
      await this.store.setStatus(id, 'canceled', `job ${id} was canceled`);
      return;
    }
    await this.store.setStatus(id, 'cancel-requested');
    this.running.get(id)?.controller.abort();
  }

  /** Requests a pause; a job already paused or pausing is left as it is. */
  async pause(id: bigint, reason?: string): Promise<void> {
    const job = await this.store.get(id);
    if (job.status === 'paused' || job.status === 'pause-requested') return;
    if (job.status !== 'running' && job.status !== 'pending') throw notNow(id, job.status, 'paused');
    // Nobody runs it (pending, or its node died): it is paused now, and a RESUME lets a node adopt it.
    const idle = !this.runs(id) && (await this.store.leaseExpired(job));
    await this.store.setStatus(id, idle ? 'paused' : 'pause-requested');
    if (reason !== undefined) await this.store.setRunningStatus(id, `paused: ${reason}`);
  }

  /** Resumes a paused job; a job already running is left as it is. */
  async resume(id: bigint): Promise<void> {
    const job = await this.store.get(id);
    if (job.status === 'running' || job.status === 'pending') return;
    if (job.status !== 'paused' && job.status !== 'pause-requested') throw notNow(id, job.status, 'resumed');
    await this.store.setStatus(id, 'running');
  }

  /** Jobs this process runs now. */
  get active(): number {
    return this.running.size;
  }

  /** Waits for every job this process runs (detached ones included). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

/** A job's units, bound to the job and this node's claim on it. */
function unitLedger(store: JobsStore, id: bigint, claims: number): UnitLedger {
  const units = store.units;
  // Each unit's claim counter as this node's claim set it: the guard of its result.
  const held = new Map<number, number>();
  let waiting: UnitResult[] = [];
  let lastWrite = Date.now();
  const lost = (what: string): StrongroomError =>
    new StrongroomError('JOB_STATE', `job ${id}: ${what}: its lease passed to another node`);
  const flush = async (): Promise<void> => {
    const batch = waiting;
    waiting = [];
    lastWrite = Date.now();
    // With nothing to write, the job's hold is checked all the same: the caller goes on to commit.
    const held =
      batch.length === 0
        ? await store.renew(id, claims)
        : (await units.complete(id, claims, store.nodeId, batch)) === batch.length;
    if (!held) throw lost('unit results could not be recorded');
  };
  return {
    recorded: () => units.list(id),
    plan: async (planned) => {
      if (!(await units.replace(id, claims, planned))) throw lost('its units were not recorded');
      held.clear();
    },
    claim: async (wanted) => {
      const now = store.now();
      const got = await units.claim(id, claims, wanted, store.nodeId, now + store.leaseMs, now);
      for (const g of got) held.set(g.unit, g.claims);
      return got.map((g) => g.unit);
    },
    done: async (unit, result) => {
      waiting.push({ unit, claims: held.get(unit) ?? 0, result });
      if (waiting.length >= RESULT_BATCH || Date.now() - lastWrite >= RESULT_FLUSH_MS) await flush();
    },
    flush,
  };
}

/** The record's checkpoint, parsed (undefined when it has none or it is not JSON). */
export function checkpointOf(job: JobRecord): unknown {
  if (job.checkpoint === null) return undefined;
  try {
    return JSON.parse(job.checkpoint) as unknown;
  } catch {
    return undefined;
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
