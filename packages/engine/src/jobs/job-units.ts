// The units of a job (a BACKUP's spans) as rows of the state store, leased individually: a node claims
// units with one conditional UPDATE that only matches rows nobody holds (pending, or a lease that ran out)
// — the pattern of job claims (jobs-store.ts) — and records each result guarded by the unit's claim counter,
// so a unit is worked on by one node at a time and a node that lost it writes nothing. Every write also
// requires the job's claim counter to be the writer's: a node that lost the job's lease cannot claim or
// finish its units. The done units are the job's checkpoint: a node that adopts the job reads their results
// and reuses what still holds (statements/backup/resume.ts). Today the job's coordinator claims every unit
// itself (a few at a time: one round trip per batch); other nodes claiming them is what docs/SCALE.md
// designs next.
import { ddlFor, type SqlBackend, type SqlRow } from '../state/sql-backend.js';

export const JOB_UNITS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS job_units (
  job_id INTEGER NOT NULL, unit INTEGER NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
  owner INTEGER NOT NULL DEFAULT 0, lease_expires INTEGER NOT NULL DEFAULT 0, claims INTEGER NOT NULL DEFAULT 0,
  result TEXT, PRIMARY KEY (job_id, unit))`;

export type UnitState = 'pending' | 'running' | 'done';

export interface UnitRecord {
  readonly unit: number;
  /** What the unit is (the statement's own JSON: for a BACKUP, the span's table and bounds). */
  readonly spec: string;
  readonly state: UnitState;
  readonly owner: number;
  readonly leaseExpires: number;
  readonly claims: number;
  /**
   * A done unit's result; a pending unit may carry the result of an earlier attempt (the candidate a
   * resumed run checks for reuse before working on the unit).
   */
  readonly result: string | null;
}

export interface NewUnit {
  readonly spec: string;
  /** An earlier attempt's result, kept as the unit's candidate for reuse. */
  readonly result?: string | null;
}

export interface ClaimedUnit {
  readonly unit: number;
  /** The unit's claim counter after this claim: the guard of its result. */
  readonly claims: number;
}

export interface UnitResult extends ClaimedUnit {
  readonly result: string;
}

/** Rows per INSERT when a plan's units are written. */
const INSERT_BATCH = 200;

/** The guard every owner's write of a unit carries: the job is still held under the writer's claim. */
const JOB_HELD = 'EXISTS (SELECT 1 FROM jobs WHERE id = ? AND claims = ? AND finished IS NULL)';

export class JobUnits {
  constructor(private readonly backend: SqlBackend) {}

  async createTable(): Promise<void> {
    await this.backend.exec(ddlFor(this.backend.dialect, JOB_UNITS_TABLE_SQL));
  }

  /** The job's units, in unit order. */
  async list(jobId: bigint): Promise<UnitRecord[]> {
    const rows = await this.backend.query('SELECT * FROM job_units WHERE job_id = ? ORDER BY unit', [jobId]);
    return rows.map(toUnit);
  }

  /**
   * Replaces the job's units with a new plan's (a fresh start, or an adopted job planned again), in one
   * transaction that first checks the job is still held under `jobClaims`; false when it is not.
   */
  async replace(jobId: bigint, jobClaims: number, units: readonly NewUnit[]): Promise<boolean> {
    return this.backend.transaction(async (tx) => {
      // An UPDATE, not a SELECT: it locks the job's row (PostgreSQL) until the units are written.
      const held = await tx.run('UPDATE jobs SET modified = modified WHERE id = ? AND claims = ?', [
        jobId,
        jobClaims,
      ]);
      if (held !== 1) return false;
      await tx.run('DELETE FROM job_units WHERE job_id = ?', [jobId]);
      for (let i = 0; i < units.length; i += INSERT_BATCH) {
        const batch = units.slice(i, i + INSERT_BATCH);
        await tx.run(
          `INSERT INTO job_units (job_id, unit, spec, state, result) VALUES ${batch.map(() => "(?, ?, ?, 'pending', ?)").join(', ')}`,
          batch.flatMap((u, j) => [jobId, i + j, u.spec, u.result ?? null]),
        );
      }
      return true;
    });
  }

  /**
   * Claims units for `node`, those of `units` that are pending or running under a lease that ran out, in
   * one conditional UPDATE: a row another node claimed first no longer matches when this UPDATE gets to it
   * (PostgreSQL's READ COMMITTED re-checks the condition after waiting on the row lock; SQLite has one
   * writer at a time), so each unit goes to one caller. Returns the units claimed, with their claim counters
   * (the guard of their results).
   */
  async claim(
    jobId: bigint,
    jobClaims: number,
    units: readonly number[],
    node: number,
    leaseUntil: number,
    now: number,
  ): Promise<ClaimedUnit[]> {
    if (units.length === 0) return [];
    const rows = await this.backend.query(
      `UPDATE job_units SET state = 'running', owner = ?, lease_expires = ?, claims = claims + 1
       WHERE job_id = ? AND unit IN (${units.map(() => '?').join(', ')})
         AND (state = 'pending' OR (state = 'running' AND lease_expires < ?)) AND ${JOB_HELD}
       RETURNING unit, claims`,
      [node, leaseUntil, jobId, ...units, now, jobId, jobClaims],
    );
    return rows.map((r) => ({ unit: Number(r.unit), claims: Number(r.claims) }));
  }

  /**
   * Records units' results in one UPDATE, each only while `node` holds it under its claim counter (and the
   * job is held under `jobClaims`). Returns how many were recorded: fewer than given means some were lost.
   */
  async complete(
    jobId: bigint,
    jobClaims: number,
    node: number,
    results: readonly UnitResult[],
  ): Promise<number> {
    if (results.length === 0) return 0;
    const texts = results.map(() => 'WHEN ? THEN ?').join(' ');
    const counts = results.map(() => 'WHEN ? THEN CAST(? AS BIGINT)').join(' ');
    return this.backend.run(
      `UPDATE job_units SET state = 'done', result = CASE unit ${texts} END
       WHERE job_id = ? AND owner = ? AND state = 'running' AND unit IN (${results.map(() => '?').join(', ')})
         AND claims = CASE unit ${counts} END AND ${JOB_HELD}`,
      [
        ...results.flatMap((r) => [r.unit, r.result]),
        jobId,
        node,
        ...results.map((r) => r.unit),
        ...results.flatMap((r) => [r.unit, r.claims]),
        jobId,
        jobClaims,
      ],
    );
  }

  /** Renews the leases of the units `node` works on (with the job's lease). */
  async renew(jobId: bigint, node: number, leaseUntil: number): Promise<void> {
    await this.backend.run(
      "UPDATE job_units SET lease_expires = ? WHERE job_id = ? AND owner = ? AND state = 'running'",
      [leaseUntil, jobId, node],
    );
  }

  /** Forgets an ended job's units. */
  async remove(jobId: bigint): Promise<void> {
    await this.backend.run('DELETE FROM job_units WHERE job_id = ?', [jobId]);
  }
}

function toUnit(r: SqlRow): UnitRecord {
  return {
    unit: Number(r.unit),
    spec: String(r.spec),
    state: String(r.state) as UnitState,
    owner: Number(r.owner),
    leaseExpires: Number(r.lease_expires),
    claims: Number(r.claims),
    result: r.result === null || r.result === undefined ? null : String(r.result),
  };
}
