// Runs due schedules, one pass at a time at a time the caller gives (so tests control the clock and the
// daemon passes Date.now()). A pass first settles occurrences whose job ended (on_execution_failure; a full
// backup's success wakes its incremental schedule and applies keep_full), then starts what is due.
// An occurrence's claim is its job record: the jobs store holds one job per (schedule, occurrence), so any
// number of daemons on one state store run it once, and a daemon that dies right after claiming leaves a
// job record (with its statement and an expiring lease) that another daemon adopts — the occurrence is
// never lost between a claim and its job. The schedule's next run then moves (StateStore.claim, idempotent).
// Missed occurrences collapse into one run, as in CockroachDB.
import { isStrongroomError } from '@strongroom/errors';
import type { JobsStore } from '../jobs/jobs-store.js';
import { isTerminal } from '../jobs/jobs-store.js';
import type { ScheduleRecord, StateStore } from '../state/state-store.js';
import { nextOccurrence } from './cron.js';
import { WAITING_FOR_FULL } from './schedule-plan.js';

/** How soon `on_execution_failure = retry` tries again. */
export const RETRY_DELAY_MS = 60_000;

export interface SchedulerDeps {
  readonly state: StateStore;
  readonly jobs: JobsStore;
  /**
   * Creates the job record of an occurrence (running under this node's lease): its id, or undefined when
   * that occurrence has its job already (another daemon claimed it).
   */
  claimJob(command: string, scheduleId: bigint, scheduledFor: number): Promise<bigint | undefined>;
  /** Plans and starts a claimed job detached; rejects (the job failed) if planning fails. */
  start(jobId: bigint): Promise<void>;
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

async function runningJob(d: SchedulerDeps, s: ScheduleRecord): Promise<boolean> {
  await d.jobs.failOrphans();
  for (const id of await d.state.jobsOf(s.id)) {
    const j = await d.jobs.find(id);
    if (j !== undefined && !isTerminal(j.status)) return true;
  }
  return false;
}

async function onFailure(d: SchedulerDeps, s: ScheduleRecord, error: string, now: number): Promise<void> {
  switch (s.details.onExecutionFailure) {
    case 'retry':
      await d.state.updateSchedule(s.id, { state: `retrying: ${error}`, nextRun: now + RETRY_DELAY_MS });
      return;
    case 'pause':
      await d.state.updateSchedule(s.id, { status: 'PAUSED', state: `paused after a failure: ${error}` });
      return;
    case 'reschedule':
      await d.state.updateSchedule(s.id, { state: `reschedule: ${error}` });
      return;
  }
}

/**
 * A run of `s` succeeded (`command`: the statement it ran). A full backup wakes the incremental schedule
 * waiting for it, but only if it ran the schedule's statement as it is now: a full backup into the old
 * collection that ends after ALTER … SET INTO must not start incrementals on the new one, which has none.
 */
async function onSuccess(
  d: SchedulerDeps,
  s: ScheduleRecord,
  command: string | null,
  now: number,
): Promise<void> {
  await d.state.updateSchedule(s.id, { state: null });
  if (s.backupType !== 'full') return;
  const inc = s.dependentId === null ? undefined : await d.state.schedule(s.dependentId);
  if (
    command === s.command &&
    inc !== undefined &&
    inc.status === 'PAUSED' &&
    inc.state === WAITING_FOR_FULL &&
    inc.recurrence !== null
  )
    await d.state.updateSchedule(inc.id, {
      status: 'ACTIVE',
      state: null,
      nextRun: nextOccurrence(inc.recurrence, now),
    });
  if (s.details.keepFull !== undefined && d.retain !== undefined) {
    try {
      await d.retain(s.command, s.details.keepFull);
    } catch (err) {
      await d.state.updateSchedule(s.id, { state: `retention failed: ${message(err)}` });
    }
  }
}

/** Settles ended jobs, then starts every due occurrence this process wins. */
export async function runDueSchedules(d: SchedulerDeps, now: number): Promise<TickReport> {
  const report: TickReport = { started: [], failed: [], skipped: [], waiting: [], settled: [] };
  await d.jobs.failOrphans();
  for (const r of await d.state.unsettled()) await settleRun(d, r, now, report);
  for (const s of await d.state.due(now)) await runOccurrence(d, s, now, report);
  return report;
}

/** Records the outcome of a scheduled run whose job ended (once), and applies the schedule's policy. */
async function settleRun(
  d: SchedulerDeps,
  r: { readonly scheduleId: bigint; readonly scheduledFor: number; readonly jobId: bigint },
  now: number,
  report: TickReport,
): Promise<void> {
  const job = await d.jobs.find(r.jobId);
  if (job === undefined || !isTerminal(job.status)) return;
  const outcome = job.status === 'succeeded' ? 'succeeded' : `${job.status}: ${job.error ?? ''}`;
  if (!(await d.state.settle(r.scheduleId, r.scheduledFor, outcome))) return;
  report.settled.push({ scheduleId: r.scheduleId, scheduledFor: r.scheduledFor, outcome });
  const s = await d.state.schedule(r.scheduleId);
  if (s === undefined) return;
  if (job.status === 'succeeded') await onSuccess(d, s, job.payload, now);
  else await onFailure(d, s, job.error ?? job.status, now);
}

/** The due occurrence of `s`: its job started once, or waited for, or skipped, as its options say. */
async function runOccurrence(
  d: SchedulerDeps,
  s: ScheduleRecord,
  now: number,
  report: TickReport,
): Promise<void> {
  const at = s.nextRun!;
  const next = s.recurrence === null ? null : nextOccurrence(s.recurrence, now);
  const claimedBefore = await d.jobs.forOccurrence(s.id, at);
  if (claimedBefore !== undefined) {
    // A daemon created this occurrence's job and died before moving the schedule on: finish its claim (the
    // job itself is adopted by whichever daemon finds its lease expired).
    await d.state.claim(s.id, at, next, d.jobs.nodeId, claimedBefore.id);
    return;
  }
  if (await runningJob(d, s)) {
    if (s.details.onPreviousRunning === 'wait') {
      report.waiting.push(s.id);
      return;
    }
    if (s.details.onPreviousRunning === 'skip') {
      await skipOccurrence(d, s, at, next, report);
      return;
    }
  }
  const jobId = await d.claimJob(s.command, s.id, at);
  if (jobId === undefined) return;
  await d.state.claim(s.id, at, next, d.jobs.nodeId, jobId);
  try {
    await d.start(jobId);
    report.started.push({ scheduleId: s.id, scheduledFor: at, jobId });
    d.log?.(`schedule ${s.id}: started job ${jobId} for ${new Date(at).toISOString()}`);
  } catch (err) {
    const error = message(err);
    await d.state.settle(s.id, at, `failed: ${error}`);
    await onFailure(d, s, error, now);
    report.failed.push({ scheduleId: s.id, scheduledFor: at, error });
    d.log?.(`schedule ${s.id}: the run due at ${new Date(at).toISOString()} failed: ${error}`);
  }
}

async function skipOccurrence(
  d: SchedulerDeps,
  s: ScheduleRecord,
  at: number,
  next: number | null,
  report: TickReport,
): Promise<void> {
  if (!(await d.state.claim(s.id, at, next, d.jobs.nodeId))) return;
  await d.state.settle(s.id, at, 'skipped: the previous run was still going');
  report.skipped.push({ scheduleId: s.id, scheduledFor: at });
  d.log?.(`schedule ${s.id}: skipped the run due at ${new Date(at).toISOString()} (previous still running)`);
}
