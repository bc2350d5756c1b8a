// SHOW JOBS in the table format: 13 columns wrap into noise at 80 columns, so the table shows the few a
// DBA reads first (job_id, job_type, status, fraction_completed, created, description), with long
// descriptions shortened as CockroachDB's listing does (first 60 characters … last 7). Every other format,
// `\x`, and `SELECT * FROM [SHOW JOBS]` keep every column and every character.
import type { ResultSet } from '@strongroom/sources';

const LISTING = [
  'job_id',
  'job_type',
  'description',
  'user_name',
  'status',
  'running_status',
  'created',
  'started',
  'finished',
  'modified',
  'fraction_completed',
  'error',
  'coordinator_id',
].join(',');

const NARROW = ['job_id', 'job_type', 'status', 'fraction_completed', 'created', 'description'];

function shorten(d: string): string {
  return d.length > 70 ? `${d.slice(0, 60)} … ${d.slice(-7)}` : d;
}

/** The narrow table of a SHOW JOBS listing, or undefined when `rs` is not one. */
export function narrowJobs(rs: ResultSet): ResultSet | undefined {
  if (rs.columns.map((c) => c.name).join(',') !== LISTING) return undefined;
  const at = NARROW.map((n) => rs.columns.findIndex((c) => c.name === n));
  const desc = rs.columns.findIndex((c) => c.name === 'description');
  return {
    columns: at.map((i) => rs.columns[i]!),
    rows: rs.rows.map((row) =>
      at.map((i) =>
        i === desc && typeof row[i] === 'string' ? shorten(row[i] as string) : (row[i] ?? null),
      ),
    ),
    tag: rs.tag,
  };
}

export const NARROW_NOTE =
  '(narrow view: \\x, --format tsv or SELECT * FROM [SHOW JOBS] show every column and full descriptions)\n';
