// The result columns of the schedule statements, after CockroachDB's.
import type { ResultColumn } from '@strongroom/sources';

/** SHOW SCHEDULES / SHOW SCHEDULE n. */
export const SCHEDULE_COLUMNS: readonly ResultColumn[] = [
  { name: 'id', type: 'int8' },
  { name: 'label', type: 'text' },
  { name: 'schedule_status', type: 'text' },
  { name: 'next_run', type: 'timestamptz' },
  { name: 'state', type: 'text' },
  { name: 'recurrence', type: 'text' },
  { name: 'jobsrunning', type: 'int8' },
  { name: 'owner', type: 'text' },
  { name: 'created', type: 'timestamptz' },
  { name: 'command', type: 'jsonb' },
];

/** What CREATE SCHEDULE FOR BACKUP returns: one row per schedule created, the incremental one first. */
export const CREATED_SCHEDULE_COLUMNS: readonly ResultColumn[] = [
  { name: 'schedule_id', type: 'int8' },
  { name: 'label', type: 'text' },
  { name: 'status', type: 'text' },
  { name: 'first_run', type: 'timestamptz' },
  { name: 'schedule', type: 'text' },
  { name: 'backup_stmt', type: 'text' },
];

export const SHOW_CREATE_COLUMNS: readonly ResultColumn[] = [
  { name: 'schedule_id', type: 'int8' },
  { name: 'create_statement', type: 'text' },
];
