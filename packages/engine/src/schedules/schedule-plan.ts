// CREATE SCHEDULE FOR BACKUP, as CockroachDB does it: a full-backup schedule and, unless FULL BACKUP ALWAYS,
// an incremental one (`BACKUP INTO LATEST IN …`) that waits, paused, until the first full backup completed.
// A schedule's command is stored in the state store, so it may hold no secret: URIs with credentials and KMS
// keys come in through external connections, and encryption_passphrase is refused.
import { StrongroomError } from '@strongroom/errors';
import type { BackupStatement, CreateScheduleStatement, ScheduleOption, StringValue } from '@strongroom/sql';
import { format } from '@strongroom/sql';
import type { OnFailure, OnPreviousRunning, ScheduleDetails, ScheduleRecord } from '../state/state-store.js';
import { checkCron, nextOccurrence, period } from './cron.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const WAITING_FOR_FULL = 'Waiting for initial backup to complete';

const invalid = (message: string, hint?: string): StrongroomError =>
  new StrongroomError('INVALID_OPTION', message, hint === undefined ? {} : { hint });

/** The scheduled BACKUP carries no secret: its redacted and plain forms are the same text. */
export function checkScheduleSecrets(b: BackupStatement): void {
  if (b.options.encryptionPassphrase !== undefined)
    throw invalid(
      'a scheduled backup cannot use encryption_passphrase: a schedule stores its statement, and a passphrase must not be stored',
      "encrypt with kms = 'external://<connection>' (CREATE EXTERNAL CONNECTION <name> AS '<kms uri>')",
    );
  if (format(b) !== format(b, { redact: false }))
    throw invalid(
      'a scheduled backup cannot hold credentials in its URIs: a schedule stores its statement',
      "CREATE EXTERNAL CONNECTION <name> AS '<uri>' and schedule BACKUP INTO 'external://<name>'",
    );
  if (b.destination.kind !== 'collection')
    throw invalid('a scheduled backup goes INTO a collection URI (not LATEST IN or a subdirectory IN)');
}

function optionValue(o: ScheduleOption | undefined): string | undefined {
  if (o?.value === undefined) return undefined;
  if (o.value.kind === 'placeholder') return undefined; // checked once bound
  return o.value.value;
}

function recurrenceText(r: CreateScheduleStatement['recurring']): string | undefined {
  if (r.kind === 'string') return r.value;
  return undefined;
}

/** Option values and crontabs (as far as they are literals). */
export function checkScheduleOptions(s: CreateScheduleStatement): void {
  const opt = (name: string) => s.scheduleOptions.find((o) => o.name === name);
  const oneOf = (name: string, values: readonly string[]): void => {
    const v = optionValue(opt(name));
    if (v !== undefined && !values.includes(v.toLowerCase()))
      throw invalid(`${name} must be one of ${values.join(', ')}, not ${JSON.stringify(v)}`);
  };
  oneOf('on_execution_failure', ['retry', 'reschedule', 'pause']);
  oneOf('on_previous_running', ['start', 'skip', 'wait']);
  if (opt('updates_cluster_last_backup_time_metric') !== undefined)
    throw new StrongroomError(
      'UNSUPPORTED_STATEMENT',
      'updates_cluster_last_backup_time_metric is not supported: strongroom exports no cluster metrics',
    );
  const keep = optionValue(opt('keep_full'));
  if (keep !== undefined && !/^[1-9][0-9]*$/.test(keep))
    throw invalid('keep_full must be a positive integer');
  for (const name of ['ignore_existing_backups']) {
    const o = opt(name);
    if (
      o?.value !== undefined &&
      optionValue(o) !== undefined &&
      !['true', 'false'].includes(optionValue(o)!)
    )
      throw invalid(`${name} takes no value (or true / false)`);
  }
  const first = optionValue(opt('first_run'));
  if (first !== undefined) parseFirstRun(first, Date.now());
  if (s.recurring.kind === 'never')
    throw new StrongroomError('UNSUPPORTED_STATEMENT', 'RECURRING NEVER is not supported: give a crontab');
  if (s.recurring.kind === 'always') throw invalid('RECURRING takes a crontab, not ALWAYS');
  const rec = recurrenceText(s.recurring);
  if (rec !== undefined) checkCron(rec);
  if (s.fullBackup?.kind === 'never') throw invalid('FULL BACKUP takes a crontab or ALWAYS, not NEVER');
  const full = s.fullBackup === undefined ? undefined : recurrenceText(s.fullBackup);
  if (full !== undefined) checkCron(full);
}

function parseFirstRun(v: string, now: number): number {
  if (v.toLowerCase() === 'now') return now;
  const withZone = /[zZ]|[+-]\d{2}(:?\d{2})?$/.test(v) ? v : `${v}Z`;
  const t = new Date(withZone.replace(' ', 'T')).getTime();
  if (Number.isNaN(t)) throw invalid(`first_run: cannot parse ${JSON.stringify(v)} as a timestamp`);
  return t;
}

function str(v: StringValue): string {
  if (v.kind === 'placeholder')
    throw new StrongroomError('MISSING_PARAMETER', `no value provided for placeholder: $${v.index}`);
  return v.value;
}

export interface SchedulePlan {
  /** The incremental schedule first (as CockroachDB lists them), then the full one. */
  readonly schedules: readonly ScheduleRecord[];
  readonly ignoreExistingBackups: boolean;
}

/**
 * The full backups' crontab, or `always` (full backups only). CockroachDB's default: daily under hourly
 * incrementals, weekly under daily ones, only fulls under anything rarer.
 */
function fullCadence(s: CreateScheduleStatement, recurring: string, now: number): string {
  if (s.fullBackup !== undefined)
    return s.fullBackup.kind === 'always' ? 'always' : str(s.fullBackup as StringValue);
  const p = period(recurring, now);
  return p <= HOUR ? '@daily' : p <= DAY ? '@weekly' : 'always';
}

/** The schedule records a bound CREATE SCHEDULE makes, with ids from `newId`. */
export function planSchedules(
  s: CreateScheduleStatement,
  owner: string,
  now: number,
  newId: () => bigint,
): SchedulePlan {
  checkScheduleSecrets(s.backup);
  checkScheduleOptions(s);
  const opt = (name: string) => s.scheduleOptions.find((o) => o.name === name);
  const value = (name: string) => {
    const o = opt(name);
    return o?.value === undefined ? undefined : str(o.value);
  };
  const recurring = str(s.recurring as StringValue);
  const full = fullCadence(s, recurring, now);
  const base: Omit<ScheduleDetails, 'onPreviousRunning'> = {
    onExecutionFailure: (value('on_execution_failure')?.toLowerCase() ?? 'reschedule') as OnFailure,
    ...(value('keep_full') === undefined ? {} : { keepFull: Number(value('keep_full')) }),
  };
  const onPrevious = (value('on_previous_running')?.toLowerCase() ?? 'wait') as OnPreviousRunning;
  const firstRun = value('first_run');
  const label = s.label === undefined ? 'BACKUP' : str(s.label);
  const ignore = opt('ignore_existing_backups') !== undefined && value('ignore_existing_backups') !== 'false';
  const fullStatement: BackupStatement = { ...s.backup, options: { ...s.backup.options } };
  const fullCron = full === 'always' ? recurring : full;
  const fullFirst = firstRun === undefined ? nextOccurrence(fullCron, now) : parseFirstRun(firstRun, now);
  const fullId = newId();
  const created = new Date(now);
  const fullRecord: ScheduleRecord = {
    id: fullId,
    label,
    owner,
    status: 'ACTIVE',
    state: null,
    recurrence: fullCron,
    nextRun: fullFirst,
    created,
    command: format(fullStatement, { redact: false }),
    backupType: 'full',
    details: { ...base, onPreviousRunning: onPrevious },
    dependentId: null,
  };
  if (full === 'always') return { schedules: [fullRecord], ignoreExistingBackups: ignore };
  const incId = newId();
  const inc: BackupStatement = {
    ...s.backup,
    destination: { kind: 'latest', uris: s.backup.destination.uris },
  };
  const incRecord: ScheduleRecord = {
    id: incId,
    label,
    owner,
    status: 'PAUSED',
    state: WAITING_FOR_FULL,
    recurrence: recurring,
    nextRun: null,
    created,
    command: format(inc, { redact: false }),
    backupType: 'incremental',
    // An incremental never runs beside another of its chain (CockroachDB: always `wait`).
    details: { ...base, onPreviousRunning: 'wait' },
    dependentId: fullId,
  };
  return {
    schedules: [incRecord, { ...fullRecord, dependentId: incId }],
    ignoreExistingBackups: ignore,
  };
}
