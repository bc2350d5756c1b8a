import assert from 'node:assert/strict';
import { type ErrorCode, isStrongroomError } from '@strongroom/errors';
import { parseStatement } from '@strongroom/sql';
import { describe, it } from 'vitest';
import { checkStatement } from './statement-check.js';

function refused(text: string, code: ErrorCode, message: RegExp, hint?: RegExp): void {
  assert.throws(
    () => checkStatement(parseStatement(text)),
    (err) =>
      isStrongroomError(err, code) &&
      message.test(err.message) &&
      (hint === undefined || hint.test(err.hint ?? '')),
  );
}

const C = "'nodelocal://1/c'";

describe('checkStatement', () => {
  it('passes the statements strongroom runs', () => {
    for (const text of [
      `BACKUP INTO ${C} WITH revision_history = false, detached`,
      `RESTORE TABLE shop.t FROM LATEST IN ${C} WITH into_db = 'x'`,
      `RESTORE DATABASE shop FROM LATEST IN ${C} WITH new_db_name = 'x', schema_only, verify_backup_table_data`,
      `SHOW BACKUP FROM LATEST IN ${C} WITH check_files`,
      `SHOW BACKUPS IN ${C}`,
      `ALTER BACKUP LATEST IN ${C} ADD NEW_KMS = 'local:///k/new.key' WITH OLD_KMS = 'local:///k/old.key'`,
    ])
      checkStatement(parseStatement(text));
  });

  it('refuses BACKUP options strongroom does not take, the first one set first, with hints', () => {
    refused(
      `BACKUP INTO ${C} AS OF SYSTEM TIME '-1s' WITH revision_history`,
      'UNSUPPORTED_STATEMENT',
      /^AS OF SYSTEM TIME/,
      /consistent snapshot/,
    );
    refused(
      `BACKUP INTO ${C} WITH revision_history`,
      'UNSUPPORTED_STATEMENT',
      /^revision_history is not supported yet$/,
    );
    refused(
      `BACKUP INTO ${C} WITH include_all_virtual_clusters`,
      'UNSUPPORTED_STATEMENT',
      /no virtual clusters$/,
    );
    refused(
      `BACKUP INTO ${C} WITH updates_cluster_monitoring_metrics`,
      'UNSUPPORTED_STATEMENT',
      /no cluster metrics$/,
      /SHOW JOBS/,
    );
  });

  it('refuses RESTORE option combinations and options strongroom does not take', () => {
    refused(
      `RESTORE FROM LATEST IN ${C} WITH verify_backup_table_data`,
      'INVALID_OPTION',
      /schema_only option must be set/,
    );
    refused(`RESTORE DATABASE d FROM LATEST IN ${C} WITH into_db = 'x'`, 'INVALID_OPTION', /into_db/);
    refused(`RESTORE TABLE t FROM LATEST IN ${C} WITH new_db_name = 'x'`, 'INVALID_OPTION', /new_db_name/);
    refused(
      `RESTORE FROM LATEST IN ${C} WITH skip_missing_udfs`,
      'UNSUPPORTED_STATEMENT',
      /^skip_missing_udfs/,
    );
    refused(`RESTORE FROM LATEST IN ${C} WITH remove_regions`, 'UNSUPPORTED_STATEMENT', /^remove_regions/);
  });

  it('refuses SHOW BACKUP options strongroom does not take', () => {
    refused(
      `SHOW BACKUP FROM LATEST IN ${C} WITH privileges`,
      'UNSUPPORTED_STATEMENT',
      /^privileges is not supported/,
    );
    refused(
      `SHOW BACKUP FROM LATEST IN ${C} WITH debug_ids`,
      'UNSUPPORTED_STATEMENT',
      /^debug_ids is not supported/,
    );
  });

  it('refuses ALTER BACKUP on a subdirectory without IN', () => {
    refused(
      "ALTER BACKUP '2026/12/01-120000.00' ADD NEW_KMS = 'local:///k/new.key' WITH OLD_KMS = 'local:///k/old.key'",
      'INVALID_URI',
      /without IN needs the backup's URI/,
      /IN '<collection URI>'/,
    );
  });
});
