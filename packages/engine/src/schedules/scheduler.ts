// Runs due schedules, one pass at a time at a time the caller gives (so tests control the clock and the
// daemon passes Date.now()). A pass first settles occurrences whose job ended (on_execution_failure; a full
// backup's success wakes its incremental schedule and applies keep_full), then starts what is due.
// An occurrence is claimed in the state store before it starts (StateStore.claim), so any number of
// daemons on one state directory run it once; missed occurrences collapse into one run, as in CockroachDB.
import { isStrongroomError } from '@strongroom/errors';
import type { JobsStore } from '../jobs/jobs-store.js';
import { isAlive, isTerminal } from '../jobs/jobs-store.js';
import type { ScheduleRecord, StateStore } from '../state/state-store.js';
import { nextOccurrence } from './cron.js';
import { WAITING_FOR_FULL } from './schedule-plan.js';

/** How soon `on_execution_failure = retry` tries again. */
export const RETRY_DELAY_MS = 60_000;

export interface SchedulerDeps {
  readonly state: StateStore;
  readonly jobs: JobsStore;
  /** Starts a schedule's BACKUP detached; resolves with its job id once planned (rejects if planning fails). */
  start(command: string): Promise<bigint>;
  /** Keeps the newest `keepFull` chains of the collection a schedule's command writes to. */
  retain?(command: string, keepFull: number): Promise<void>;
  /** Told of what the scheduler does (never a secret: commands hold none). */
  log?(line: string): void;
}

export interface TickReport {
  readonly started: { scheduleId: bigint; scheduledFor: number; jobId: bigint }[];
  readonly failed: { scheduleId: bigint; scheduledFor: number; error: string }[];
  readonly skipped: { scheduleId: bigint; scheduledFor: number }[];
  /** Due but left due: the previous run still goes and the policy is `wait`. */
  readonly waiting: bigint[];
  readonly settled: { scheduleId: bigint; scheduledFor: number; outcome: string }[];
}

function message(err: unknown): string {
  return isStrongroomError(err) || err instanceof Error ? err.message : String(err);
}

/**
 * A scheduled job whose process died (another daemon killed mid-backup) never ends by itself, and the jobs
 * store marks such orphans failed only when a store is opened: a long-running daemon marks them here, so
 * that `wait` does not wait forever and on_execution_failure applies.
 */
function failIfOrphaned(d: SchedulerDeps, jobId: bigint): void {
  const j = d.jobs.find(jobId);
  if (j === undefined || isTerminal(j.status) || j.coordinatorId === process.pid || isAlive(j.coordinatorId))
    return;
  d.jobs.setStatus(
    jobId,
    'failed',
    'the process running this job exited before it finished; run the statement again',
  );
}

function runningJob(d: SchedulerDeps, s: ScheduleRecord): boolean {
  return d.state.jobsOf(s.id).some((id) => {
    failIfOrphaned(d, id);
    const j = d.jobs.find(id);
    return j !== undefined && !isTerminal(j.status);
  });
}

function onFailure(d: SchedulerDeps, s: ScheduleRecord, error: string, now: number): void {
  switch (s.details.onExecutionFailure) {
    case 'retry':
      d.state.updateSchedule(s.id, { state: `retrying: ${error}`, nextRun: now + RETRY_DELAY_MS });
      return;
    case 'pause':
      d.state.updateSchedule(s.id, { status: 'PAUSED', state: `paused after a failure: ${error}` });
      return;
    case 'reschedule':
      d.state.updateSchedule(s.id, { state: `reschedule: ${error}` });
      return;
  }
}

async function onSuccess(d: SchedulerDeps, s: ScheduleRecord, now: number): Promise<void> {
  d.state.updateSchedule(s.id, { state: null });
  if (s.backupType !== 'full') return;
  const inc = s.dependentId === null ? undefined : d.state.schedule(s.dependentId);
  if (
    inc !== undefined &&
    inc.status === 'PAUSED' &&
    inc.state === WAITING_FOR_FULL &&
    inc.recurrence !== null
  )
    d.state.updateSchedule(inc.id, {
      status: 'ACTIVE',
      state: null,
      nextRun: nextOccurrence(inc.recurrence, now),
    });
  if (s.details.keepFull !== undefined && d.retain !== undefined) {
    try {
      await d.retain(s.command, s.details.keepFull);
    } catch (err) {
      d.state.updateSchedule(s.id, { state: `retention failed: ${message(err)}` });
    }
  }
}

/** Settles ended jobs, then starts every due occurrence this process wins. */
export async function runDueSchedules(d: SchedulerDeps, now: number): Promise<TickReport> {
  const report: TickReport = { started: [], failed: [], skipped: [], waiting: [], settled: [] };
  for (const r of d.state.unsettled()) {
    failIfOrphaned(d, r.jobId);
    const job = d.jobs.find(r.jobId);
    if (job === undefined || !isTerminal(job.status)) continue;
    const outcome = job.status === 'succeeded' ? 'succeeded' : `${job.status}: ${job.error ?? ''}`;
    if (!d.state.settle(r.scheduleId, r.scheduledFor, outcome)) continue;
    report.settled.push({ scheduleId: r.scheduleId, scheduledFor: r.scheduledFor, outcome });
    const s = d.state.schedule(r.scheduleId);
    if (s === undefined) continue;
    if (job.status === 'succeeded') await onSuccess(d, s, now);
    else onFailure(d, s, job.error ?? job.status, now);
  }
  for (const s of d.state.due(now)) {
    const at = s.nextRun!;
    const next = s.recurrence === null ? null : nextOccurrence(s.recurrence, now);
    if (runningJob(d, s)) {
      if (s.details.onPreviousRunning === 'wait') {
        report.waiting.push(s.id);
        continue;
      }
      if (s.details.onPreviousRunning === 'skip') {
        if (d.state.claim(s.id, at, next)) {
          d.state.settle(s.id, at, 'skipped: the previous run was still going');
          report.skipped.push({ scheduleId: s.id, scheduledFor: at });
          d.log?.(
            `schedule ${s.id}: skipped the run due at ${new Date(at).toISOString()} (previous still running)`,
          );
        }
        continue;
      }
    }
    if (!d.state.claim(s.id, at, next)) continue;
    try {
      const jobId = await d.start(s.command);
      d.state.setRunJob(s.id, at, jobId);
      report.started.push({ scheduleId: s.id, scheduledFor: at, jobId });
      d.log?.(`schedule ${s.id}: started job ${jobId} for ${new Date(at).toISOString()}`);
    } catch (err) {
      const error = message(err);
      d.state.settle(s.id, at, `failed: ${error}`);
      onFailure(d, s, error, now);
      report.failed.push({ scheduleId: s.id, scheduledFor: at, error });
      d.log?.(`schedule ${s.id}: the run due at ${new Date(at).toISOString()} failed: ${error}`);
    }
  }
  return report;
}
