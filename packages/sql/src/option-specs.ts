// The canonical order and spelling of each statement's options, used by the formatter. `uri` marks
// values that are storage or KMS URIs (redacted for display); `secret` marks the passphrase.
import type { BackupOptions, RestoreOptions, ShowBackupOptions, ShowBackupsOptions } from './ast.js';

/** `words`: a keyword option whose value is more words (`experimental deferred copy`). */
export type OptionShape = 'list' | 'string' | 'bool' | 'flag' | 'words';

export interface OptionSpec<T> {
  readonly field: keyof T & string;
  readonly name: string;
  readonly shape: OptionShape;
  readonly uri?: true;
  readonly secret?: true;
}

const kms = { field: 'kms', name: 'kms', shape: 'list', uri: true } as const;
const passphrase = {
  field: 'encryptionPassphrase',
  name: 'encryption_passphrase',
  shape: 'string',
  secret: true,
} as const;
const incremental = {
  field: 'incrementalLocation',
  name: 'incremental_location',
  shape: 'list',
  uri: true,
} as const;
const locality = { field: 'executionLocality', name: 'execution locality', shape: 'string' } as const;
const detached = { field: 'detached', name: 'detached', shape: 'bool' } as const;
/** An extension: proceed although this host knows of a newer backup than the collection shows. */
const rollback = { field: 'skipRollbackCheck', name: 'skip_rollback_check', shape: 'flag' } as const;

export const BACKUP_OPTIONS: readonly OptionSpec<BackupOptions>[] = [
  kms,
  passphrase,
  { field: 'revisionHistory', name: 'revision_history', shape: 'bool' },
  detached,
  incremental,
  locality,
  { field: 'strictStorageLocality', name: 'strict storage locality', shape: 'flag' },
  { field: 'includeAllVirtualClusters', name: 'include_all_virtual_clusters', shape: 'bool' },
  { field: 'updatesClusterMonitoringMetrics', name: 'updates_cluster_monitoring_metrics', shape: 'bool' },
  rollback,
];

export const RESTORE_OPTIONS: readonly OptionSpec<RestoreOptions>[] = [
  kms,
  passphrase,
  { field: 'intoDb', name: 'into_db', shape: 'string' },
  { field: 'newDbName', name: 'new_db_name', shape: 'string' },
  { field: 'skipMissingForeignKeys', name: 'skip_missing_foreign_keys', shape: 'flag' },
  { field: 'skipMissingSequences', name: 'skip_missing_sequences', shape: 'flag' },
  { field: 'skipMissingViews', name: 'skip_missing_views', shape: 'flag' },
  { field: 'skipLocalitiesCheck', name: 'skip_localities_check', shape: 'flag' },
  { field: 'schemaOnly', name: 'schema_only', shape: 'flag' },
  { field: 'verifyBackupTableData', name: 'verify_backup_table_data', shape: 'flag' },
  rollback,
  { field: 'noOwner', name: 'no_owner', shape: 'flag' },
  { field: 'noPrivileges', name: 'no_privileges', shape: 'flag' },
  detached,
  incremental,
  locality,
  { field: 'skipMissingSequenceOwners', name: 'skip_missing_sequence_owners', shape: 'flag' },
  { field: 'skipMissingUdfs', name: 'skip_missing_udfs', shape: 'flag' },
  { field: 'removeRegions', name: 'remove_regions', shape: 'flag' },
  { field: 'unsafeRestoreIncompatibleVersion', name: 'unsafe_restore_incompatible_version', shape: 'flag' },
  { field: 'experimentalCopy', name: 'experimental', shape: 'words' },
];

export const SHOW_BACKUP_OPTIONS: readonly OptionSpec<ShowBackupOptions>[] = [
  kms,
  passphrase,
  { field: 'checkFiles', name: 'check_files', shape: 'flag' },
  { field: 'asJson', name: 'as_json', shape: 'flag' },
  { field: 'skipSize', name: 'skip size', shape: 'flag' },
  { field: 'debugIds', name: 'debug_ids', shape: 'flag' },
  { field: 'privileges', name: 'privileges', shape: 'flag' },
  rollback,
  incremental,
  { field: 'encryptionInfoDir', name: 'encryption_info_dir', shape: 'string' },
];

export const SHOW_BACKUPS_OPTIONS: readonly OptionSpec<ShowBackupsOptions>[] = [
  { field: 'index', name: 'index', shape: 'flag' },
];
