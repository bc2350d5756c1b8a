// The state store's connections and schedules: `<home>/state.db`, one SQLite file shared by every strongroom
// process of a state directory, or the PostgreSQL database of `--state postgres://…` shared by several
// nodes (sql-backend.ts). The SQLite file is created with mode 0600 (SQLite gives its -wal and -shm files the
// same mode) inside a 0700 directory; what that protects, and what it does not, is the README's "Where
// connection secrets live". Schedule occurrences are claimed by a conditional UPDATE, so two daemons on one
// state store never run one occurrence twice.
import { StrongroomError } from '@strongroom/errors';
import Database from 'better-sqlite3';
import { ddlFor, type SqlBackend, type SqlRow, type SqlValue } from './sql-backend.js';

export interface ConnectionRecord {
  readonly name: string;
  /** The URI as given, secrets included: never shown, logged or put in a job record. */
  readonly uri: string;
  readonly type: 'STORAGE' | 'KMS';
  readonly owner: string;
  readonly created: Date;
}

export type ScheduleStatus = 'ACTIVE' | 'PAUSED';
export type OnFailure = 'retry' | 'reschedule' | 'pause';
export type OnPreviousRunning = 'start' | 'skip' | 'wait';

export interface ScheduleDetails {
  readonly onExecutionFailure: OnFailure;
  readonly onPreviousRunning: OnPreviousRunning;
  /** Retention (an extension): after a full backup of this schedule succeeds, keep this many chains. */
  readonly keepFull?: number;
}

export interface ScheduleRecord {
  readonly id: bigint;
  readonly label: string;
  readonly owner: string;
  readonly status: ScheduleStatus;
  /** Why it is paused or what it last did (CockroachDB's `state`). */
  readonly state: string | null;
  /** The crontab; null for a schedule that never recurs. */
  readonly recurrence: string | null;
  /** Epoch milliseconds of the next occurrence; null when none is due (paused, NEVER). */
  readonly nextRun: number | null;
  readonly created: Date;
  /** The BACKUP statement it runs, canonical and free of secrets (they are refused at CREATE). */
  readonly command: string;
  /** 'full' or 'incremental': which of CockroachDB's pair this is. */
  readonly backupType: 'full' | 'incremental';
  readonly details: ScheduleDetails;
  /** The other schedule of the pair. */
  readonly dependentId: bigint | null;
}

interface ScheduleRow {
  id: bigint;
  label: string;
  owner: string;
  status: ScheduleStatus;
  state: string | null;
  recurrence: string | null;
  next_run: bigint | null;
  created: string;
  command: string;
  backup_type: 'full' | 'incremental';
  details: string;
  dependent_id: bigint | null;
}

function toSchedule(row: SqlRow): ScheduleRecord {
  const r = row as unknown as ScheduleRow;
  return {
    id: BigInt(String(r.id)),
    label: r.label,
    owner: r.owner,
    status: r.status,
    state: r.state,
    recurrence: r.recurrence,
    nextRun: r.next_run === null ? null : Number(r.next_run),
    created: new Date(r.created),
    command: r.command,
    backupType: r.backup_type,
    details: JSON.parse(r.details) as ScheduleDetails,
    dependentId: r.dependent_id === null ? null : BigInt(String(r.dependent_id)),
  };
}

const EPOCH_2015 = 1420070400000;

/** The schedules table (also built empty, in memory, to check queries over [SHOW SCHEDULES] without a home). */
export const SCHEDULES_TABLE_SQL = `CREATE TABLE IF NOT EXISTS schedules (
  id INTEGER PRIMARY KEY, label TEXT NOT NULL, owner TEXT NOT NULL, status TEXT NOT NULL, state TEXT,
  recurrence TEXT, next_run INTEGER, created TEXT NOT NULL, command TEXT NOT NULL, backup_type TEXT NOT NULL,
  details TEXT NOT NULL, dependent_id INTEGER)`;

/** `[SHOW SCHEDULES]` as a subquery over the schedules table: SHOW SCHEDULES' columns (times as UTC text). */
const SHOW_SCHEDULES_SUBQUERY = `(SELECT id, label, status AS schedule_status,
  CASE WHEN status = 'PAUSED' OR next_run IS NULL THEN NULL
    ELSE strftime('%Y-%m-%d %H:%M:%S', next_run / 1000, 'unixepoch') END AS next_run,
  state, recurrence, owner, substr(replace(created, 'T', ' '), 1, 19) AS created, command FROM schedules)`;

/**
 * Prepares a query over `[SHOW SCHEDULES]` (the `<select>` of PAUSE / RESUME / DROP SCHEDULES and of
 * … JOBS FOR SCHEDULES): every `[SHOW SCHEDULES]` outside a string literal becomes the subquery; the query
 * must only read.
 */
export function prepareSchedulesQuery(db: Database.Database, text: string): Database.Statement {
  const bare = text.startsWith('(') ? text.slice(1, -1) : text;
  // Split on string literals so a '[SHOW SCHEDULES]' inside one stays as written.
  const expanded = bare
    .split(/('(?:[^']|'')*')/)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/\[\s*show\s+schedules\s*\]/gi, SHOW_SCHEDULES_SUBQUERY),
    )
    .join('');
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(expanded);
  } catch (err) {
    throw invalidSchedulesQuery(err);
  }
  if (!stmt.reader || !stmt.readonly)
    throw invalidSchedulesQuery(new Error('it must be a SELECT that only reads'));
  return stmt;
}

function invalidSchedulesQuery(err: unknown): StrongroomError {
  return new StrongroomError(
    'SYNTAX_ERROR',
    `invalid query over [SHOW SCHEDULES]: ${err instanceof Error ? err.message : String(err)}`,
    {
      hint: "the query runs in SQLite over [SHOW SCHEDULES], e.g. SELECT id FROM [SHOW SCHEDULES] WHERE label = 'nightly'",
    },
  );
}

let scratch: Database.Database | undefined;

/** Compiles a query over [SHOW SCHEDULES] against an empty table (what `strongroom check` can know). */
export function checkSchedulesQuery(text: string): void {
  if (scratch === undefined) {
    scratch = new Database(':memory:');
    scratch.exec(SCHEDULES_TABLE_SQL);
  }
  prepareSchedulesQuery(scratch, text);
}

export class StateStore {
  private lastId = 0n;

  private constructor(readonly backend: SqlBackend) {}

  static async open(backend: SqlBackend): Promise<StateStore> {
    await backend.exec(`CREATE TABLE IF NOT EXISTS external_connections (
      name TEXT PRIMARY KEY, uri TEXT NOT NULL, type TEXT NOT NULL, owner TEXT NOT NULL, created TEXT NOT NULL)`);
    await backend.exec(ddlFor(backend.dialect, SCHEDULES_TABLE_SQL));
    // One row per claimed occurrence: the UNIQUE key is the second line of defence against a double run.
    await backend.exec(
      ddlFor(
        backend.dialect,
        `CREATE TABLE IF NOT EXISTS schedule_runs (
      schedule_id INTEGER NOT NULL, scheduled_for INTEGER NOT NULL, job_id INTEGER, claimed_by INTEGER NOT NULL,
      claimed_at TEXT NOT NULL, outcome TEXT, PRIMARY KEY (schedule_id, scheduled_for))`,
      ),
    );
    return new StateStore(backend);
  }

  // --- external connections ---

  /** False when a connection of that name exists already. */
  async createConnection(c: Omit<ConnectionRecord, 'created'>, now = new Date()): Promise<boolean> {
    const changed = await this.backend.run(
      'INSERT INTO external_connections (name, uri, type, owner, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      [c.name, c.uri, c.type, c.owner, now.toISOString()],
    );
    return changed === 1;
  }

  async connection(name: string): Promise<ConnectionRecord | undefined> {
    const r = (await this.backend.query('SELECT * FROM external_connections WHERE name = ?', [name]))[0];
    return r && toConnection(r);
  }

  async connections(): Promise<ConnectionRecord[]> {
    return (await this.backend.query('SELECT * FROM external_connections ORDER BY name')).map(toConnection);
  }

  async dropConnection(name: string): Promise<boolean> {
    return (await this.backend.run('DELETE FROM external_connections WHERE name = ?', [name])) === 1;
  }

  // --- schedules ---

  newId(): bigint {
    let id = (BigInt(Date.now() - EPOCH_2015) << 15n) | BigInt(Math.floor(Math.random() * 32768));
    if (id <= this.lastId) id = this.lastId + 1n;
    this.lastId = id;
    return id;
  }

  /** Inserts schedules together (a full and incremental pair in one transaction). */
  async insertSchedules(rows: readonly ScheduleRecord[]): Promise<void> {
    await this.backend.transaction(async (tx) => {
      for (const s of rows) await insertSchedule(tx, s);
    });
  }

  /** The schedule ids (first column) a query over [SHOW SCHEDULES] returns (run in SQLite over a copy). */
  async scheduleIdsOf(text: string): Promise<bigint[]> {
    const db = new Database(':memory:');
    try {
      db.defaultSafeIntegers(true);
      db.exec(SCHEDULES_TABLE_SQL);
      const ins = db.prepare(INSERT_SCHEDULE_SQL);
      for (const s of await this.schedules()) ins.run(...scheduleValues(s));
      return (prepareSchedulesQuery(db, text).raw().all() as unknown[][]).map((r) => BigInt(r[0] as bigint));
    } finally {
      db.close();
    }
  }

  async schedule(id: bigint): Promise<ScheduleRecord | undefined> {
    const r = (await this.backend.query('SELECT * FROM schedules WHERE id = ?', [id]))[0];
    return r && toSchedule(r);
  }

  async schedules(): Promise<ScheduleRecord[]> {
    return (await this.backend.query('SELECT * FROM schedules ORDER BY id')).map(toSchedule);
  }

  async labelExists(label: string): Promise<boolean> {
    return (await this.backend.query('SELECT 1 FROM schedules WHERE label = ?', [label])).length > 0;
  }

  /** Sets status, state and next run of one schedule. */
  async updateSchedule(
    id: bigint,
    set: { status?: ScheduleStatus; state?: string | null; nextRun?: number | null },
  ): Promise<void> {
    // Only the columns given are written, in one statement: a concurrent change to another column (PAUSE
    // SCHEDULE while a daemon records a run) is never overwritten with a value read before it.
    const columns: string[] = [];
    const values: SqlValue[] = [];
    if (set.status !== undefined) {
      columns.push('status = ?');
      values.push(set.status);
    }
    if (set.state !== undefined) {
      columns.push('state = ?');
      values.push(set.state);
    }
    if (set.nextRun !== undefined) {
      columns.push('next_run = ?');
      values.push(set.nextRun);
    }
    if (columns.length === 0) return;
    await this.backend.run(`UPDATE schedules SET ${columns.join(', ')} WHERE id = ?`, [...values, id]);
  }

  /** Rewrites a schedule's definition (ALTER BACKUP SCHEDULE). */
  async replaceSchedule(r: ScheduleRecord): Promise<void> {
    await this.backend.run(
      `UPDATE schedules SET label = ?, status = ?, state = ?, recurrence = ?, next_run = ?, command = ?, details = ?
       WHERE id = ?`,
      [r.label, r.status, r.state, r.recurrence, r.nextRun, r.command, JSON.stringify(r.details), r.id],
    );
  }

  async deleteSchedule(id: bigint): Promise<boolean> {
    return (await this.backend.run('DELETE FROM schedules WHERE id = ?', [id])) === 1;
  }

  /**
   * ALTER BACKUP SCHEDULE's changes in one transaction: schedules rewritten (their pairing too), one created
   * (SET FULL BACKUP '<cron>' on a full-only schedule) or one dropped (SET FULL BACKUP ALWAYS on a pair).
   */
  async alterSchedules(change: {
    readonly replace: readonly ScheduleRecord[];
    readonly insert: readonly ScheduleRecord[];
    readonly remove: readonly bigint[];
  }): Promise<void> {
    await this.backend.transaction(async (tx) => {
      for (const id of change.remove) await tx.run('DELETE FROM schedules WHERE id = ?', [id]);
      for (const s of change.insert) await insertSchedule(tx, s);
      for (const r of change.replace)
        await tx.run(
          `UPDATE schedules SET label = ?, status = ?, state = ?, recurrence = ?, next_run = ?, command = ?, details = ?,
             dependent_id = ? WHERE id = ?`,
          [
            r.label,
            r.status,
            r.state,
            r.recurrence,
            r.nextRun,
            r.command,
            JSON.stringify(r.details),
            r.dependentId,
            r.id,
          ],
        );
    });
  }

  /** Active schedules whose next run is at or before `now`. */
  async due(now: number): Promise<ScheduleRecord[]> {
    return (
      await this.backend.query(
        `SELECT * FROM schedules WHERE status = 'ACTIVE' AND next_run IS NOT NULL AND next_run <= ? ORDER BY next_run`,
        [now],
      )
    ).map(toSchedule);
  }

  /**
   * Claims the occurrence `scheduledFor` of a schedule for this process: moves its next run to `nextRun` only if
   * it still is `scheduledFor` (another daemon that claimed it first has moved it), and records the claim
   * (with the job that runs it, when `jobId` is given). True when this process won the occurrence.
   */
  async claim(
    id: bigint,
    scheduledFor: number,
    nextRun: number | null,
    claimedBy: number,
    jobId: bigint | null = null,
  ): Promise<boolean> {
    return this.backend.transaction(async (tx) => {
      const moved = await tx.run(
        `UPDATE schedules SET next_run = ? WHERE id = ? AND status = 'ACTIVE' AND next_run = ?`,
        [nextRun, id, scheduledFor],
      );
      if (moved !== 1) return false;
      const r = await tx.run(
        `INSERT INTO schedule_runs (schedule_id, scheduled_for, job_id, claimed_by, claimed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        [id, scheduledFor, jobId, claimedBy, new Date().toISOString()],
      );
      return r === 1;
    });
  }

  /**
   * Records what became of an occurrence ('succeeded', 'failed: …', 'skipped'), once: true only for the one
   * caller that recorded it, which then applies the schedule's policy.
   */
  async settle(id: bigint, scheduledFor: number, outcome: string): Promise<boolean> {
    return (
      (await this.backend.run(
        'UPDATE schedule_runs SET outcome = ? WHERE schedule_id = ? AND scheduled_for = ? AND outcome IS NULL',
        [outcome, id, scheduledFor],
      )) === 1
    );
  }

  /** Occurrences whose job was started and whose outcome is not recorded yet. */
  async unsettled(): Promise<{ scheduleId: bigint; scheduledFor: number; jobId: bigint }[]> {
    return (
      await this.backend.query(
        'SELECT * FROM schedule_runs WHERE job_id IS NOT NULL AND outcome IS NULL ORDER BY scheduled_for',
      )
    ).map((r) => ({
      scheduleId: BigInt(String(r.schedule_id)),
      scheduledFor: Number(r.scheduled_for),
      jobId: BigInt(String(r.job_id)),
    }));
  }

  /** Links the job an occurrence started to it (SHOW JOBS FOR SCHEDULE). */
  async setRunJob(id: bigint, scheduledFor: number, jobId: bigint): Promise<void> {
    await this.backend.run(
      'UPDATE schedule_runs SET job_id = ? WHERE schedule_id = ? AND scheduled_for = ?',
      [jobId, id, scheduledFor],
    );
  }

  /** The jobs a schedule started, oldest first. */
  async jobsOf(id: bigint): Promise<bigint[]> {
    return (
      await this.backend.query(
        'SELECT job_id FROM schedule_runs WHERE schedule_id = ? AND job_id IS NOT NULL ORDER BY scheduled_for',
        [id],
      )
    ).map((r) => BigInt(String(r.job_id)));
  }

  /** Occurrences claimed, oldest first (for tests and monitoring). */
  async runs(id: bigint): Promise<{ scheduledFor: number; jobId: bigint | null; claimedBy: number }[]> {
    return (
      await this.backend.query('SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY scheduled_for', [
        id,
      ])
    ).map((r) => ({
      scheduledFor: Number(r.scheduled_for),
      jobId: r.job_id === null ? null : BigInt(String(r.job_id)),
      claimedBy: Number(r.claimed_by),
    }));
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

const INSERT_SCHEDULE_SQL = `INSERT INTO schedules (id, label, owner, status, state, recurrence, next_run, created,
  command, backup_type, details, dependent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A schedule's values in INSERT_SCHEDULE_SQL's order. */
function scheduleValues(s: ScheduleRecord): SqlValue[] {
  return [
    s.id,
    s.label,
    s.owner,
    s.status,
    s.state,
    s.recurrence,
    s.nextRun,
    s.created.toISOString(),
    s.command,
    s.backupType,
    JSON.stringify(s.details),
    s.dependentId,
  ];
}

async function insertSchedule(b: SqlBackend, s: ScheduleRecord): Promise<void> {
  await b.run(INSERT_SCHEDULE_SQL, scheduleValues(s));
}

function toConnection(r: SqlRow): ConnectionRecord {
  return {
    name: String(r.name),
    uri: String(r.uri),
    type: String(r.type) as 'STORAGE' | 'KMS',
    owner: String(r.owner),
    created: new Date(String(r.created)),
  };
}
