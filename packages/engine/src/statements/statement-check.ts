// What can be known about a statement without running it: forms and options strongroom parses (because
// CockroachDB does) but refuses, option combinations CockroachDB rejects, storage and KMS URIs as their providers parse them, and the
// queries of job statements. `strongroom check` and the engine run this same function, so a statement
// that check passes never fails at run time for a reason check could have seen.
import { StrongroomError } from '@strongroom/errors';
import { defaultKmsRegistry } from '@strongroom/kms';
import {
  type AlterBackupStatement,
  type BackupStatement,
  type CreateScheduleStatement,
  type ExplainableStatement,
  type JobSelector,
  type RestoreStatement,
  redactionMarkers,
  type ShowBackupStatement,
  type Statement,
  type StringValue,
} from '@strongroom/sql';
import { defaultStorageRegistry } from '@strongroom/storage';
import { LOCALITY_PARAM, parseLocalityUris, stripUriParam } from '@strongroom/uri';
import { EXTERNAL_SCHEME } from '../connections/external-uri.js';
import { checkJobsQuery } from '../jobs/jobs-query.js';
import { checkScheduleOptions, checkScheduleSecrets } from '../schedules/schedule-plan.js';
import { checkSchedulesQuery } from '../state/state-store.js';

const refuse = (message: string, hint?: string): StrongroomError =>
  new StrongroomError('UNSUPPORTED_STATEMENT', message, { hint });

const invalid = (message: string): StrongroomError => new StrongroomError('INVALID_OPTION', message);

/** The job types strongroom runs; `PAUSE ALL <type> JOBS` takes these. */
export const JOB_TYPES: ReadonlySet<string> = new Set(['backup', 'restore']);

const isTrue = (v: { kind: string; value?: unknown } | undefined): boolean =>
  v !== undefined && v.kind === 'bool' && v.value === true;

/** `external://name`: resolved (and validated) from the stored connection when the statement runs. */
const isExternal = (uri: string): boolean => uri.toLowerCase().startsWith(`${EXTERNAL_SCHEME}:`);

function literal(v: StringValue | undefined): string | undefined {
  return v?.kind === 'string' ? v.value : undefined;
}

/** BACKUP's URIs follow the locality rules; RESTORE and SHOW may list a backup's stores without them. */
function checkStorageUris(uris: readonly StringValue[], forBackup = false): void {
  const values = uris.map(literal);
  if (values.some((u) => u === undefined)) return; // placeholders: checked once bound
  const plain = forBackup
    ? (({ defaultUri, byLocality }) => [defaultUri, ...byLocality.values()])(
        parseLocalityUris(values as string[]),
      )
    : (values as string[]).map((u) => stripUriParam(u, LOCALITY_PARAM));
  const registry = defaultStorageRegistry();
  for (const uri of plain) if (!isExternal(uri)) registry.validate(uri);
}

function checkKmsUris(uris: readonly StringValue[] | undefined): void {
  const registry = defaultKmsRegistry();
  for (const v of uris ?? []) {
    const uri = literal(v);
    if (uri !== undefined && !isExternal(uri)) registry.validate(uri);
  }
}

function checkJobs(j: JobSelector): void {
  switch (j.kind) {
    case 'schedule':
      return;
    case 'schedules':
      checkSchedulesQuery(j.query.text);
      return;
    case 'all':
      if (!JOB_TYPES.has(j.jobType))
        throw refuse(
          `strongroom runs no ${j.jobType.toUpperCase()} jobs; ALL … JOBS takes BACKUP or RESTORE`,
        );
      return;
    case 'query':
      checkJobsQuery(j.text);
      return;
    case 'job':
      return;
  }
}

function checkExplainable(s: ExplainableStatement): void {
  switch (s.kind) {
    case 'backup':
      checkBackup(s);
      return;
    case 'restore':
      checkRestore(s);
      return;
    case 'show_backups':
      checkStorageUris(s.uris);
      if (s.options.index)
        throw refuse(
          'SHOW BACKUPS … WITH index is not supported: strongroom keeps no backup index; SHOW BACKUPS lists the full backups it finds',
        );
      return;
    case 'show_backup':
      checkShowBackup(s);
      return;
    case 'alter_backup':
      checkAlterBackup(s);
      return;
    case 'show_jobs':
      if (s.jobs !== undefined) checkJobs(s.jobs);
      return;
    case 'pause_job':
    case 'resume_job':
    case 'cancel_job':
      checkJobs(s.jobs);
      return;
    case 'select_jobs':
      checkJobsQuery(s.query.text);
      return;
    case 'show_job':
    case 'show_databases':
    case 'show_tables':
      return;
  }
}

/** Refuses the first option set among `options` (in order), with its message and hint. */
function refuseSet(options: readonly (readonly [set: unknown, message: string, hint?: string])[]): void {
  for (const [set, message, hint] of options) if (set) throw refuse(message, hint);
}

const NO_INCREMENTAL_LOCATION = 'incremental_location is not supported (removed in CockroachDB v26.2)';

function checkBackup(s: BackupStatement): void {
  const o = s.options;
  checkStorageUris(s.destination.uris, true);
  checkKmsUris(o.kms);
  refuseSet([
    [
      s.asOf,
      'AS OF SYSTEM TIME is not supported on BACKUP',
      'a backup always captures a consistent snapshot of the present',
    ],
    [isTrue(o.revisionHistory), 'revision_history is not supported yet'],
    [o.incrementalLocation, NO_INCREMENTAL_LOCATION],
    [
      isTrue(o.includeAllVirtualClusters),
      'include_all_virtual_clusters is not supported: SQLite and PostgreSQL sources have no virtual clusters',
    ],
    [
      isTrue(o.updatesClusterMonitoringMetrics),
      'updates_cluster_monitoring_metrics is not supported: strongroom exports no cluster metrics',
      'watch SHOW JOBS, or the exit status of strongroom, instead',
    ],
  ]);
}

function checkRestore(s: RestoreStatement): void {
  const o = s.options;
  checkStorageUris(s.uris);
  checkKmsUris(o.kms);
  if (o.verifyBackupTableData && !o.schemaOnly)
    throw invalid('to set the verify_backup_table_data option, the schema_only option must be set');
  if (o.incrementalLocation) throw refuse(NO_INCREMENTAL_LOCATION);
  if (o.intoDb && s.targets?.kind !== 'tables')
    throw invalid('cannot use "into_db" option when restoring database(s)');
  if (o.newDbName && (s.targets?.kind !== 'databases' || s.targets.names.length !== 1))
    throw invalid('new_db_name can only be used for RESTORE DATABASE with a single target database');
  refuseSet([
    [
      o.skipMissingSequenceOwners,
      'skip_missing_sequence_owners is not supported: a sequence is restored with its table',
    ],
    [
      o.skipMissingUdfs,
      'skip_missing_udfs is not supported: strongroom does not restore user-defined functions',
    ],
    [o.removeRegions, 'remove_regions is not supported: SQLite and PostgreSQL sources have no regions'],
    [
      o.unsafeRestoreIncompatibleVersion,
      'unsafe_restore_incompatible_version is not supported: a backup of a format this version cannot read is refused',
    ],
    [
      o.experimentalCopy,
      `experimental ${o.experimentalCopy} (online restore) is not supported: a restore copies every row before it ends`,
    ],
  ]);
}

function checkShowBackup(s: ShowBackupStatement): void {
  const o = s.options;
  checkStorageUris(s.uris);
  checkKmsUris(o.kms);
  refuseSet([
    [o.incrementalLocation, NO_INCREMENTAL_LOCATION],
    [
      o.encryptionInfoDir,
      'encryption_info_dir is not supported: it only served incremental backups of the removed BACKUP TO syntax (removed in CockroachDB v26.2)',
    ],
    [o.privileges, 'privileges is not supported: strongroom backups do not record privileges yet'],
    [o.debugIds, 'debug_ids is not supported: strongroom backups have no descriptor IDs'],
  ]);
}

function checkAlterBackup(s: AlterBackupStatement): void {
  const target = literal(s.backup);
  const named = target !== undefined && target !== 'latest';
  if (s.collection === undefined && named && !target.includes('://'))
    throw new StrongroomError(
      'INVALID_URI',
      `ALTER BACKUP ${JSON.stringify(target)} without IN needs the backup's URI, not a subdirectory`,
      { hint: `write ALTER BACKUP '${target}' IN '<collection URI>' …` },
    );
  if (s.collection !== undefined) checkStorageUris([s.collection]);
  else if (named) checkStorageUris([s.backup]);
  for (const c of s.commands) {
    checkKmsUris(c.newKms);
    checkKmsUris(c.oldKms);
  }
}

/** Throws the StrongroomError a statement would fail with for a reason visible without running it. */
export function checkStatement(s: Statement): void {
  refuseRedactionMarkers(s);
  switch (s.kind) {
    case 'explain':
      checkExplainable(s.statement);
      return;
    case 'create_external_connection':
    case 'show_external_connections':
    case 'drop_external_connection':
    case 'show_schedules':
    case 'show_create_schedule':
    case 'alter_backup_schedule':
      return;
    case 'pause_schedule':
    case 'resume_schedule':
    case 'drop_schedule':
      if (s.schedules.kind === 'schedules') checkSchedulesQuery(s.schedules.query.text);
      return;
    case 'show_backup_connection':
      checkStorageUris([s.uri]);
      return;
    case 'expire_backups':
      checkStorageUris(s.uris);
      return;
    case 'create_schedule':
      checkSchedule(s);
      return;
    default:
      checkExplainable(s);
  }
}

/** A scheduled BACKUP: checked as a BACKUP, and its secrets must come through external connections. */
function checkSchedule(s: CreateScheduleStatement): void {
  // Secrets first: a secret parameter in a schedule is refused as such, even where the URI's provider
  // would not take that parameter at all.
  checkScheduleSecrets(s.backup);
  checkExplainable(s.backup);
  checkScheduleOptions(s);
}

/** A secret that reads `*****` or `redacted` was copied from a redacted text (history, a job description):
 * running it would encrypt a backup under the marker itself, so it is refused. */
function refuseRedactionMarkers(ast: Statement): void {
  const [marker] = redactionMarkers(ast);
  if (marker === undefined) return;
  const what =
    marker.where === 'encryption_passphrase'
      ? "encryption_passphrase is the redaction marker '*****'"
      : 'a URI holds the redaction marker "redacted" in place of a password or secret parameter';
  throw new StrongroomError(
    'REDACTED_SECRET',
    `${what}, not a secret: the statement was copied from a redacted form (history, a job description)`,
    { hint: 'type the secret again, or pass it as a $1 placeholder' },
  );
}
