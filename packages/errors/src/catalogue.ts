// The one catalogue of error codes. Each code maps to a CLI exit code and a SQLSTATE for the wire
// protocol; `fault` says whose fault it is, `retryable` whether the same call may succeed later.
// Add new codes here only: a code is a stable public name, never renamed.

export interface ErrorSpec {
  readonly sqlstate: string;
  readonly exitCode: number;
  readonly fault: 'user' | 'system';
  readonly retryable: boolean;
}

const user = (sqlstate: string, exitCode = 1): ErrorSpec => ({
  sqlstate,
  exitCode,
  fault: 'user',
  retryable: false,
});
const system = (sqlstate: string, retryable = false): ErrorSpec => ({
  sqlstate,
  exitCode: 1,
  fault: 'system',
  retryable,
});

export const ERROR_CATALOGUE = {
  // statement language
  SYNTAX_ERROR: user('42601'),
  DUPLICATE_OPTION: user('42601'),
  UNSUPPORTED_STATEMENT: user('0A000'),
  INVALID_OPTION: user('22023'),
  INVALID_PARAMETER: user('22023'),
  MISSING_PARAMETER: user('42P02'),
  REDACTED_SECRET: user('22023'),
  // URIs and providers
  INVALID_URI: user('22023'),
  UNKNOWN_SCHEME: user('0A000'),
  UNKNOWN_URI_PARAMETER: user('22023'),
  INVALID_LOCALITY: user('22023'),
  // storage
  STORAGE_NOT_FOUND: user('58P01'),
  STORAGE_ALREADY_EXISTS: user('58P02'),
  STORAGE_UNAVAILABLE: system('58030', true),
  STORAGE_IO: system('58030'),
  /** No space left on the device (or the quota) something was being written to: PostgreSQL's disk_full. */
  DISK_FULL: system('53100'),
  /** A path resolves outside the directory a store is confined to (nodelocal:// through a symlink). */
  STORAGE_PERMISSION: user('42501'),
  // kms and crypto
  KMS_UNAVAILABLE: system('58030', true),
  KMS_KEY_NOT_FOUND: user('22023'),
  KMS_KEY_DISABLED: user('55000'),
  // Not the 28xxx class: drivers raise that as a failed login, and the login did not fail.
  KMS_ACCESS_DENIED: user('42501'),
  KMS_KEY_MISMATCH: user('22023'),
  WRONG_KEY: user('22023'),
  CORRUPTED: system('XX001'),
  /** A layer or full backup this host or an authenticated record knows of is missing (removed, rolled back). */
  ROLLBACK_DETECTED: system('XX001'),
  NOT_ENCRYPTED: user('22023'),
  ENCRYPTION_REQUIRED: user('22023'),
  // backup catalogue and engine
  BACKUP_NOT_FOUND: user('42704'),
  BACKUP_EXISTS: user('42710'),
  LOCALITY_MISSING: user('22023'),
  STRICT_LOCALITY: user('22023'),
  INVALID_TIME: user('22008'),
  TARGET_NOT_FOUND: user('42P01'),
  TARGET_EXISTS: user('42P07'),
  DATABASE_NOT_FOUND: user('3D000'),
  ROLE_NOT_FOUND: user('42704'),
  INCOMPATIBLE_CHAIN: user('22023'),
  // sources
  SOURCE_UNAVAILABLE: system('08006', true),
  SOURCE_ERROR: user('XX000'),
  UNSUPPORTED_VALUE: user('0A000'),
  // jobs
  JOB_NOT_FOUND: user('42704'),
  JOB_STATE: user('55000'),
  CANCELED: user('57014'),
  // the state store (jobs, schedules, connections) could not be reached
  STATE_STORE_UNAVAILABLE: system('08006', true),
  // external connections and schedules
  CONNECTION_NOT_FOUND: user('42704'),
  CONNECTION_EXISTS: user('42710'),
  SCHEDULE_NOT_FOUND: user('42704'),
  SCHEDULE_EXISTS: user('42710'),
  BACKUP_IN_USE: user('55006'),
  // everything else
  INTERNAL: system('XX000'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
