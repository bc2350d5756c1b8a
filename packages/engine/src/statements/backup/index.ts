// BACKUP as named stages. Plan (plan.ts): reject unsupported options → resolve the destination and key
// (destination.ts) → snapshot, targets and each table's spans (plan-tables.ts). Run (run.ts): back up the
// spans, one unit each (back-up-spans.ts) → partition descriptors → manifest → chain record or LATEST
// marker (commit.ts). An adopted job resumes in its first attempt's layer directory (resume.ts).
export { type OnUnitDone, SPAN_CONCURRENCY } from './back-up-spans.js';
export {
  type BackupPlan,
  type BackupUnit,
  committedEarlier,
  type PlanBackupOptions,
  planBackup,
} from './plan.js';
export type { PlannedDatabase, PlannedTable } from './plan-tables.js';
export { type BackupCheckpoint, backupCheckpoint } from './resume.js';
export { type BackupOutcome, type RunBackupOptions, runBackup } from './run.js';
