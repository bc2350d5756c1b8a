// The AST of strongroom's statements: readonly discriminated unions tagged by `kind`. The planner, the
// formatter (with redaction) and the wire server all switch on these; a new kind that is not handled
// breaks the build (`assertNever`). Strings are already unescaped; bare words used as strings are
// already lower-cased (CockroachDB's rule), so `parse(format(ast, { redact: false }))` equals `ast`.

/** A string-valued operand: a literal (quoted or bare word) or a `$n` placeholder (1-based). */
export type StringValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'placeholder'; readonly index: number };

/** A boolean option value: `opt` alone means true; `opt = true|false|$n`. */
export type BoolValue =
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'placeholder'; readonly index: number };

/** An integer operand (job ids). */
export type IntValue =
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'placeholder'; readonly index: number };

/** `AS OF SYSTEM TIME` operand: `'-10s'`, `'2026-11-22 10:15:00'`, a decimal HLC, a placeholder or a call. */
export type TimeExpr =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'placeholder'; readonly index: number }
  | { readonly kind: 'call'; readonly name: string };

/** `t`, `db.t`, `db.sc.t`, `db.*`, `db.sc.*`. Identifiers are normalised (unquoted ones lower-cased). */
export interface TablePattern {
  readonly parts: readonly string[];
  readonly star: boolean;
}

export type Targets =
  | { readonly kind: 'tables'; readonly tables: readonly TablePattern[] }
  | { readonly kind: 'databases'; readonly names: readonly string[] };

/** Where a BACKUP goes. `uris` has one entry, or several for a locality-aware backup. */
export type BackupDestination =
  | { readonly kind: 'collection'; readonly uris: readonly StringValue[] }
  | { readonly kind: 'latest'; readonly uris: readonly StringValue[] }
  | { readonly kind: 'subdir'; readonly subdir: StringValue; readonly uris: readonly StringValue[] };

export interface BackupOptions {
  readonly kms?: readonly StringValue[];
  readonly encryptionPassphrase?: StringValue;
  readonly revisionHistory?: BoolValue;
  readonly detached?: BoolValue;
  readonly incrementalLocation?: readonly StringValue[];
  readonly executionLocality?: StringValue;
  readonly strictStorageLocality?: true;
  readonly includeAllVirtualClusters?: BoolValue;
  readonly updatesClusterMonitoringMetrics?: BoolValue;
  readonly skipRollbackCheck?: true;
}

export interface RestoreOptions {
  readonly kms?: readonly StringValue[];
  readonly encryptionPassphrase?: StringValue;
  readonly intoDb?: StringValue;
  readonly newDbName?: StringValue;
  readonly skipMissingForeignKeys?: true;
  readonly skipMissingSequences?: true;
  readonly skipMissingViews?: true;
  readonly skipLocalitiesCheck?: true;
  readonly schemaOnly?: true;
  readonly verifyBackupTableData?: true;
  readonly skipRollbackCheck?: true;
  /** PostgreSQL: objects are owned by the restoring user (pg_restore's --no-owner). */
  readonly noOwner?: true;
  /** PostgreSQL: no GRANTs, REVOKEs or default privileges are restored (pg_restore's --no-privileges). */
  readonly noPrivileges?: true;
  readonly detached?: BoolValue;
  readonly incrementalLocation?: readonly StringValue[];
  readonly executionLocality?: StringValue;
  readonly skipMissingSequenceOwners?: true;
  readonly skipMissingUdfs?: true;
  readonly removeRegions?: true;
  readonly unsafeRestoreIncompatibleVersion?: true;
  /** `experimental copy` or `experimental deferred copy` (CockroachDB's online restore). */
  readonly experimentalCopy?: 'copy' | 'deferred copy';
}

export interface ShowBackupOptions {
  readonly kms?: readonly StringValue[];
  readonly encryptionPassphrase?: StringValue;
  readonly checkFiles?: true;
  readonly asJson?: true;
  readonly skipSize?: true;
  readonly debugIds?: true;
  readonly privileges?: true;
  readonly skipRollbackCheck?: true;
  readonly incrementalLocation?: readonly StringValue[];
  readonly encryptionInfoDir?: StringValue;
}

export interface BackupStatement {
  readonly kind: 'backup';
  readonly targets?: Targets;
  readonly destination: BackupDestination;
  readonly asOf?: TimeExpr;
  readonly options: BackupOptions;
}

export interface RestoreStatement {
  readonly kind: 'restore';
  readonly targets?: Targets;
  /** `LATEST` (a bare word, so the value `latest`), a full-backup subdirectory, or a placeholder. */
  readonly from: StringValue;
  readonly uris: readonly StringValue[];
  readonly asOf?: TimeExpr;
  readonly options: RestoreOptions;
}

export interface ShowBackupsOptions {
  readonly index?: true;
}

export interface ShowBackupsStatement {
  readonly kind: 'show_backups';
  readonly uris: readonly StringValue[];
  readonly options: ShowBackupsOptions;
}

export interface ShowBackupStatement {
  readonly kind: 'show_backup';
  readonly details?: 'schemas' | 'files' | 'ranges';
  readonly from: StringValue;
  readonly uris: readonly StringValue[];
  readonly options: ShowBackupOptions;
}

export interface AlterBackupAddKms {
  readonly kind: 'add_kms';
  readonly newKms: readonly StringValue[];
  readonly oldKms: readonly StringValue[];
}

export interface AlterBackupStatement {
  readonly kind: 'alter_backup';
  /** `LATEST` or a full-backup subdirectory (or the collection when `collection` is absent). */
  readonly backup: StringValue;
  readonly collection?: StringValue;
  readonly commands: readonly AlterBackupAddKms[];
}

/**
 * A query over the jobs, kept as written (from its first to its last token): the text of
 * `JOBS (SELECT …)`, `JOBS SELECT …` or a whole `SELECT … FROM [SHOW JOBS] …`.
 */
export interface JobsQuery {
  readonly kind: 'query';
  readonly text: string;
}

/** Which jobs a job statement names. */
export type JobSelector =
  | { readonly kind: 'job'; readonly jobId: IntValue }
  | JobsQuery
  | { readonly kind: 'schedule'; readonly scheduleId: IntValue }
  | { readonly kind: 'schedules'; readonly query: JobsQuery }
  /** `ALL <type> JOBS`; the type word as written, lower-cased (`backup`, `changefeed`, …). */
  | { readonly kind: 'all'; readonly jobType: string };

export interface ShowJobsStatement {
  readonly kind: 'show_jobs';
  /** Absent: the default listing (running jobs and jobs finished in the last 12 hours). */
  readonly jobs?: Exclude<JobSelector, { kind: 'job' } | { kind: 'all' }>;
  /** `SHOW JOBS WHEN COMPLETE <query>` (only with a query): waits until those jobs end. */
  readonly whenComplete?: true;
}

export interface ShowJobStatement {
  readonly kind: 'show_job';
  readonly jobId: IntValue;
  readonly whenComplete?: true;
}

export interface JobControlStatement {
  readonly kind: 'pause_job' | 'resume_job' | 'cancel_job';
  readonly jobs: JobSelector;
  /** `PAUSE … WITH REASON = '…'` (PAUSE only). */
  readonly reason?: StringValue;
}

/** `SELECT … FROM [SHOW JOBS] …`: CockroachDB's way of filtering SHOW JOBS. */
export interface SelectJobsStatement {
  readonly kind: 'select_jobs';
  readonly query: JobsQuery;
}

export interface ShowDatabasesStatement {
  readonly kind: 'show_databases';
}

export interface ShowTablesStatement {
  readonly kind: 'show_tables';
  readonly database?: string;
}

/** Statements that EXPLAIN may wrap. */
export type ExplainableStatement =
  | BackupStatement
  | RestoreStatement
  | ShowBackupsStatement
  | ShowBackupStatement
  | AlterBackupStatement
  | ShowJobsStatement
  | ShowJobStatement
  | JobControlStatement
  | SelectJobsStatement
  | ShowDatabasesStatement
  | ShowTablesStatement;

export interface ExplainStatement {
  readonly kind: 'explain';
  readonly statement: ExplainableStatement;
}

/** `CREATE EXTERNAL CONNECTION [IF NOT EXISTS] name AS 'uri'`: a named storage or KMS URI. */
export interface CreateExternalConnectionStatement {
  readonly kind: 'create_external_connection';
  readonly ifNotExists?: true;
  readonly name: StringValue;
  readonly uri: StringValue;
}

/** `SHOW EXTERNAL CONNECTIONS` (no name) or `SHOW EXTERNAL CONNECTION name`. */
export interface ShowExternalConnectionsStatement {
  readonly kind: 'show_external_connections';
  readonly name?: StringValue;
}

export interface DropExternalConnectionStatement {
  readonly kind: 'drop_external_connection';
  readonly name: StringValue;
}

/** `SHOW BACKUP CONNECTION 'uri'`: checks that a location is reachable and writable. */
export interface ShowBackupConnectionStatement {
  readonly kind: 'show_backup_connection';
  readonly uri: StringValue;
}

/** `WITH SCHEDULE OPTIONS …` of CREATE SCHEDULE FOR BACKUP (values as written, checked by the engine). */
export interface ScheduleOption {
  readonly name: string;
  readonly value?: StringValue;
}

/** `RECURRING 'crontab' | NEVER`, `FULL BACKUP 'crontab' | ALWAYS`. */
export type Recurrence = StringValue | { readonly kind: 'never' } | { readonly kind: 'always' };

export interface CreateScheduleStatement {
  readonly kind: 'create_schedule';
  readonly ifNotExists?: true;
  readonly label?: StringValue;
  /** The scheduled BACKUP (never `AS OF SYSTEM TIME`: the scheduled time is used). */
  readonly backup: BackupStatement;
  readonly recurring: Recurrence;
  readonly fullBackup?: Recurrence;
  readonly scheduleOptions: readonly ScheduleOption[];
}

/** `SHOW SCHEDULES`, `SHOW SCHEDULE n`. */
export interface ShowSchedulesStatement {
  readonly kind: 'show_schedules';
  readonly scheduleId?: IntValue;
}

export interface ShowCreateScheduleStatement {
  readonly kind: 'show_create_schedule';
  /** Absent: `SHOW CREATE ALL SCHEDULES`. */
  readonly scheduleId?: IntValue;
}

/** `PAUSE | RESUME | DROP SCHEDULE n` or `… SCHEDULES <select>` (a query over `[SHOW SCHEDULES]`). */
export interface ScheduleControlStatement {
  readonly kind: 'pause_schedule' | 'resume_schedule' | 'drop_schedule';
  readonly schedules: Extract<JobSelector, { kind: 'schedule' | 'schedules' }>;
}

/** An extension (pgBackRest's repo-retention-full as the model): `EXPIRE BACKUPS IN 'collection'
 * WITH KEEP_FULL = n | OLDER_THAN = 'timestamp'` removes whole chains. */
export interface ExpireBackupsStatement {
  readonly kind: 'expire_backups';
  readonly uris: readonly StringValue[];
  readonly keepFull?: IntValue;
  readonly olderThan?: StringValue;
}

/** One command of ALTER BACKUP SCHEDULE. */
export type ScheduleCommand =
  | { readonly kind: 'set_label'; readonly label: StringValue }
  | { readonly kind: 'set_into'; readonly uris: readonly StringValue[] }
  | { readonly kind: 'set_with'; readonly options: BackupOptions }
  | { readonly kind: 'set_recurring'; readonly recurrence: Recurrence }
  | { readonly kind: 'set_full_backup'; readonly recurrence: Recurrence }
  | { readonly kind: 'set_schedule_option'; readonly option: ScheduleOption }
  | { readonly kind: 'execute_immediately'; readonly full: boolean };

/** `ALTER BACKUP SCHEDULE n cmd, …`. */
export interface AlterBackupScheduleStatement {
  readonly kind: 'alter_backup_schedule';
  readonly scheduleId: IntValue;
  readonly commands: readonly ScheduleCommand[];
}

/** Statements about connections, schedules and retention (EXPLAIN takes none of them). */
export type ManagementStatement =
  | CreateExternalConnectionStatement
  | ShowExternalConnectionsStatement
  | DropExternalConnectionStatement
  | ShowBackupConnectionStatement
  | CreateScheduleStatement
  | ShowSchedulesStatement
  | ShowCreateScheduleStatement
  | ScheduleControlStatement
  | AlterBackupScheduleStatement
  | ExpireBackupsStatement;

export type Statement = ExplainableStatement | ExplainStatement | ManagementStatement;
export type StatementKind = Statement['kind'];

/** Where a statement sits in the text it came from (0-based offset, 1-based line and column). */
export interface SourceSpan {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly line: number;
  readonly column: number;
}

/** One statement of a script: parsed when strongroom owns it, otherwise forwarded verbatim. */
export type ScriptStatement =
  | { readonly kind: 'owned'; readonly ast: Statement; readonly text: string; readonly span: SourceSpan }
  | { readonly kind: 'forward'; readonly text: string; readonly span: SourceSpan };
