// The CST of connection, schedule and retention statements as AST nodes. Option names of `WITH SCHEDULE
// OPTIONS` and `EXPIRE … WITH OPTIONS` are kept as written (lower-cased) and checked here against the names
// each statement takes, so a misspelt option is a positioned syntax error.
import type { CstNode, IToken } from 'chevrotain';
import type {
  BackupOptions,
  BackupStatement,
  ManagementStatement,
  Recurrence,
  ScheduleCommand,
  ScheduleOption,
  StringValue,
} from './ast.js';
import { children, firstToken, lastToken, nodeAt, nodesOf, tokenAt } from './cst-access.js';
import { optionsToAst } from './options-to-ast.js';
import type { ValueBuilder } from './values-to-ast.js';

/** CockroachDB's schedule options, plus `keep_full` (an extension: retention of whole chains). */
export const SCHEDULE_OPTION_NAMES: ReadonlySet<string> = new Set([
  'first_run',
  'on_execution_failure',
  'on_previous_running',
  'ignore_existing_backups',
  'updates_cluster_last_backup_time_metric',
  'keep_full',
]);
const EXPIRE_OPTION_NAMES: ReadonlySet<string> = new Set(['keep_full', 'older_than']);

function kvOptions(v: ValueBuilder, n: CstNode, allowed: ReadonlySet<string>): ScheduleOption[] {
  const seen = new Set<string>();
  return nodesOf(children(n), 'kvOption').map((o) => kvOption(v, o, allowed, seen));
}

function kvOption(
  v: ValueBuilder,
  o: CstNode,
  allowed: ReadonlySet<string>,
  seen: Set<string>,
): ScheduleOption {
  {
    const c = children(o);
    const nameNode = nodeAt(c, 'name')!;
    const name = v.name(nameNode).toLowerCase();
    const at = firstToken(nameNode);
    if (!allowed.has(name))
      throw v.error(at, `unknown option ${name} (expected one of ${[...allowed].join(', ')})`);
    if (seen.has(name)) throw v.error(at, `${name} specified multiple times`);
    seen.add(name);
    const s = nodeAt(c, 'stringValue');
    const literal = tokenAt(c, 'NumberLiteral') ?? tokenAt(c, 'TRUE') ?? tokenAt(c, 'FALSE');
    const value: StringValue | undefined =
      s !== undefined
        ? v.stringValue(s)
        : literal !== undefined
          ? { kind: 'string', value: literal.image.toLowerCase() }
          : undefined;
    return value === undefined ? { name } : { name, value };
  }
}

function recurrence(v: ValueBuilder, n: CstNode): Recurrence {
  const c = children(n);
  if (tokenAt(c, 'NEVER') !== undefined) return { kind: 'never' };
  if (tokenAt(c, 'ALWAYS') !== undefined) return { kind: 'always' };
  return v.stringToken((tokenAt(c, 'Sconst') ?? tokenAt(c, 'Placeholder')) as IToken);
}

export function createToAst(
  v: ValueBuilder,
  n: CstNode,
  backup: (v: ValueBuilder, n: CstNode) => BackupStatement,
): ManagementStatement {
  const c = children(n);
  const sched = nodeAt(c, 'createSchedule');
  if (sched === undefined) {
    const [name, uri] = nodesOf(c, 'stringValue');
    return {
      kind: 'create_external_connection',
      ...(nodeAt(c, 'ifNotExists') === undefined ? {} : { ifNotExists: true as const }),
      name: v.stringValue(name!),
      uri: v.stringValue(uri!),
    };
  }
  const sc = children(sched);
  const b = backup(v, nodeAt(sc, 'backupStatement')!);
  if (b.asOf !== undefined)
    throw v.error(
      firstToken(nodeAt(children(nodeAt(sc, 'backupStatement')!), 'asOf')!),
      'AS OF SYSTEM TIME is not allowed in a scheduled backup: the scheduled time is used',
    );
  const [rec, full] = nodesOf(sc, 'recurrence');
  const label = nodeAt(sc, 'stringValue');
  const opts = nodeAt(sc, 'kvOptions');
  return {
    kind: 'create_schedule',
    ...(nodeAt(sc, 'ifNotExists') === undefined ? {} : { ifNotExists: true as const }),
    ...(label === undefined ? {} : { label: v.stringValue(label) }),
    backup: b,
    recurring: recurrence(v, rec!),
    ...(full === undefined ? {} : { fullBackup: recurrence(v, full) }),
    scheduleOptions: opts === undefined ? [] : kvOptions(v, opts, SCHEDULE_OPTION_NAMES),
  };
}

export function showManagementToAst(v: ValueBuilder, n: CstNode): ManagementStatement {
  const c = children(n);
  const s = nodeAt(c, 'stringValue');
  const id = nodeAt(c, 'intValue');
  if (tokenAt(c, 'EXTERNAL') !== undefined)
    return { kind: 'show_external_connections', ...(s === undefined ? {} : { name: v.stringValue(s) }) };
  if (tokenAt(c, 'BACKUP') !== undefined) return { kind: 'show_backup_connection', uri: v.stringValue(s!) };
  if (tokenAt(c, 'CREATE') !== undefined)
    return { kind: 'show_create_schedule', ...(id === undefined ? {} : { scheduleId: v.intValue(id) }) };
  return { kind: 'show_schedules', ...(id === undefined ? {} : { scheduleId: v.intValue(id) }) };
}

export function dropConnectionToAst(v: ValueBuilder, n: CstNode): ManagementStatement {
  return { kind: 'drop_external_connection', name: v.stringValue(nodeAt(children(n), 'stringValue')!) };
}

export function scheduleControlToAst(v: ValueBuilder, n: CstNode): ManagementStatement {
  const c = children(n);
  const verb = tokenAt(c, 'PAUSE') ? 'pause' : tokenAt(c, 'RESUME') ? 'resume' : 'drop';
  const id = nodeAt(c, 'intValue');
  if (id !== undefined)
    return { kind: `${verb}_schedule`, schedules: { kind: 'schedule', scheduleId: v.intValue(id) } };
  const sel = nodeAt(c, 'selectStmt')!;
  const first = firstToken(sel)!;
  const last = lastToken(sel)!;
  return {
    kind: `${verb}_schedule`,
    schedules: {
      kind: 'schedules',
      query: { kind: 'query', text: v.text.slice(first.startOffset, last.endOffset! + 1) },
    },
  };
}

export function expireToAst(v: ValueBuilder, n: CstNode): ManagementStatement {
  const c = children(n);
  const kvNode = nodeAt(c, 'kvOptions')!;
  const opts = kvOptions(v, kvNode, EXPIRE_OPTION_NAMES);
  const keep = opts.find((o) => o.name === 'keep_full')?.value;
  const older = opts.find((o) => o.name === 'older_than')?.value;
  if (keep === undefined && older === undefined)
    throw v.error(firstToken(kvNode), "EXPIRE BACKUPS needs keep_full = n or older_than = 'timestamp'");
  let keepFull: { kind: 'int'; value: bigint } | { kind: 'placeholder'; index: number } | undefined;
  if (keep?.kind === 'placeholder') keepFull = keep;
  else if (keep !== undefined) {
    if (!/^[0-9]+$/.test(keep.value) || BigInt(keep.value) < 1n)
      throw v.error(firstToken(kvNode), 'keep_full must be a positive integer');
    keepFull = { kind: 'int', value: BigInt(keep.value) };
  }
  return {
    kind: 'expire_backups',
    uris: v.stringOrList(nodeAt(c, 'stringOrList')!),
    ...(keepFull === undefined ? {} : { keepFull }),
    ...(older === undefined ? {} : { olderThan: older }),
  };
}

function scheduleCommand(v: ValueBuilder, n: CstNode): ScheduleCommand {
  const c = children(n);
  if (tokenAt(c, 'EXECUTE') !== undefined)
    return { kind: 'execute_immediately', full: tokenAt(c, 'FULL') !== undefined };
  const rec = nodeAt(c, 'recurrence');
  if (tokenAt(c, 'LABEL') !== undefined)
    return { kind: 'set_label', label: v.stringValue(nodeAt(c, 'stringValue')!) };
  if (tokenAt(c, 'INTO') !== undefined)
    return { kind: 'set_into', uris: v.stringOrList(nodeAt(c, 'stringOrList')!) };
  if (tokenAt(c, 'WITH') !== undefined)
    return { kind: 'set_with', options: optionsToAst<BackupOptions>(v, n, 'backupOption') };
  if (tokenAt(c, 'RECURRING') !== undefined)
    return { kind: 'set_recurring', recurrence: recurrence(v, rec!) };
  if (tokenAt(c, 'FULL') !== undefined) return { kind: 'set_full_backup', recurrence: recurrence(v, rec!) };
  return {
    kind: 'set_schedule_option',
    option: kvOption(v, nodeAt(c, 'kvOption')!, SCHEDULE_OPTION_NAMES, new Set()),
  };
}

export function alterScheduleToAst(v: ValueBuilder, n: CstNode): ManagementStatement {
  const c = children(n);
  return {
    kind: 'alter_backup_schedule',
    scheduleId: v.intValue(nodeAt(c, 'intValue')!),
    commands: nodesOf(c, 'scheduleCommand').map((x) => scheduleCommand(v, x)),
  };
}
