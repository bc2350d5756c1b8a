// The canonical SQL of a statement: upper-case keywords, lower-case option names in a fixed order,
// strings single-quoted with '' doubling, identifiers quoted only when needed. With `redact` (the
// default) passphrases print as '*****' and URIs go through redactUri; without it, parsing the output
// gives back the same AST.
import { assertNever } from '@strongroom/errors';
import { redactUri } from '@strongroom/uri';
import type {
  BoolValue,
  IntValue,
  JobSelector,
  Recurrence,
  ScheduleCommand,
  Statement,
  StringValue,
  TablePattern,
  Targets,
  TimeExpr,
} from './ast.js';
import {
  BACKUP_OPTIONS,
  type OptionSpec,
  RESTORE_OPTIONS,
  SHOW_BACKUP_OPTIONS,
  SHOW_BACKUPS_OPTIONS,
} from './option-specs.js';
import { KEYWORD_WORDS, SQL_RESERVED_WORDS } from './tokens.js';

export interface FormatOptions {
  /** Hide secrets (default true). */
  readonly redact?: boolean;
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const E_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', "'": "\\'" };

/** `'…'` with '' doubling; `e'…'` only when control characters would otherwise be written raw. */
export function quoteString(s: string): string {
  if (!CONTROL.test(s)) return `'${s.replaceAll("'", "''")}'`;
  const body = s.replace(/[\u0000-\u001f\u007f\\']/g, (c) => {
    return E_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `e'${body}'`;
}

export function formatName(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !KEYWORD_WORDS.has(name) && !SQL_RESERVED_WORDS.has(name))
    return name;
  return `"${name.replaceAll('"', '""')}"`;
}

class Formatter {
  constructor(private readonly redact: boolean) {}

  str(v: StringValue, role: 'plain' | 'uri' | 'secret' = 'plain'): string {
    if (v.kind === 'placeholder') return `$${v.index}`;
    if (this.redact && role === 'secret') return `'*****'`;
    return quoteString(this.redact && role === 'uri' ? redactUri(v.value) : v.value);
  }

  /** LATEST is written as the keyword; any other backup name as a string. */
  backupName(v: StringValue, role: 'plain' | 'uri' = 'plain'): string {
    return v.kind === 'string' && v.value === 'latest' ? 'LATEST' : this.str(v, role);
  }

  list(vs: readonly StringValue[], role: 'plain' | 'uri'): string {
    const items = vs.map((v) => this.str(v, role));
    return items.length === 1 ? items[0]! : `(${items.join(', ')})`;
  }

  bool(v: BoolValue): string {
    return v.kind === 'placeholder' ? `$${v.index}` : v.value ? 'true' : 'false';
  }

  int(v: IntValue): string {
    return v.kind === 'placeholder' ? `$${v.index}` : v.value.toString();
  }

  time(t: TimeExpr): string {
    switch (t.kind) {
      case 'string':
        return quoteString(t.value);
      case 'number':
        return t.text;
      case 'placeholder':
        return `$${t.index}`;
      case 'call':
        return `${formatName(t.name)}()`;
      default:
        return assertNever(t, 'time expression');
    }
  }

  table(p: TablePattern): string {
    return p.parts.map(formatName).join('.') + (p.star ? '.*' : '');
  }

  targets(t: Targets | undefined): string {
    if (t === undefined) return '';
    if (t.kind === 'databases') return ` DATABASE ${t.names.map(formatName).join(', ')}`;
    return ` TABLE ${t.tables.map((p) => this.table(p)).join(', ')}`;
  }

  options<T>(specs: readonly OptionSpec<T>[], opts: T): string {
    const parts: string[] = [];
    for (const spec of specs) {
      const v = (opts as Record<string, unknown>)[spec.field];
      if (v !== undefined) parts.push(this.option(spec, v));
    }
    return parts.length === 0 ? '' : ` WITH ${parts.join(', ')}`;
  }

  option<T>(spec: OptionSpec<T>, v: unknown): string {
    switch (spec.shape) {
      case 'flag':
        return spec.name;
      case 'words':
        return `${spec.name} ${v as string}`;
      case 'list':
        return `${spec.name} = ${this.list(v as StringValue[], spec.uri ? 'uri' : 'plain')}`;
      case 'string':
        return `${spec.name} = ${this.str(v as StringValue, spec.secret ? 'secret' : 'plain')}`;
      default: {
        const b = v as BoolValue;
        return b.kind === 'bool' && b.value ? spec.name : `${spec.name} = ${this.bool(b)}`;
      }
    }
  }

  /** `JOB n`, `JOBS <query>`, `JOBS FOR SCHEDULE n`, `JOBS FOR SCHEDULES <query>`, `ALL <type> JOBS`. */
  jobs(j: JobSelector): string {
    if (j.kind === 'job') return `JOB ${this.int(j.jobId)}`;
    if (j.kind !== 'all') return `JOBS ${this.jobsTail(j)}`;
    // A job type is a word such as BACKUP; keywords need no quotes there (only reserved words do).
    const bare = /^[a-z_][a-z0-9_]*$/.test(j.jobType) && !SQL_RESERVED_WORDS.has(j.jobType);
    return `ALL ${bare ? j.jobType.toUpperCase() : formatName(j.jobType)} JOBS`;
  }

  /** What follows `JOBS`: the query, or the schedules whose jobs are meant. */
  jobsTail(j: Exclude<JobSelector, { kind: 'job' } | { kind: 'all' }>): string {
    switch (j.kind) {
      case 'query':
        return j.text;
      case 'schedule':
        return `FOR SCHEDULE ${this.int(j.scheduleId)}`;
      case 'schedules':
        return `FOR SCHEDULES ${j.query.text}`;
      default:
        return assertNever(j, 'job selector');
    }
  }

  scheduleCommand(c: ScheduleCommand): string {
    switch (c.kind) {
      case 'set_label':
        return `SET LABEL ${this.str(c.label)}`;
      case 'set_into':
        return `SET INTO ${this.list(c.uris, 'uri')}`;
      case 'set_with':
        return `SET${this.options(BACKUP_OPTIONS, c.options)}`;
      case 'set_recurring':
        return `SET RECURRING ${this.recurrence(c.recurrence)}`;
      case 'set_full_backup':
        return `SET FULL BACKUP ${this.recurrence(c.recurrence)}`;
      case 'set_schedule_option':
        return `SET SCHEDULE OPTION ${c.option.name}${c.option.value === undefined ? '' : ` = ${this.str(c.option.value)}`}`;
      case 'execute_immediately':
        return c.full ? 'EXECUTE FULL IMMEDIATELY' : 'EXECUTE IMMEDIATELY';
      default:
        return assertNever(c, 'schedule command');
    }
  }

  recurrence(r: Recurrence): string {
    return r.kind === 'never' ? 'NEVER' : r.kind === 'always' ? 'ALWAYS' : this.str(r);
  }

  asOf(t: TimeExpr | undefined): string {
    return t === undefined ? '' : ` AS OF SYSTEM TIME ${this.time(t)}`;
  }

  statement(s: Statement): string {
    switch (s.kind) {
      case 'backup':
        return `BACKUP${this.targets(s.targets)} INTO ${this.destination(s.destination)}${this.asOf(s.asOf)}${this.options(BACKUP_OPTIONS, s.options)}`;
      case 'restore':
        return (
          `RESTORE${this.targets(s.targets)} FROM ${this.backupName(s.from)} IN ${this.list(s.uris, 'uri')}` +
          `${this.asOf(s.asOf)}${this.options(RESTORE_OPTIONS, s.options)}`
        );
      case 'show_backups':
        return `SHOW BACKUPS IN ${this.list(s.uris, 'uri')}${this.options(SHOW_BACKUPS_OPTIONS, s.options)}`;
      case 'show_backup':
        return this.showBackup(s);
      case 'alter_backup':
        return this.alterBackup(s);
      case 'show_jobs':
      case 'show_job':
        return this.showJobs(s);
      case 'pause_job':
      case 'resume_job':
      case 'cancel_job':
        return this.controlJobs(s);
      case 'select_jobs':
        return s.query.text;
      case 'show_databases':
        return 'SHOW DATABASES';
      case 'show_tables':
        return `SHOW TABLES${optional(s.database, (d) => ` FROM ${formatName(d)}`)}`;
      case 'explain':
        return `EXPLAIN ${this.statement(s.statement)}`;
      case 'create_external_connection':
        return `CREATE EXTERNAL CONNECTION${ifNotExists(s.ifNotExists)} ${this.str(s.name)} AS ${this.str(s.uri, 'uri')}`;
      case 'show_external_connections':
        return optional(
          s.name,
          (n) => `SHOW EXTERNAL CONNECTION ${this.str(n)}`,
          'SHOW EXTERNAL CONNECTIONS',
        );
      case 'drop_external_connection':
        return `DROP EXTERNAL CONNECTION ${this.str(s.name)}`;
      case 'show_backup_connection':
        return `SHOW BACKUP CONNECTION ${this.str(s.uri, 'uri')}`;
      case 'create_schedule':
        return this.createSchedule(s);
      case 'show_schedules':
        return optional(s.scheduleId, (id) => `SHOW SCHEDULE ${this.int(id)}`, 'SHOW SCHEDULES');
      case 'show_create_schedule':
        return optional(
          s.scheduleId,
          (id) => `SHOW CREATE SCHEDULE ${this.int(id)}`,
          'SHOW CREATE ALL SCHEDULES',
        );
      case 'pause_schedule':
      case 'resume_schedule':
      case 'drop_schedule':
        return this.controlSchedules(s);
      case 'alter_backup_schedule':
        return `ALTER BACKUP SCHEDULE ${this.int(s.scheduleId)} ${s.commands.map((c) => this.scheduleCommand(c)).join(', ')}`;
      case 'expire_backups':
        return this.expireBackups(s);
      default:
        return assertNever(s, 'statement');
    }
  }

  destination(d: Extract<Statement, { kind: 'backup' }>['destination']): string {
    const uris = this.list(d.uris, 'uri');
    if (d.kind === 'collection') return uris;
    return d.kind === 'latest' ? `LATEST IN ${uris}` : `${this.str(d.subdir)} IN ${uris}`;
  }

  showBackup(s: Extract<Statement, { kind: 'show_backup' }>): string {
    const details = optional(s.details, (d) => ` ${d.toUpperCase()}`);
    return (
      `SHOW BACKUP${details} FROM ${this.backupName(s.from)} IN ${this.list(s.uris, 'uri')}` +
      this.options(SHOW_BACKUP_OPTIONS, s.options)
    );
  }

  alterBackup(s: Extract<Statement, { kind: 'alter_backup' }>): string {
    const coll = optional(s.collection, (c) => ` IN ${this.str(c, 'uri')}`);
    const cmds = s.commands.map(
      (c) => ` ADD NEW_KMS = ${this.list(c.newKms, 'uri')} WITH OLD_KMS = ${this.list(c.oldKms, 'uri')}`,
    );
    // Without IN, the one operand is the collection itself, so it is a URI to redact.
    const backup = this.backupName(s.backup, s.collection === undefined ? 'uri' : 'plain');
    return `ALTER BACKUP ${backup}${coll}${cmds.join('')}`;
  }

  showJobs(s: Extract<Statement, { kind: 'show_jobs' | 'show_job' }>): string {
    const when = s.whenComplete ? ' WHEN COMPLETE' : '';
    if (s.kind === 'show_job') return `SHOW JOB${when} ${this.int(s.jobId)}`;
    return `SHOW JOBS${when}${optional(s.jobs, (j) => ` ${this.jobsTail(j)}`)}`;
  }

  controlJobs(s: Extract<Statement, { kind: 'pause_job' | 'resume_job' | 'cancel_job' }>): string {
    const reason = optional(s.reason, (r) => ` WITH REASON = ${this.str(r)}`);
    return `${s.kind.slice(0, -4).toUpperCase()} ${this.jobs(s.jobs)}${reason}`;
  }

  createSchedule(s: Extract<Statement, { kind: 'create_schedule' }>): string {
    const label = optional(s.label, (l) => ` ${this.str(l)}`);
    const full = optional(s.fullBackup, (f) => ` FULL BACKUP ${this.recurrence(f)}`);
    const opts = s.scheduleOptions.map((o) => `${o.name}${optional(o.value, (v) => ` = ${this.str(v)}`)}`);
    const with_ = opts.length === 0 ? '' : ` WITH SCHEDULE OPTIONS ${opts.join(', ')}`;
    return `CREATE SCHEDULE${ifNotExists(s.ifNotExists)}${label} FOR ${this.statement(s.backup)} RECURRING ${this.recurrence(s.recurring)}${full}${with_}`;
  }

  controlSchedules(
    s: Extract<Statement, { kind: 'pause_schedule' | 'resume_schedule' | 'drop_schedule' }>,
  ): string {
    const which =
      s.schedules.kind === 'schedule'
        ? `SCHEDULE ${this.int(s.schedules.scheduleId)}`
        : `SCHEDULES ${s.schedules.query.text}`;
    return `${s.kind.slice(0, -9).toUpperCase()} ${which}`;
  }

  expireBackups(s: Extract<Statement, { kind: 'expire_backups' }>): string {
    const opts = [
      optional(s.keepFull, (n) => `keep_full = ${this.int(n)}`),
      optional(s.olderThan, (t) => `older_than = ${this.str(t)}`),
    ].filter((o) => o !== '');
    return `EXPIRE BACKUPS IN ${this.list(s.uris, 'uri')} WITH OPTIONS (${opts.join(', ')})`;
  }
}

/** `render(value)` when the value is present, else `absent`. */
function optional<T>(value: T | undefined, render: (v: T) => string, absent = ''): string {
  return value === undefined ? absent : render(value);
}

function ifNotExists(flag: boolean | undefined): string {
  return flag ? ' IF NOT EXISTS' : '';
}

export function format(ast: Statement, options: FormatOptions = {}): string {
  return new Formatter(options.redact ?? true).statement(ast);
}
