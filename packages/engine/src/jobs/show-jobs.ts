// SHOW JOBS / SHOW JOB n with CockroachDB's columns. The listing form has 13 columns;
// naming jobs (SHOW JOB n, SHOW JOBS <query>) adds `statement` after the description and `trace_id`,
// `execution_errors` at the end. Descriptions are never cut here: output formats decide how wide a
// column may be (the table format narrows SHOW JOBS; TSV, CSV and JSON keep every character).
import type { ResultColumn, ResultSet, ResultValue } from '@strongroom/sources';
import type { JobRecord } from './jobs-store.js';

const col = (name: string, type: string): ResultColumn => ({ name, type });

export const LISTING: readonly ResultColumn[] = [
  col('job_id', 'int8'),
  col('job_type', 'text'),
  col('description', 'text'),
  col('user_name', 'text'),
  col('status', 'text'),
  col('running_status', 'text'),
  col('created', 'timestamptz'),
  col('started', 'timestamptz'),
  col('finished', 'timestamptz'),
  col('modified', 'timestamptz'),
  col('fraction_completed', 'float8'),
  col('error', 'text'),
  col('coordinator_id', 'int8'),
];

export const FULL: readonly ResultColumn[] = [
  ...LISTING.slice(0, 3),
  col('statement', 'text'),
  ...LISTING.slice(3),
  col('trace_id', 'int8'),
  col('execution_errors', 'text'),
];

const sec = (d: Date | null): Date | null =>
  d === null ? null : new Date(Math.floor(d.getTime() / 1000) * 1000);

function row(j: JobRecord, full: boolean): ResultValue[] {
  const rest: ResultValue[] = [
    j.userName,
    j.status,
    j.runningStatus,
    sec(j.created),
    sec(j.started),
    sec(j.finished),
    sec(j.modified),
    Math.round(j.fractionCompleted * 10000) / 10000,
    j.error ?? '',
    BigInt(j.coordinatorId),
  ];
  // A job's description is its redacted statement, so `statement` repeats it; strongroom traces nothing
  // (trace_id 0) and a job runs once, so its execution errors are at most its error.
  if (full)
    return [
      j.id,
      j.type,
      j.description,
      j.description,
      ...rest,
      0n,
      j.error === null ? '{}' : `{${JSON.stringify(j.error)}}`,
    ];
  return [j.id, j.type, j.description, ...rest];
}

/** The default listing (CockroachDB's: running jobs and jobs finished within 12 hours, newest first). */
export function showJobsListing(jobs: readonly JobRecord[]): ResultSet {
  return { columns: LISTING, rows: jobs.map((j) => row(j, false)), tag: `SHOW ${jobs.length}` };
}

/** Named jobs, in full; an ID without a job gives no row (as in CockroachDB). */
export function showJobsFull(jobs: readonly JobRecord[]): ResultSet {
  return { columns: FULL, rows: jobs.map((j) => row(j, true)), tag: `SHOW ${jobs.length}` };
}
