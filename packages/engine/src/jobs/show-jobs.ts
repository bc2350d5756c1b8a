// SHOW JOBS / SHOW JOB n with CockroachDB's columns (reference §8). Descriptions are the redacted
// statements recorded at job creation, shortened in the listing form as CockroachDB does.
import type { ResultSet, ResultValue } from '@strongroom/sources';
import type { JobRecord, JobsStore } from './jobs-store.js';

export const JOB_COLUMNS = [
  ['job_id', 'int8'],
  ['job_type', 'text'],
  ['description', 'text'],
  ['user_name', 'text'],
  ['status', 'text'],
  ['running_status', 'text'],
  ['created', 'timestamptz'],
  ['started', 'timestamptz'],
  ['finished', 'timestamptz'],
  ['modified', 'timestamptz'],
  ['fraction_completed', 'float8'],
  ['error', 'text'],
  ['coordinator_id', 'int8'],
] as const;

function shorten(d: string): string {
  return d.length > 70 ? `${d.slice(0, 60)} … ${d.slice(-7)}` : d;
}

const sec = (d: Date | null): Date | null =>
  d === null ? null : new Date(Math.floor(d.getTime() / 1000) * 1000);

function row(j: JobRecord, full: boolean): ResultValue[] {
  return [
    j.id,
    j.type,
    full ? j.description : shorten(j.description),
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
}

export function showJobs(store: JobsStore, id?: bigint): ResultSet {
  const jobs = id === undefined ? store.list() : [store.get(id)];
  return {
    columns: JOB_COLUMNS.map(([name, type]) => ({ name, type })),
    rows: jobs.map((j) => row(j, id !== undefined)),
    tag: `SHOW ${jobs.length}`,
  };
}
