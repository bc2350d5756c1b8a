// CREATE SCHEDULE FOR BACKUP, SHOW SCHEDULE[S], SHOW CREATE SCHEDULE, PAUSE / RESUME / DROP SCHEDULE.
// Schedules live in the state store; `strongroom serve` runs them (scheduler.ts).
import { assertNever, StrongroomError } from '@strongroom/errors';
import type { ResultSet, ResultValue } from '@strongroom/sources';
import type {
  CreateScheduleStatement,
  ScheduleControlStatement,
  ShowCreateScheduleStatement,
} from '@strongroom/sql';
import { quoteString } from '@strongroom/sql';
import { stripLocality } from '../collection/collection.js';
import type { EngineContext } from '../context.js';
import { isTerminal } from '../jobs/jobs-store.js';
import type { ScheduleRecord } from '../state/state-store.js';
import { int } from '../statements/values.js';
import { nextOccurrence } from './cron.js';
import { CREATED_SCHEDULE_COLUMNS, SCHEDULE_COLUMNS, SHOW_CREATE_COLUMNS } from './schedule-columns.js';
import { planSchedules } from './schedule-plan.js';

async function find(ctx: EngineContext, id: bigint): Promise<ScheduleRecord> {
  const s = await ctx.state.schedule(id);
  if (s === undefined) throw new StrongroomError('SCHEDULE_NOT_FOUND', `schedule ${id} does not exist`);
  return s;
}

/** Whether the collection already holds anything (CockroachDB refuses to schedule into a used one). */
async function collectionUsed(ctx: EngineContext, uri: string): Promise<boolean> {
  const store = await ctx.storage.open(stripLocality(uri), ctx.storageCtx);
  try {
    for await (const _ of store.list('', { delimiter: '/' })) return true;
    return false;
  } finally {
    await store.close?.();
  }
}

export async function createSchedule(
  ctx: EngineContext,
  ast: CreateScheduleStatement,
  now: number,
): Promise<ResultSet> {
  const empty = { columns: [...CREATED_SCHEDULE_COLUMNS], rows: [], tag: 'CREATE SCHEDULE' };
  const plan = planSchedules(ast, ctx.user, now, () => ctx.state.newId());
  const label = plan.schedules[0]!.label;
  if (ast.ifNotExists && (await ctx.state.labelExists(label))) return empty;
  const dest = ast.backup.destination.uris[0];
  if (!plan.ignoreExistingBackups && dest?.kind === 'string' && (await collectionUsed(ctx, dest.value)))
    throw new StrongroomError(
      'BACKUP_EXISTS',
      `backups already exist in ${ctx.storage.redact(dest.value)}; CREATE SCHEDULE into a used collection needs a decision`,
      { hint: 'add WITH SCHEDULE OPTIONS ignore_existing_backups, or schedule into a new collection' },
    );
  await ctx.state.insertSchedules(plan.schedules);
  return { ...empty, rows: plan.schedules.map(createdScheduleRow) };
}

/**
 * A schedule as CREATE SCHEDULE FOR BACKUP and ALTER BACKUP SCHEDULE show it (CRDB's emitSchedule): a
 * paused one has no first run, and its status says why it is paused.
 */
export function createdScheduleRow(s: ScheduleRecord): ResultValue[] {
  const paused = s.status === 'PAUSED';
  return [
    s.id,
    s.label,
    paused ? (s.state === null ? 'PAUSED' : `PAUSED: ${s.state}`) : 'ACTIVE',
    paused || s.nextRun === null ? null : new Date(s.nextRun),
    s.recurrence,
    s.command,
  ];
}

function commandJson(s: ScheduleRecord): string {
  return JSON.stringify({
    backup_statement: s.command,
    backup_type: s.backupType === 'full' ? 'FULL' : 'INCREMENTAL',
    ...(s.dependentId === null ? {} : { dependent_schedule_id: String(s.dependentId) }),
    ...(s.details.keepFull === undefined ? {} : { keep_full: s.details.keepFull }),
  });
}

export async function showSchedules(ctx: EngineContext, id?: bigint): Promise<ResultSet> {
  const all = id === undefined ? await ctx.state.schedules() : [await find(ctx, id)];
  const rows = [];
  for (const s of all) {
    let running = 0;
    for (const j of await ctx.state.jobsOf(s.id)) {
      const job = await ctx.jobs.find(j);
      if (job !== undefined && !isTerminal(job.status)) running++;
    }
    rows.push([
      s.id,
      s.label,
      s.status,
      s.nextRun === null || s.status === 'PAUSED' ? null : new Date(s.nextRun),
      s.state,
      s.recurrence,
      BigInt(running),
      s.owner,
      s.created,
      commandJson(s),
    ]);
  }
  return { columns: [...SCHEDULE_COLUMNS], rows, tag: 'SHOW SCHEDULES' };
}

/** The CREATE SCHEDULE that makes a schedule (and its pair), rebuilt from what is stored. */
async function createStatement(ctx: EngineContext, s: ScheduleRecord): Promise<string> {
  const pair = s.dependentId === null ? undefined : await ctx.state.schedule(s.dependentId);
  const full = s.backupType === 'full' ? s : pair;
  const inc = s.backupType === 'incremental' ? s : pair;
  const command = full?.command ?? s.command.replace(/ INTO LATEST IN /, ' INTO ');
  const recurring = inc?.recurrence ?? full?.recurrence ?? '';
  const fullBackup = inc === undefined ? 'ALWAYS' : quoteString(full?.recurrence ?? '');
  const d = s.details;
  const opts = [
    `on_execution_failure = '${d.onExecutionFailure}'`,
    `on_previous_running = '${full?.details.onPreviousRunning ?? d.onPreviousRunning}'`,
    ...(d.keepFull === undefined ? [] : [`keep_full = '${d.keepFull}'`]),
  ];
  return (
    `CREATE SCHEDULE ${quoteString(s.label)} FOR ${command} RECURRING ${quoteString(recurring)} ` +
    `FULL BACKUP ${fullBackup} WITH SCHEDULE OPTIONS ${opts.join(', ')}`
  );
}

export async function showCreateSchedule(
  ctx: EngineContext,
  ast: ShowCreateScheduleStatement,
): Promise<ResultSet> {
  const all =
    ast.scheduleId === undefined ? await ctx.state.schedules() : [await find(ctx, int(ast.scheduleId))];
  const rows = [];
  for (const s of all) rows.push([s.id, await createStatement(ctx, s)]);
  return {
    columns: [...SHOW_CREATE_COLUMNS],
    rows,
    tag: 'SHOW CREATE SCHEDULE',
  };
}

/** PAUSE / RESUME / DROP SCHEDULE n, or SCHEDULES <select> (every schedule the query names). */
export async function controlSchedule(
  ctx: EngineContext,
  ast: ScheduleControlStatement,
  now: number,
): Promise<ResultSet> {
  const ids: bigint[] = [];
  if (ast.schedules.kind === 'schedule') ids.push((await find(ctx, int(ast.schedules.scheduleId))).id);
  else
    for (const id of await ctx.state.scheduleIdsOf(ast.schedules.query.text))
      if ((await ctx.state.schedule(id)) !== undefined) ids.push(id);
  for (const id of ids) {
    const s = await find(ctx, id);
    switch (ast.kind) {
      case 'pause_schedule':
        await ctx.state.updateSchedule(s.id, { status: 'PAUSED', state: 'paused by user' });
        break;
      case 'resume_schedule':
        // The next occurrence from now: what was missed while paused is not run.
        await ctx.state.updateSchedule(s.id, {
          status: 'ACTIVE',
          state: null,
          nextRun: s.recurrence === null ? null : nextOccurrence(s.recurrence, now),
        });
        break;
      case 'drop_schedule':
        await ctx.state.deleteSchedule(s.id);
        break;
      default:
        assertNever(ast.kind, 'schedule statement');
    }
  }
  const verb = ast.kind.slice(0, -9).toUpperCase();
  return {
    columns: [],
    rows: [],
    tag: ast.schedules.kind === 'schedule' ? `${verb} SCHEDULE 1` : `${verb} SCHEDULES ${ids.length}`,
  };
}
