// fast-check generators of well-formed ASTs (every statement kind and option), for the round-trip
// property test. Only imported by tests; kept apart so the generators read as the AST's shape.
import fc from 'fast-check';
import type {
  BackupDestination,
  BoolValue,
  IntValue,
  Statement,
  StringValue,
  TablePattern,
  Targets,
  TimeExpr,
} from './ast.js';

const placeholder = fc.integer({ min: 1, max: 99 }).map((index) => ({ kind: 'placeholder' as const, index }));
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('latest', 'LATEST', "it's", 's3://b/c?AWS_SECRET_ACCESS_KEY=x', 'a\nb', '$$', '\\'),
);
/** Literal values: lone surrogates are not valid UTF-8 text, so they never come out of the lexer. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const literal = text.filter((s) => !LONE_SURROGATE.test(s));
/** fc.record builds null-prototype objects; the parser builds plain ones (deepEqual compares prototypes). */
const rec = <T extends object>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.record(model).map((r) => ({ ...r }) as T);
const str: fc.Arbitrary<StringValue> = fc.oneof(
  literal.map((value) => ({ kind: 'string' as const, value })),
  placeholder,
);
const strList = fc.array(str, { minLength: 1, maxLength: 3 });
const bool: fc.Arbitrary<BoolValue> = fc.oneof(
  fc.boolean().map((value) => ({ kind: 'bool' as const, value })),
  placeholder,
);
const int: fc.Arbitrary<IntValue> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map((value) => ({ kind: 'int' as const, value })),
  placeholder,
);
const name = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/),
  literal.filter((s) => s.length > 0).map((s) => s.normalize('NFC')),
  fc.constantFrom('backup', 'table', 'select', 'Order', 'a"b'),
);
const table: fc.Arbitrary<TablePattern> = fc.oneof(
  fc.array(name, { minLength: 1, maxLength: 3 }).map((parts) => ({ parts, star: false })),
  fc.array(name, { minLength: 1, maxLength: 2 }).map((parts) => ({ parts, star: true })),
);
const targets: fc.Arbitrary<Targets | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.array(table, { minLength: 1, maxLength: 3 }).map((tables) => ({ kind: 'tables' as const, tables })),
  fc.array(name, { minLength: 1, maxLength: 3 }).map((names) => ({ kind: 'databases' as const, names })),
);
const time: fc.Arbitrary<TimeExpr | undefined> = fc.oneof(
  fc.constant(undefined),
  literal.map((value) => ({ kind: 'string' as const, value })),
  fc.stringMatching(/^[0-9]{1,19}(\.[0-9]{1,10})?$/).map((t) => ({ kind: 'number' as const, text: t })),
  placeholder,
  name.map((n) => ({ kind: 'call' as const, name: n })),
);
const flag = fc.option(fc.constant(true as const), { nil: undefined });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const scp: fc.Arbitrary<StringValue> = fc.oneof(
  literal.map((value) => ({ kind: 'string' as const, value })),
  placeholder,
);

const destination: fc.Arbitrary<BackupDestination> = fc.oneof(
  strList.map((uris) => ({ kind: 'collection' as const, uris })),
  strList.map((uris) => ({ kind: 'latest' as const, uris })),
  rec({ kind: fc.constant('subdir' as const), subdir: scp, uris: strList }),
);

/** Drops keys whose value is undefined (the parser never sets them). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const common = { kms: opt(strList), encryptionPassphrase: opt(str), incrementalLocation: opt(strList) };

/** Queries as written: kept verbatim, so any text the query grammar accepts will do. */
const query = fc
  .constantFrom(
    '(SELECT 1)',
    "SELECT job_id FROM [SHOW JOBS] WHERE status = 'running'",
    "(SELECT job_id FROM [SHOW JOBS] WHERE created < now() - (3 || 'h')::interval)",
    'SELECT unnest(ARRAY[1, 2, 3])',
  )
  .map((text) => ({ kind: 'query' as const, text }));
const jobId = int.map((id) => ({ kind: 'job' as const, jobId: id }));
const jobSet = fc.oneof(
  query,
  int.map((scheduleId) => ({ kind: 'schedule' as const, scheduleId })),
  query.map((q) => ({ kind: 'schedules' as const, query: q })),
);
const allJobs = fc
  .constantFrom('backup', 'restore', 'changefeed', 'Mixed Case')
  .map((jobType) => ({ kind: 'all' as const, jobType }));

const explainable = fc.oneof(
  fc
    .record({
      targets,
      destination,
      asOf: time,
      options: fc
        .record({
          ...common,
          revisionHistory: opt(bool),
          detached: opt(bool),
          executionLocality: opt(str),
          strictStorageLocality: flag,
          includeAllVirtualClusters: opt(bool),
          updatesClusterMonitoringMetrics: opt(bool),
          skipRollbackCheck: flag,
        })
        .map(defined),
    })
    .map((r) => defined({ kind: 'backup' as const, ...r })),
  fc
    .record({
      targets,
      from: str,
      uris: strList,
      asOf: time,
      options: fc
        .record({
          ...common,
          intoDb: opt(str),
          newDbName: opt(str),
          skipMissingForeignKeys: flag,
          skipMissingSequences: flag,
          skipMissingViews: flag,
          skipLocalitiesCheck: flag,
          schemaOnly: flag,
          verifyBackupTableData: flag,
          skipRollbackCheck: flag,
          noOwner: flag,
          noPrivileges: flag,
          detached: opt(bool),
          executionLocality: opt(str),
          skipMissingSequenceOwners: flag,
          skipMissingUdfs: flag,
          removeRegions: flag,
          unsafeRestoreIncompatibleVersion: flag,
          experimentalCopy: opt(fc.constantFrom('copy' as const, 'deferred copy' as const)),
        })
        .map(defined),
    })
    .map((r) => defined({ kind: 'restore' as const, ...r })),
  fc
    .record({ uris: strList, options: fc.record({ index: flag }).map(defined) })
    .map((r) => ({ kind: 'show_backups' as const, ...r })),
  fc
    .record({
      details: opt(fc.constantFrom('schemas' as const, 'files' as const, 'ranges' as const)),
      from: str,
      uris: strList,
      options: fc
        .record({
          ...common,
          checkFiles: flag,
          asJson: flag,
          skipSize: flag,
          debugIds: flag,
          privileges: flag,
          encryptionInfoDir: opt(str),
          skipRollbackCheck: flag,
        })
        .map(defined),
    })
    .map((r) => defined({ kind: 'show_backup' as const, ...r })),
  fc
    .record({
      backup: str,
      collection: opt(str),
      commands: fc.array(rec({ kind: fc.constant('add_kms' as const), newKms: strList, oldKms: strList }), {
        minLength: 1,
        maxLength: 2,
      }),
    })
    .map((r) => defined({ kind: 'alter_backup' as const, ...r })),
  opt(jobSet).map((jobs) => defined({ kind: 'show_jobs' as const, jobs })),
  query.map((jobs) => ({ kind: 'show_jobs' as const, jobs, whenComplete: true as const })),
  fc.record({ jobId: int, whenComplete: flag }).map((r) => defined({ kind: 'show_job' as const, ...r })),
  fc
    .record({
      kind: fc.constantFrom('resume_job' as const, 'cancel_job' as const),
      jobs: fc.oneof(jobId, jobSet, allJobs),
    })
    .map((r) => ({ ...r })),
  fc
    .record({ jobs: fc.oneof(jobId, query), reason: opt(str) })
    .map((r) => defined({ kind: 'pause_job' as const, ...r })),
  query.map((q) => ({
    kind: 'select_jobs' as const,
    query: { ...q, text: `SELECT * FROM [SHOW JOBS] ${q.text}` },
  })),
  fc.constant({ kind: 'show_databases' as const }),
  opt(name).map((database) => defined({ kind: 'show_tables' as const, database })),
);

export const statementArbitrary: fc.Arbitrary<Statement> = fc.oneof(
  explainable,
  explainable.map((statement) => ({ kind: 'explain' as const, statement })),
) as fc.Arbitrary<Statement>;
