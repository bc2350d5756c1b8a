// Converts a `statement` CST into the AST of ast.ts. Grammar-level choices that Chevrotain cannot
// express (a bare word before `IN` in BACKUP's destination, integer job ids, table pattern shapes)
// are checked here and reported as positioned syntax errors.
import type { CstNode } from 'chevrotain';
import type {
  AlterBackupStatement,
  BackupDestination,
  BackupOptions,
  BackupStatement,
  ExplainableStatement,
  JobControlStatement,
  JobSelector,
  JobsQuery,
  RestoreOptions,
  RestoreStatement,
  ShowBackupOptions,
  ShowBackupsOptions,
  Statement,
  Targets,
} from './ast.js';
import { children, firstToken, lastToken, nodeAt, nodesOf, tokenAt } from './cst-access.js';
import {
  alterScheduleToAst,
  createToAst,
  dropConnectionToAst,
  expireToAst,
  scheduleControlToAst,
  showManagementToAst,
} from './management-to-ast.js';
import { optionsToAst } from './options-to-ast.js';
import { ValueBuilder } from './values-to-ast.js';

function targets(v: ValueBuilder, n: CstNode | undefined): Targets | undefined {
  if (n === undefined) return undefined;
  const c = children(n);
  if (tokenAt(c, 'DATABASE') !== undefined) {
    return { kind: 'databases', names: nodesOf(c, 'name').map((x) => v.name(x)) };
  }
  const patterns = nodesOf(c, 'tablePattern');
  // `BACKUP DATABASE INTO …` is not a backup of a table called "database": CockroachDB wants a name there.
  const first = firstToken(patterns[0]!);
  const lone = children(patterns[0]!).Dot === undefined;
  if (
    lone &&
    tokenAt(c, 'TABLE') === undefined &&
    (first?.tokenType.name === 'DATABASE' || first?.tokenType.name === 'TABLE')
  ) {
    const word = first.payload as string;
    throw v.errorAfter(
      first,
      `expected a name after ${word.toUpperCase()} (quote it as "${word}" to name a table)`,
    );
  }
  return { kind: 'tables', tables: nodesOf(c, 'tablePattern').map((x) => v.tablePattern(x)) };
}

function destination(v: ValueBuilder, n: CstNode): BackupDestination {
  const c = children(n);
  const lists = nodesOf(c, 'stringOrList');
  if (tokenAt(c, 'LATEST') !== undefined) return { kind: 'latest', uris: v.stringOrList(lists[0]!) };
  const subdir = tokenAt(c, 'Sconst') ?? tokenAt(c, 'Placeholder');
  if (subdir !== undefined)
    return { kind: 'subdir', subdir: v.stringToken(subdir), uris: v.stringOrList(lists[0]!) };
  return { kind: 'collection', uris: v.stringOrList(lists[0]!) };
}

function backup(v: ValueBuilder, n: CstNode): BackupStatement {
  const c = children(n);
  const t = targets(v, nodeAt(c, 'targets'));
  const asOf = nodeAt(c, 'asOf');
  return {
    kind: 'backup',
    ...(t === undefined ? {} : { targets: t }),
    destination: destination(v, nodeAt(c, 'backupDestination')!),
    ...(asOf === undefined ? {} : { asOf: v.timeExpr(asOf) }),
    options: optionsToAst<BackupOptions>(v, nodeAt(c, 'backupOptions'), 'backupOption'),
  };
}

function restore(v: ValueBuilder, n: CstNode): RestoreStatement {
  const c = children(n);
  const t = targets(v, nodeAt(c, 'targets'));
  const asOf = nodeAt(c, 'asOf');
  return {
    kind: 'restore',
    ...(t === undefined ? {} : { targets: t }),
    from: v.stringValue(nodeAt(c, 'stringValue')!),
    uris: v.stringOrList(nodeAt(c, 'stringOrList')!),
    ...(asOf === undefined ? {} : { asOf: v.timeExpr(asOf) }),
    options: optionsToAst<RestoreOptions>(v, nodeAt(c, 'restoreOptions'), 'restoreOption'),
  };
}

type Children = ReturnType<typeof children>;

function show(v: ValueBuilder, n: CstNode): ExplainableStatement {
  const c = children(n);
  if (tokenAt(c, 'BACKUPS') !== undefined) {
    return {
      kind: 'show_backups',
      uris: v.stringOrList(nodeAt(c, 'stringOrList')!),
      options: optionsToAst<ShowBackupsOptions>(v, nodeAt(c, 'showBackupsOptions'), 'showBackupsOption'),
    };
  }
  if (tokenAt(c, 'DATABASES') !== undefined) return { kind: 'show_databases' };
  if (tokenAt(c, 'TABLES') !== undefined) {
    const db = nodeAt(c, 'name');
    return { kind: 'show_tables', ...(db === undefined ? {} : { database: v.name(db) }) };
  }
  if (tokenAt(c, 'JOBS') !== undefined || tokenAt(c, 'JOB') !== undefined) return showJobs(v, c);
  return showBackup(v, c);
}

/** `SHOW JOBS [FOR SCHEDULES …| (SELECT …)] [WHEN COMPLETE]`, `SHOW JOB [WHEN COMPLETE] id`. */
function showJobs(v: ValueBuilder, c: Children): ExplainableStatement {
  const whenComplete = tokenAt(c, 'WHEN') === undefined ? {} : { whenComplete: true as const };
  if (tokenAt(c, 'JOB') !== undefined)
    return { kind: 'show_job', jobId: v.intValue(nodeAt(c, 'intValue')!), ...whenComplete };
  const sched = nodeAt(c, 'forSchedules');
  const sel = nodeAt(c, 'selectStmt');
  const jobs = sched !== undefined ? forSchedules(v, sched) : sel !== undefined ? query(v, sel) : undefined;
  return { kind: 'show_jobs', ...(jobs === undefined ? {} : { jobs }), ...whenComplete };
}

function showBackup(v: ValueBuilder, c: Children): ExplainableStatement {
  const details = nodeAt(c, 'showBackupDetails');
  const detailWord = details === undefined ? undefined : Object.keys(details.children)[0]!.toLowerCase();
  return {
    kind: 'show_backup',
    ...(detailWord === undefined ? {} : { details: detailWord as 'schemas' | 'files' | 'ranges' }),
    from: v.stringValue(nodeAt(c, 'stringValue')!),
    uris: v.stringOrList(nodeAt(c, 'stringOrList')!),
    options: optionsToAst<ShowBackupOptions>(v, nodeAt(c, 'showBackupOptions'), 'showBackupOption'),
  };
}

function alterBackup(v: ValueBuilder, n: CstNode): AlterBackupStatement {
  const c = children(n);
  const [backupNode, collectionNode] = nodesOf(c, 'stringValue');
  return {
    kind: 'alter_backup',
    backup: v.stringValue(backupNode!),
    ...(collectionNode === undefined ? {} : { collection: v.stringValue(collectionNode) }),
    commands: nodesOf(c, 'alterBackupCommand').map((cmd) => {
      const [newKms, oldKms] = nodesOf(children(cmd), 'stringOrList');
      return { kind: 'add_kms', newKms: v.stringOrList(newKms!), oldKms: v.stringOrList(oldKms!) };
    }),
  };
}

/** The query's text exactly as written, from its first to its last token. */
function query(v: ValueBuilder, n: CstNode): JobsQuery {
  const first = firstToken(n)!;
  const last = lastToken(n)!;
  return { kind: 'query', text: v.text.slice(first.startOffset, last.endOffset! + 1) };
}

function forSchedules(v: ValueBuilder, n: CstNode): Extract<JobSelector, { kind: 'schedule' | 'schedules' }> {
  const c = children(n);
  const id = nodeAt(c, 'intValue');
  if (id !== undefined) return { kind: 'schedule', scheduleId: v.intValue(id) };
  return { kind: 'schedules', query: query(v, nodeAt(c, 'selectStmt')!) };
}

function jobControl(v: ValueBuilder, n: CstNode): JobControlStatement {
  const c = children(n);
  const verb = tokenAt(c, 'PAUSE') ? 'pause' : tokenAt(c, 'RESUME') ? 'resume' : 'cancel';
  const sched = nodeAt(c, 'forSchedules');
  const sel = nodeAt(c, 'selectStmt');
  const typeName = nodeAt(c, 'name');
  const jobs: JobSelector =
    sched !== undefined
      ? forSchedules(v, sched)
      : sel !== undefined
        ? query(v, sel)
        : typeName !== undefined
          ? { kind: 'all', jobType: v.name(typeName) }
          : { kind: 'job', jobId: v.intValue(nodeAt(c, 'intValue')!) };
  const withToken = tokenAt(c, 'WITH');
  if (
    withToken !== undefined &&
    (verb !== 'pause' || jobs.kind === 'all' || jobs.kind === 'schedule' || jobs.kind === 'schedules')
  )
    throw v.error(withToken, 'a reason can only be given to PAUSE JOB and PAUSE JOBS <select>');
  const reason = nodeAt(c, 'stringValue');
  return { kind: `${verb}_job`, jobs, ...(reason === undefined ? {} : { reason: v.stringValue(reason) }) };
}

function selectJobs(v: ValueBuilder, n: CstNode): ExplainableStatement {
  return { kind: 'select_jobs', query: query(v, n) };
}

const EXPLAINABLE: Record<string, (v: ValueBuilder, n: CstNode) => ExplainableStatement> = {
  backupStatement: backup,
  restoreStatement: restore,
  showStatement: show,
  alterBackupStatement: alterBackup,
  jobControlStatement: jobControl,
  selectStatement: selectJobs,
};

function managementStatement(v: ValueBuilder, c: ReturnType<typeof children>): Statement | undefined {
  const create = nodeAt(c, 'createStatement');
  if (create !== undefined) return createToAst(v, create, backup);
  const drop = nodeAt(c, 'dropExternalConnection');
  if (drop !== undefined) return dropConnectionToAst(v, drop);
  const sched = nodeAt(c, 'scheduleControlStatement');
  if (sched !== undefined) return scheduleControlToAst(v, sched);
  const alterSched = nodeAt(c, 'alterBackupSchedule');
  if (alterSched !== undefined) return alterScheduleToAst(v, alterSched);
  const expire = nodeAt(c, 'expireBackupsStatement');
  if (expire !== undefined) return expireToAst(v, expire);
  const show = nodeAt(c, 'showStatement');
  const m = show === undefined ? undefined : nodeAt(children(show), 'showManagement');
  return m === undefined ? undefined : showManagementToAst(v, m);
}

/** `text` is the statement's source, for error positions. */
export function statementToAst(cst: CstNode, text: string): Statement {
  const v = new ValueBuilder(text);
  const c = children(cst);
  const management = managementStatement(v, c);
  if (management !== undefined) {
    const explain = tokenAt(c, 'EXPLAIN');
    if (explain !== undefined) throw v.error(explain, `EXPLAIN cannot be used with this statement`);
    return management;
  }
  for (const [rule, build] of Object.entries(EXPLAINABLE)) {
    const n = nodeAt(c, rule);
    if (n === undefined) continue;
    const statement = build(v, n);
    return tokenAt(c, 'EXPLAIN') === undefined ? statement : { kind: 'explain', statement };
  }
  throw new Error('empty statement CST');
}
