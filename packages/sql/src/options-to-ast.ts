// Turns a `WITH …` clause's CST into an options object. The grammar already restricts which options each
// statement takes; this file maps them to AST fields and rejects a repeated option by name
// (`kms specified multiple times`, `detached option specified multiple times`: CockroachDB's CombineWith
// wording) as DUPLICATE_OPTION.
import type { CstNode, IToken } from 'chevrotain';
import type { BoolValue, StringValue } from './ast.js';
import { children, firstToken, nodeAt, nodesOf, tokenAt } from './cst-access.js';
import { nearText } from './lex.js';
import { statementError } from './syntax-error.js';
import type { ValueBuilder } from './values-to-ast.js';

type OptionValue = StringValue | BoolValue | readonly StringValue[] | true | string;

/** Options written as one keyword: AST field and canonical name. */
const FLAGS: Record<string, readonly [string, string]> = {
  STRICT: ['strictStorageLocality', 'strict storage locality'],
  SKIP_MISSING_FOREIGN_KEYS: ['skipMissingForeignKeys', 'skip_missing_foreign_keys'],
  SKIP_MISSING_SEQUENCES: ['skipMissingSequences', 'skip_missing_sequences'],
  SKIP_MISSING_VIEWS: ['skipMissingViews', 'skip_missing_views'],
  SKIP_LOCALITIES_CHECK: ['skipLocalitiesCheck', 'skip_localities_check'],
  SCHEMA_ONLY: ['schemaOnly', 'schema_only'],
  VERIFY_BACKUP_TABLE_DATA: ['verifyBackupTableData', 'verify_backup_table_data'],
  NO_OWNER: ['noOwner', 'no_owner'],
  NO_PRIVILEGES: ['noPrivileges', 'no_privileges'],
  CHECK_FILES: ['checkFiles', 'check_files'],
  SKIP_ROLLBACK_CHECK: ['skipRollbackCheck', 'skip_rollback_check'],
  AS_JSON: ['asJson', 'as_json'],
  SKIP: ['skipSize', 'skip size'],
  DEBUG_IDS: ['debugIds', 'debug_ids'],
  PRIVILEGES: ['privileges', 'privileges'],
  INDEX: ['index', 'index'],
  SKIP_MISSING_SEQUENCE_OWNERS: ['skipMissingSequenceOwners', 'skip_missing_sequence_owners'],
  SKIP_MISSING_UDFS: ['skipMissingUdfs', 'skip_missing_udfs'],
  REMOVE_REGIONS: ['removeRegions', 'remove_regions'],
  UNSAFE_RESTORE_INCOMPATIBLE_VERSION: [
    'unsafeRestoreIncompatibleVersion',
    'unsafe_restore_incompatible_version',
  ],
};

type Kind = 'list' | 'string' | 'bool';
/** Options with a value, by rule name: AST field, canonical name, value shape. */
const VALUED: Record<string, readonly [string, string, Kind]> = {
  kmsOption: ['kms', 'kms', 'list'],
  passphraseOption: ['encryptionPassphrase', 'encryption_passphrase', 'string'],
  revisionHistoryOption: ['revisionHistory', 'revision_history', 'bool'],
  detachedOption: ['detached', 'detached', 'bool'],
  incrementalLocationOption: ['incrementalLocation', 'incremental_location', 'list'],
  executionLocalityOption: ['executionLocality', 'execution locality', 'string'],
  intoDbOption: ['intoDb', 'into_db', 'string'],
  newDbNameOption: ['newDbName', 'new_db_name', 'string'],
  encryptionInfoDirOption: ['encryptionInfoDir', 'encryption_info_dir', 'string'],
  includeAllVirtualClustersOption: ['includeAllVirtualClusters', 'include_all_virtual_clusters', 'bool'],
  updatesMetricsOption: ['updatesClusterMonitoringMetrics', 'updates_cluster_monitoring_metrics', 'bool'],
};

function optionEntry(v: ValueBuilder, option: CstNode): [string, string, IToken, OptionValue] {
  const c = children(option);
  for (const [rule, [field, name, kind]] of Object.entries(VALUED)) {
    const n = nodeAt(c, rule);
    if (n === undefined) continue;
    const nc = children(n);
    const first = firstToken(n)!;
    if (kind === 'list') return [field, name, first, v.stringOrList(nodeAt(nc, 'stringOrList')!)];
    if (kind === 'string') return [field, name, first, v.stringValue(nodeAt(nc, 'stringValue')!)];
    const b = nodeAt(nc, 'boolValue');
    // CockroachDB names its boolean options "… option" when they repeat (CombineWith).
    return [field, `${name} option`, first, b === undefined ? { kind: 'bool', value: true } : v.boolValue(b)];
  }
  const experimental = tokenAt(c, 'EXPERIMENTAL');
  if (experimental !== undefined) {
    const copy = tokenAt(c, 'DEFERRED') === undefined ? 'copy' : 'deferred copy';
    return ['experimentalCopy', 'experimental copy', experimental, copy];
  }
  for (const [tokenName, [field, name]] of Object.entries(FLAGS)) {
    const t = tokenAt(c, tokenName);
    if (t !== undefined) return [field, name, t, true];
  }
  throw new Error(`unknown option node ${JSON.stringify(Object.keys(c))}`);
}

/** Builds the options object of a `backupOptions`/`restoreOptions`/`showBackupOptions` node (or none). */
export function optionsToAst<T>(v: ValueBuilder, withClause: CstNode | undefined, optionRule: string): T {
  const out: Record<string, OptionValue> = {};
  if (withClause === undefined) return out as T;
  for (const option of nodesOf(children(withClause), optionRule)) {
    const [field, name, token, value] = optionEntry(v, option);
    if (field in out) {
      throw statementError(
        v.text,
        token.startOffset,
        nearText(token),
        `${name} specified multiple times`,
        'DUPLICATE_OPTION',
      );
    }
    out[field] = value;
  }
  return out as T;
}
