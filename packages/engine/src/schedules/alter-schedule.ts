// ALTER BACKUP SCHEDULE n SET … / EXECUTE [FULL] IMMEDIATELY, on a schedule and the other of its pair, as
// CockroachDB does: the label, destination, backup options and schedule options apply to both; RECURRING to
// the incremental schedule (or the only one, with FULL BACKUP ALWAYS), FULL BACKUP to the full one.
// `SET FULL BACKUP ALWAYS` on a pair drops the incremental schedule and gives its crontab to the full one;
// `SET FULL BACKUP '<cron>'` on a full-only schedule creates the incremental schedule, recurring on the old
// crontab and paused until a full backup completes, and the full one then recurs on the new crontab
// (CockroachDB's pkg/ccl/backupccl/alter_backup_schedule.go: FULL BACKUP first, then RECURRING, then the rest;
// incrementals must come more often than fulls).
import { StrongroomError } from '@strongroom/errors';
import type { ResultSet } from '@strongroom/sources';
import {
  type AlterBackupScheduleStatement,
  type BackupStatement,
  format,
  parseStatement,
  type ScheduleCommand,
  type StringValue,
} from '@strongroom/sql';
import type { EngineContext } from '../context.js';
import type { OnFailure, OnPreviousRunning, ScheduleRecord } from '../state/state-store.js';
import { checkStatement } from '../statements/statement-check.js';
import { int, str } from '../statements/values.js';
import { checkCron, nextOccurrence, period } from './cron.js';
import { CREATED_SCHEDULE_COLUMNS } from './schedule-columns.js';
import { checkScheduleSecrets, WAITING_FOR_FULL } from './schedule-plan.js';
import { createdScheduleRow } from './schedule-statements.js';

const unsupported = (m: string): StrongroomError =>
  new StrongroomError('UNSUPPORTED_STATEMENT', m, { hint: 'DROP SCHEDULE and CREATE SCHEDULE again' });

function backupOf(command: string): BackupStatement {
  const ast = parseStatement(command);
  if (ast.kind !== 'backup') throw new StrongroomError('INTERNAL', 'a schedule holds a BACKUP');
  return ast;
}

function oneOf<T extends string>(name: string, v: string, allowed: readonly T[]): T {
  const x = v.toLowerCase();
  if (!allowed.includes(x as T))
    throw new StrongroomError(
      'INVALID_OPTION',
      `${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`,
    );
  return x as T;
}

/** The schedules being altered, as they become; `created` and `dropped` change the pair itself. */
interface Pair {
  full: ScheduleRecord;
  inc: ScheduleRecord | undefined;
  created: ScheduleRecord | undefined;
  dropped: bigint | undefined;
}

interface Alteration {
  readonly ctx: EngineContext;
  readonly pair: Pair;
  readonly now: number;
}

/** A schedule recurring on `cron` from now on (a paused one keeps no next run of its own). */
function recurring(s: ScheduleRecord, cron: string, now: number): ScheduleRecord {
  return { ...s, recurrence: cron, nextRun: s.status === 'ACTIVE' ? nextOccurrence(cron, now) : s.nextRun };
}

function both(pair: Pair, f: (s: ScheduleRecord) => ScheduleRecord): void {
  pair.full = f(pair.full);
  pair.inc = pair.inc && f(pair.inc);
}

function rewrite(pair: Pair, f: (b: BackupStatement) => BackupStatement): void {
  both(pair, (s) => {
    const b = f(backupOf(s.command));
    checkStatement(b);
    checkScheduleSecrets(
      s.backupType === 'incremental'
        ? { ...b, destination: { kind: 'collection', uris: b.destination.uris } }
        : b,
    );
    return { ...s, command: format(b, { redact: false }) };
  });
}

function crontab(v: StringValue | { readonly kind: string }, what: string): string {
  if (v.kind !== 'string') throw new StrongroomError('INVALID_OPTION', `${what} takes a crontab`);
  const cron = str(v as StringValue);
  checkCron(cron);
  return cron;
}

function setRecurring(a: Alteration, c: Extract<ScheduleCommand, { kind: 'set_recurring' }>): void {
  const cron = crontab(c.recurrence, 'RECURRING');
  const { pair } = a;
  if (pair.inc !== undefined) pair.inc = recurring(pair.inc, cron, a.now);
  else pair.full = recurring(pair.full, cron, a.now);
}

function setFullBackup(a: Alteration, c: Extract<ScheduleCommand, { kind: 'set_full_backup' }>): void {
  const { pair, now } = a;
  if (c.recurrence.kind === 'always') {
    if (pair.inc !== undefined) dropIncrementals(pair, now);
    return;
  }
  if (c.recurrence.kind === 'never')
    throw new StrongroomError('INVALID_OPTION', 'FULL BACKUP takes a crontab or ALWAYS');
  const cron = crontab(c.recurrence, 'FULL BACKUP');
  if (pair.inc === undefined) addIncrementals(a);
  pair.full = recurring(pair.full, cron, now);
}

/** FULL BACKUP ALWAYS on a pair: the full schedule takes the incremental one's crontab, which is dropped. */
function dropIncrementals(pair: Pair, now: number): void {
  const inc = pair.inc as ScheduleRecord;
  const cron = inc.recurrence;
  pair.full = { ...(cron === null ? pair.full : recurring(pair.full, cron, now)), dependentId: null };
  pair.dropped = inc.id;
  pair.inc = undefined;
}

/**
 * FULL BACKUP '<cron>' on a full-only schedule: an incremental schedule on the full one's crontab, paused
 * until a full backup completes (as CREATE SCHEDULE makes it), BACKUP INTO LATEST IN the same collection.
 */
function addIncrementals(a: Alteration): void {
  const { pair, now } = a;
  const full = pair.full;
  const b = backupOf(full.command);
  const inc: ScheduleRecord = {
    id: a.ctx.state.newId(),
    label: full.label,
    owner: full.owner,
    status: 'PAUSED',
    state: WAITING_FOR_FULL,
    recurrence: full.recurrence,
    nextRun: null,
    created: new Date(now),
    command: format({ ...b, destination: { kind: 'latest', uris: b.destination.uris } }, { redact: false }),
    backupType: 'incremental',
    // An incremental never runs beside another of its chain (CockroachDB: always `wait`).
    details: { ...full.details, onPreviousRunning: 'wait' },
    dependentId: full.id,
  };
  pair.inc = inc;
  pair.created = inc;
  pair.full = { ...full, dependentId: inc.id };
}

/**
 * SET INTO: both schedules back up into the new collection. A pair's incremental schedule then waits for a
 * full backup there (paused as CREATE SCHEDULE makes it, woken when one completes), and the full schedule
 * runs now so that it does not wait long (CockroachDB's processInto).
 */
function setInto(a: Alteration, uris: BackupStatement['destination']['uris']): void {
  const { pair, now } = a;
  rewrite(pair, (b) => ({ ...b, destination: { ...b.destination, uris } }));
  if (pair.inc === undefined) return;
  pair.inc = { ...pair.inc, status: 'PAUSED', state: WAITING_FOR_FULL, nextRun: null };
  pair.full = { ...pair.full, status: 'ACTIVE', state: null, nextRun: now };
}

function parseFirstRun(value: string, now: number): number {
  const t =
    value.toLowerCase() === 'now'
      ? now
      : Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  if (Number.isNaN(t))
    throw new StrongroomError('INVALID_OPTION', `first_run: cannot parse ${JSON.stringify(value)}`);
  return t;
}

function setScheduleOption(
  a: Alteration,
  c: Extract<ScheduleCommand, { kind: 'set_schedule_option' }>,
): void {
  const { pair } = a;
  const name = c.option.name;
  const value = c.option.value === undefined ? undefined : str(c.option.value);
  if (value === undefined) {
    if (name === 'ignore_existing_backups') return;
    throw new StrongroomError('INVALID_OPTION', `SET SCHEDULE OPTION ${name} needs a value here`);
  }
  switch (name) {
    case 'on_execution_failure': {
      const v = oneOf<OnFailure>(name, value, ['retry', 'reschedule', 'pause']);
      both(pair, (s) => ({ ...s, details: { ...s.details, onExecutionFailure: v } }));
      return;
    }
    case 'on_previous_running': {
      const v = oneOf<OnPreviousRunning>(name, value, ['start', 'skip', 'wait']);
      // The incremental schedule always waits (as in CockroachDB).
      pair.full = { ...pair.full, details: { ...pair.full.details, onPreviousRunning: v } };
      return;
    }
    case 'keep_full':
      if (!/^[1-9][0-9]*$/.test(value))
        throw new StrongroomError('INVALID_OPTION', 'keep_full must be a positive integer');
      both(pair, (s) => ({ ...s, details: { ...s.details, keepFull: Number(value) } }));
      return;
    case 'first_run':
      pair.full = { ...pair.full, nextRun: parseFirstRun(value, a.now) };
      return;
    case 'ignore_existing_backups':
      return;
    default:
      throw new StrongroomError('INVALID_OPTION', `SET SCHEDULE OPTION ${name} needs a value here`);
  }
}

/**
 * EXECUTE [FULL] IMMEDIATELY: the incremental schedule (or the only one), or the full one, runs now. A paused
 * schedule is refused, as in CockroachDB (running it would resume it behind the user's back): an
 * incremental one waiting for its first full backup points at EXECUTE FULL IMMEDIATELY, any other at RESUME.
 */
function executeImmediately(
  a: Alteration,
  c: Extract<ScheduleCommand, { kind: 'execute_immediately' }>,
): void {
  const { pair } = a;
  const target = c.full || pair.inc === undefined ? pair.full : pair.inc;
  const waiting = target === pair.inc && target.state === WAITING_FOR_FULL;
  if (target.status === 'PAUSED')
    throw new StrongroomError(
      'JOB_STATE',
      waiting
        ? `incremental backup schedule ${target.id} is waiting for a full backup to complete`
        : `cannot execute a paused schedule (${target.id}); use RESUME SCHEDULE instead`,
      {
        hint: waiting
          ? `EXECUTE FULL IMMEDIATELY runs the full backup schedule ${pair.full.id} now`
          : `RESUME SCHEDULE ${target.id}, then EXECUTE IMMEDIATELY`,
      },
    );
  const ran = { ...target, nextRun: a.now };
  if (target === pair.inc) pair.inc = ran;
  else pair.full = ran;
}

function apply(a: Alteration, c: ScheduleCommand): void {
  switch (c.kind) {
    case 'set_label':
      both(a.pair, (s) => ({ ...s, label: str(c.label) }));
      return;
    case 'set_into':
      setInto(a, c.uris);
      return;
    case 'set_with':
      rewrite(a.pair, (b) => ({ ...b, options: { ...b.options, ...c.options } }));
      return;
    case 'set_recurring':
      setRecurring(a, c);
      return;
    case 'set_full_backup':
      setFullBackup(a, c);
      return;
    case 'set_schedule_option':
      setScheduleOption(a, c);
      return;
    case 'execute_immediately':
      executeImmediately(a, c);
      return;
    default:
      c satisfies never;
  }
}

function incrementalsRarer({ full, inc }: Pair, now: number): boolean {
  if (inc?.recurrence == null || full.recurrence === null) return false;
  return period(full.recurrence, now) < period(inc.recurrence, now);
}

/**
 * CockroachDB's order: the pair's shape (FULL BACKUP) first, then RECURRING, then the rest as written, and
 * EXECUTE IMMEDIATELY last (after a SET INTO has paused the incremental schedule).
 */
const RANK: Partial<Record<ScheduleCommand['kind'], number>> = {
  set_full_backup: 0,
  set_recurring: 1,
  execute_immediately: 3,
};
const rank = (c: ScheduleCommand): number => RANK[c.kind] ?? 2;

export async function alterSchedule(
  ctx: EngineContext,
  ast: AlterBackupScheduleStatement,
  now: number,
): Promise<ResultSet> {
  const id = int(ast.scheduleId);
  const first = await ctx.state.schedule(id);
  if (first === undefined) throw new StrongroomError('SCHEDULE_NOT_FOUND', `schedule ${id} does not exist`);
  const other = first.dependentId === null ? undefined : await ctx.state.schedule(first.dependentId);
  const full = first.backupType === 'full' ? first : other;
  if (full === undefined)
    throw unsupported(`incremental backup schedule ${id} has no corresponding full backup schedule`);
  const pair: Pair = {
    full,
    inc: first.backupType === 'incremental' ? first : other,
    created: undefined,
    dropped: undefined,
  };
  const alteration: Alteration = { ctx, pair, now };
  for (const c of [...ast.commands].sort((x, y) => rank(x) - rank(y))) apply(alteration, c);
  if (incrementalsRarer(pair, now))
    throw new StrongroomError(
      'INVALID_OPTION',
      'incremental backups must occur more often than full backups',
    );
  const { inc, created, dropped } = pair;
  await ctx.state.alterSchedules({
    replace: [pair.full, ...(inc !== undefined && inc !== created ? [inc] : [])],
    insert: created === undefined ? [] : [created],
    remove: dropped === undefined ? [] : [dropped],
  });
  // As CREATE SCHEDULE shows them: the incremental schedule first.
  const rows = [];
  for (const s of [inc, pair.full]) if (s !== undefined) rows.push(createdScheduleRow(s));
  return { columns: [...CREATED_SCHEDULE_COLUMNS], rows, tag: 'ALTER BACKUP SCHEDULE' };
}
