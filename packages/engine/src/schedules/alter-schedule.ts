// ALTER BACKUP SCHEDULE n SET … / EXECUTE [FULL] IMMEDIATELY, on a schedule and the other of its pair, as
// CockroachDB does: the label, destination, backup options and schedule options apply to both; RECURRING to
// the incremental schedule (or the only one, with FULL BACKUP ALWAYS), FULL BACKUP to the full one. Turning a
// pair into FULL BACKUP ALWAYS or back is refused (drop and create the schedule instead).
import { StrongroomError } from '@strongroom/errors';
import type { ResultSet } from '@strongroom/sources';
import {
  type AlterBackupScheduleStatement,
  type BackupStatement,
  format,
  parseStatement,
  type ScheduleCommand,
} from '@strongroom/sql';
import type { EngineContext } from '../context.js';
import type { OnFailure, OnPreviousRunning, ScheduleRecord } from '../state/state-store.js';
import { checkStatement } from '../statements/statement-check.js';
import { int, str } from '../statements/values.js';
import { checkCron, nextOccurrence } from './cron.js';
import { checkScheduleSecrets } from './schedule-plan.js';
import { showSchedules } from './schedule-statements.js';

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

export async function alterSchedule(
  ctx: EngineContext,
  ast: AlterBackupScheduleStatement,
  now: number,
): Promise<ResultSet> {
  const id = int(ast.scheduleId);
  const first = await ctx.state.schedule(id);
  if (first === undefined) throw new StrongroomError('SCHEDULE_NOT_FOUND', `schedule ${id} does not exist`);
  const other = first.dependentId === null ? undefined : await ctx.state.schedule(first.dependentId);
  let full: ScheduleRecord | undefined = first.backupType === 'full' ? first : other;
  let inc: ScheduleRecord | undefined = first.backupType === 'incremental' ? first : other;
  const both = (f: (s: ScheduleRecord) => ScheduleRecord): void => {
    full = full && f(full);
    inc = inc && f(inc);
  };
  const rewrite = (f: (b: BackupStatement) => BackupStatement): void =>
    both((s) => {
      const b = f(backupOf(s.command));
      checkStatement(b);
      checkScheduleSecrets(
        s.backupType === 'incremental'
          ? { ...b, destination: { kind: 'collection', uris: b.destination.uris } }
          : b,
      );
      return { ...s, command: format(b, { redact: false }) };
    });
  for (const c of ast.commands) apply(c);

  function apply(c: ScheduleCommand): void {
    switch (c.kind) {
      case 'set_label':
        both((s) => ({ ...s, label: str(c.label) }));
        return;
      case 'set_into':
        rewrite((b) => ({ ...b, destination: { ...b.destination, uris: c.uris } }));
        return;
      case 'set_with':
        rewrite((b) => ({ ...b, options: { ...b.options, ...c.options } }));
        return;
      case 'set_recurring': {
        if (c.recurrence.kind !== 'string')
          throw new StrongroomError('INVALID_OPTION', 'RECURRING takes a crontab');
        const cron = str(c.recurrence);
        checkCron(cron);
        const target = inc ?? full!;
        const next = target.status === 'ACTIVE' ? nextOccurrence(cron, now) : target.nextRun;
        if (target === inc) inc = { ...target, recurrence: cron, nextRun: next };
        else full = { ...target, recurrence: cron, nextRun: next };
        return;
      }
      case 'set_full_backup': {
        if (c.recurrence.kind === 'always') {
          if (inc !== undefined)
            throw unsupported('this schedule takes incremental backups: FULL BACKUP ALWAYS would drop them');
          return;
        }
        if (c.recurrence.kind === 'never')
          throw new StrongroomError('INVALID_OPTION', 'FULL BACKUP takes a crontab or ALWAYS');
        if (inc === undefined)
          throw unsupported('this schedule takes only full backups (FULL BACKUP ALWAYS)');
        const cron = str(c.recurrence);
        checkCron(cron);
        full = {
          ...full!,
          recurrence: cron,
          nextRun: full!.status === 'ACTIVE' ? nextOccurrence(cron, now) : full!.nextRun,
        };
        return;
      }
      case 'set_schedule_option': {
        const name = c.option.name;
        const value = c.option.value === undefined ? undefined : str(c.option.value);
        if (name === 'on_execution_failure' && value !== undefined) {
          const v = oneOf<OnFailure>(name, value, ['retry', 'reschedule', 'pause']);
          both((s) => ({ ...s, details: { ...s.details, onExecutionFailure: v } }));
        } else if (name === 'on_previous_running' && value !== undefined) {
          const v = oneOf<OnPreviousRunning>(name, value, ['start', 'skip', 'wait']);
          // The incremental schedule always waits (as in CockroachDB).
          full = full && { ...full, details: { ...full.details, onPreviousRunning: v } };
        } else if (name === 'keep_full' && value !== undefined) {
          if (!/^[1-9][0-9]*$/.test(value))
            throw new StrongroomError('INVALID_OPTION', 'keep_full must be a positive integer');
          both((s) => ({ ...s, details: { ...s.details, keepFull: Number(value) } }));
        } else if (name === 'first_run' && value !== undefined) {
          const t =
            value.toLowerCase() === 'now'
              ? now
              : Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
          if (Number.isNaN(t))
            throw new StrongroomError('INVALID_OPTION', `first_run: cannot parse ${JSON.stringify(value)}`);
          full = { ...full!, nextRun: t };
        } else if (name !== 'ignore_existing_backups')
          throw new StrongroomError('INVALID_OPTION', `SET SCHEDULE OPTION ${name} needs a value here`);
        return;
      }
      case 'execute_immediately': {
        const target = c.full || inc === undefined ? full! : inc;
        const woke = {
          ...target,
          status: 'ACTIVE' as const,
          state: target.status === 'PAUSED' ? null : target.state,
          nextRun: now,
        };
        if (target === inc) inc = woke;
        else full = woke;
        return;
      }
      default:
        c satisfies never;
    }
  }
  for (const s of [full, inc]) if (s !== undefined) await ctx.state.replaceSchedule(s);
  const rows = [];
  for (const s of [inc, full]) if (s !== undefined) rows.push(...(await showSchedules(ctx, s.id)).rows);
  return { ...(await showSchedules(ctx, id)), rows, tag: 'ALTER BACKUP SCHEDULE' };
}
