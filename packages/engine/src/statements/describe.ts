// The result columns of an owned statement without running it (the wire protocol's Describe): they follow
// from the statement's kind and options alone, as the planners build them. A `detached` given as a
// placeholder is described as not detached (its value is not known before Bind).
import { assertNever } from '@strongroom/errors';
import type { ResultColumn } from '@strongroom/sources';
import type { BoolValue, Statement } from '@strongroom/sql';
import { CHECK_COLUMNS, CONNECTION_COLUMNS } from '../connections/connection-statements.js';
import { FULL, LISTING } from '../jobs/show-jobs.js';
import { EXPIRE_COLUMNS } from '../retention/expire.js';
import {
  CREATED_SCHEDULE_COLUMNS,
  SCHEDULE_COLUMNS,
  SHOW_CREATE_COLUMNS,
} from '../schedules/schedule-columns.js';
import { BASE_COLUMNS, FILES_COLUMNS, RANGES_COLUMNS } from './show.js';

export const JOB_RESULT: readonly ResultColumn[] = [
  { name: 'job_id', type: 'int8' },
  { name: 'status', type: 'text' },
  { name: 'fraction_completed', type: 'float8' },
  { name: 'rows', type: 'int8' },
];

const isTrue = (b: BoolValue | undefined): boolean => b?.kind === 'bool' && b.value;

/** Undefined where the columns depend on what runs (a query over [SHOW JOBS]). */
export function describeStatement(ast: Statement): readonly ResultColumn[] | undefined {
  switch (ast.kind) {
    case 'backup':
    case 'restore':
      return isTrue(ast.options.detached) ? JOB_RESULT.slice(0, 1) : JOB_RESULT;
    case 'show_backups':
      return [{ name: 'path', type: 'text' }];
    case 'show_backup': {
      const o = ast.options;
      if (o.asJson) return [{ name: 'manifest', type: 'jsonb' }];
      if (ast.details === 'files') return FILES_COLUMNS;
      if (ast.details === 'ranges') return RANGES_COLUMNS;
      return [
        ...BASE_COLUMNS,
        ...(ast.details === 'schemas' ? [{ name: 'create_statement', type: 'text' }] : []),
        ...(o.checkFiles ? [{ name: 'file_bytes', type: 'int8' }] : []),
      ];
    }
    case 'show_jobs':
      return ast.jobs === undefined ? LISTING : FULL;
    case 'show_job':
      return FULL;
    case 'select_jobs':
      return undefined;
    case 'show_databases':
      return [{ name: 'database_name', type: 'text' }];
    case 'show_tables':
      return [
        { name: 'database_name', type: 'text' },
        { name: 'table_name', type: 'text' },
      ];
    case 'explain':
      return [{ name: 'info', type: 'text' }];
    case 'show_external_connections':
      return CONNECTION_COLUMNS;
    case 'show_backup_connection':
      return CHECK_COLUMNS;
    case 'show_schedules':
      return SCHEDULE_COLUMNS;
    case 'create_schedule':
    case 'alter_backup_schedule':
      return CREATED_SCHEDULE_COLUMNS;
    case 'show_create_schedule':
      return SHOW_CREATE_COLUMNS;
    case 'expire_backups':
      return EXPIRE_COLUMNS;
    case 'create_external_connection':
    case 'drop_external_connection':
    case 'pause_schedule':
    case 'resume_schedule':
    case 'drop_schedule':
    case 'alter_backup':
    case 'pause_job':
    case 'resume_job':
    case 'cancel_job':
      return [];
    default:
      return assertNever(ast, 'statement kind');
  }
}
