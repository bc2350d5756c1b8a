// Queries over the jobs, CockroachDB style: `[SHOW JOBS]` used as a table (`SELECT … FROM [SHOW JOBS]
// WHERE …`) and the `(SELECT …)` of `PAUSE/RESUME/CANCEL JOBS` and `SHOW JOBS`. Each `[SHOW JOBS]` becomes
// a subquery with SHOW JOBS' columns over the jobs store, and the query runs read-only in the store's
// SQLite database (so its SQL is SQLite's, whatever the source). Timestamps read as
// `YYYY-MM-DD HH:MM:SS` text in UTC, so `created > '2026-12-04 10:00'` compares as expected.
import { StrongroomError } from '@strongroom/errors';
import type { ResultSet, ResultValue } from '@strongroom/sources';
import { showJobsSources } from '@strongroom/sql';
import Database from 'better-sqlite3';
import { JOBS_TABLE_SQL } from './jobs-store.js';

const ts = (c: string): string => `substr(replace(${c}, 'T', ' '), 1, 19)`;

/** SHOW JOBS' listing: running jobs and jobs finished in the last 12 hours (CockroachDB's default). */
const SHOW_JOBS_SUBQUERY = `(SELECT id AS job_id, job_type, description, user_name, status, running_status,
  ${ts('created')} AS created, ${ts('started')} AS started, ${ts('finished')} AS finished,
  ${ts('modified')} AS modified, round(fraction_completed, 4) AS fraction_completed, COALESCE(error, '') AS error,
  coordinator_id FROM jobs
  WHERE finished IS NULL OR finished >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-12 hours'))`;

/** The query with every `[SHOW JOBS]` replaced by the subquery over the store. */
export function expandShowJobs(text: string): string {
  let out = '';
  let at = 0;
  for (const s of showJobsSources(text)) {
    out += `${text.slice(at, s.start)}${SHOW_JOBS_SUBQUERY}`;
    at = s.end;
  }
  return out + text.slice(at);
}

function invalidQuery(err: unknown): StrongroomError {
  const why = err instanceof Error ? err.message : String(err);
  return new StrongroomError('SYNTAX_ERROR', `invalid query over [SHOW JOBS]: ${why}`, {
    hint: "the query runs in SQLite over [SHOW JOBS], e.g. (SELECT job_id FROM [SHOW JOBS] WHERE status = 'running')",
  });
}

/** Prepares the query; it must return rows and write nothing. */
export function prepareJobsQuery(db: Database.Database, text: string): Database.Statement {
  let stmt: Database.Statement;
  try {
    // `(SELECT …)` as the parser kept it: its parentheses enclose the whole query, which SQLite wants bare.
    const bare = text.startsWith('(') ? text.slice(1, -1) : text;
    stmt = db.prepare(expandShowJobs(bare));
  } catch (err) {
    throw invalidQuery(err);
  }
  if (!stmt.reader || !stmt.readonly) throw invalidQuery(new Error('it must be a SELECT that only reads'));
  return stmt;
}

let scratch: Database.Database | undefined;

/** Compiles the query against an empty jobs table (what `strongroom check` can know without a home). */
export function checkJobsQuery(text: string): void {
  if (scratch === undefined) {
    scratch = new Database(':memory:');
    scratch.exec(JOBS_TABLE_SQL);
  }
  prepareJobsQuery(scratch, text);
}

const TYPES: Record<string, string> = {
  job_id: 'int8',
  coordinator_id: 'int8',
  fraction_completed: 'float8',
  created: 'timestamptz',
  started: 'timestamptz',
  finished: 'timestamptz',
  modified: 'timestamptz',
};

function value(v: unknown): ResultValue {
  if (v === undefined) return null;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || v === null) return v;
  if (v instanceof Uint8Array) return v;
  return String(v);
}

/** Runs the query; columns keep their names, with SHOW JOBS' types where a column is one of its own. */
export function runJobsQuery(db: Database.Database, text: string): ResultSet {
  const stmt = prepareJobsQuery(db, text);
  const columns = stmt.columns().map((c) => ({ name: c.name, type: TYPES[c.name] ?? 'text' }));
  const rows = (stmt.raw(true).all() as unknown[][]).map((r) => r.map(value));
  // Timestamps stay text: the column's values are `YYYY-MM-DD HH:MM:SS`, which every output format prints as is.
  return {
    columns: columns.map((c) => (c.type === 'timestamptz' ? { ...c, type: 'text' } : c)),
    rows,
    tag: `SELECT ${rows.length}`,
  };
}

/** The job IDs a query names: the integers of its first column (others are ignored, as NULLs are). */
export function jobIdsOf(db: Database.Database, text: string): bigint[] {
  const rows = prepareJobsQuery(db, text).raw(true).all() as unknown[][];
  const ids: bigint[] = [];
  for (const r of rows) {
    const v = r[0];
    if (typeof v === 'bigint') ids.push(v);
    else if (typeof v === 'number' && Number.isInteger(v)) ids.push(BigInt(v));
    else if (typeof v === 'string' && /^[0-9]+$/.test(v)) ids.push(BigInt(v));
    else if (v !== null)
      throw new StrongroomError(
        'INVALID_PARAMETER',
        `a job ID must be an integer, got ${JSON.stringify(String(v))}`,
      );
  }
  return ids;
}
