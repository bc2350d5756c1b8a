// The state store: `<home>/state.db`, one SQLite file shared by every strongroom process of a state
// directory, holding external connections and backup schedules. It is created with mode 0600 (SQLite gives
// its -wal and -shm files the same mode) inside a 0700 directory; what that protects, and what it does not,
// is the README's "Where connection secrets live". Schedule occurrences are claimed by a conditional
// UPDATE, so two daemons on one state directory never run one occurrence twice.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import Database from 'better-sqlite3';

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

function toSchedule(r: ScheduleRow): ScheduleRecord {
  return {
    id: r.id,
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
    dependentId: r.dependent_id,
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

/** Opens (creating) a file that only its owner may read and write. */
function createPrivate(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

export class StateStore {
  private readonly db: Database.Database;
  private lastId = 0n;

  constructor(readonly path: string) {
    createPrivate(path);
    this.db = new Database(path);
    this.db.defaultSafeIntegers(true);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS external_connections (
      name TEXT PRIMARY KEY, uri TEXT NOT NULL, type TEXT NOT NULL, owner TEXT NOT NULL, created TEXT NOT NULL)`);
    this.db.exec(SCHEDULES_TABLE_SQL);
    // One row per claimed occurrence: the UNIQUE key is the second line of defence against a double run.
    this.db.exec(`CREATE TABLE IF NOT EXISTS schedule_runs (
      schedule_id INTEGER NOT NULL, scheduled_for INTEGER NOT NULL, job_id INTEGER, claimed_by INTEGER NOT NULL,
      claimed_at TEXT NOT NULL, outcome TEXT, PRIMARY KEY (schedule_id, scheduled_for))`);
  }

  // --- external connections ---

  /** False when a connection of that name exists already. */
  createConnection(c: Omit<ConnectionRecord, 'created'>, now = new Date()): boolean {
    const r = this.db
      .prepare(
        'INSERT OR IGNORE INTO external_connections (name, uri, type, owner, created) VALUES (?, ?, ?, ?, ?)',
      )
      .run(c.name, c.uri, c.type, c.owner, now.toISOString());
    return r.changes === 1;
  }

  connection(name: string): ConnectionRecord | undefined {
    const r = this.db.prepare('SELECT * FROM external_connections WHERE name = ?').get(name) as
      | { name: string; uri: string; type: 'STORAGE' | 'KMS'; owner: string; created: string }
      | undefined;
    return r && { ...r, created: new Date(r.created) };
  }

  connections(): ConnectionRecord[] {
    const rows = this.db.prepare('SELECT * FROM external_connections ORDER BY name').all() as {
      name: string;
      uri: string;
      type: 'STORAGE' | 'KMS';
      owner: string;
      created: string;
    }[];
    return rows.map((r) => ({ ...r, created: new Date(r.created) }));
  }

  dropConnection(name: string): boolean {
    return this.db.prepare('DELETE FROM external_connections WHERE name = ?').run(name).changes === 1;
  }

  // --- schedules ---

  newId(): bigint {
    let id = (BigInt(Date.now() - EPOCH_2015) << 15n) | BigInt(Math.floor(Math.random() * 32768));
    if (id <= this.lastId) id = this.lastId + 1n;
    this.lastId = id;
    return id;
  }

  /** Inserts schedules together (a full and incremental pair in one transaction). */
  insertSchedules(rows: readonly ScheduleRecord[]): void {
    const ins = this.db.prepare(
      `INSERT INTO schedules (id, label, owner, status, state, recurrence, next_run, created, command, backup_type,
         details, dependent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const s of rows)
        ins.run(
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
        );
    })();
  }

  /** The schedule ids (first column) a query over [SHOW SCHEDULES] returns. */
  scheduleIdsOf(text: string): bigint[] {
    return (prepareSchedulesQuery(this.db, text).raw().all() as unknown[][]).map((r) =>
      BigInt(r[0] as bigint),
    );
  }

  schedule(id: bigint): ScheduleRecord | undefined {
    const r = this.db.prepare('SELECT * FROM schedules WHERE id = ?').get(id) as ScheduleRow | undefined;
    return r && toSchedule(r);
  }

  schedules(): ScheduleRecord[] {
    return (this.db.prepare('SELECT * FROM schedules ORDER BY id').all() as ScheduleRow[]).map(toSchedule);
  }

  labelExists(label: string): boolean {
    return this.db.prepare('SELECT 1 FROM schedules WHERE label = ?').get(label) !== undefined;
  }

  /** Sets status, state and next run of one schedule. */
  updateSchedule(
    id: bigint,
    set: { status?: ScheduleStatus; state?: string | null; nextRun?: number | null },
  ): void {
    const cur = this.schedule(id);
    if (cur === undefined) return;
    this.db
      .prepare('UPDATE schedules SET status = ?, state = ?, next_run = ? WHERE id = ?')
      .run(
        set.status ?? cur.status,
        set.state === undefined ? cur.state : set.state,
        set.nextRun === undefined ? cur.nextRun : set.nextRun,
        id,
      );
  }

  /** Rewrites a schedule's definition (ALTER BACKUP SCHEDULE). */
  replaceSchedule(r: ScheduleRecord): void {
    this.db
      .prepare(
        `UPDATE schedules SET label = ?, status = ?, state = ?, recurrence = ?, next_run = ?, command = ?, details = ?
         WHERE id = ?`,
      )
      .run(r.label, r.status, r.state, r.recurrence, r.nextRun, r.command, JSON.stringify(r.details), r.id);
  }

  /**
   * ALTER BACKUP SCHEDULE's changes in one transaction: schedules rewritten (their pairing too), one created
   * (SET FULL BACKUP '<cron>' on a full-only schedule) or one dropped (SET FULL BACKUP ALWAYS on a pair).
   */
  alterSchedules(change: {
    readonly replace: readonly ScheduleRecord[];
    readonly insert: readonly ScheduleRecord[];
    readonly remove: readonly bigint[];
  }): void {
    const pairing = this.db.prepare('UPDATE schedules SET dependent_id = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const id of change.remove) this.deleteSchedule(id);
      this.insertSchedules(change.insert);
      for (const r of change.replace) {
        this.replaceSchedule(r);
        pairing.run(r.dependentId, r.id);
      }
    })();
  }

  deleteSchedule(id: bigint): boolean {
    return this.db.prepare('DELETE FROM schedules WHERE id = ?').run(id).changes === 1;
  }

  /** Active schedules whose next run is at or before `now`. */
  due(now: number): ScheduleRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM schedules WHERE status = 'ACTIVE' AND next_run IS NOT NULL AND next_run <= ? ORDER BY next_run`,
        )
        .all(now) as ScheduleRow[]
    ).map(toSchedule);
  }

  /**
   * Claims the occurrence `scheduledFor` of a schedule for this process: moves its next run to `nextRun` only if
   * it still is `scheduledFor` (another daemon that claimed it first has moved it), and records the claim.
   * True when this process won the occurrence and must run it.
   */
  claim(id: bigint, scheduledFor: number, nextRun: number | null): boolean {
    return this.db
      .transaction(() => {
        const moved = this.db
          .prepare(`UPDATE schedules SET next_run = ? WHERE id = ? AND status = 'ACTIVE' AND next_run = ?`)
          .run(nextRun, id, scheduledFor);
        if (moved.changes !== 1) return false;
        const r = this.db
          .prepare(
            'INSERT OR IGNORE INTO schedule_runs (schedule_id, scheduled_for, claimed_by, claimed_at) VALUES (?, ?, ?, ?)',
          )
          .run(id, scheduledFor, process.pid, new Date().toISOString());
        return r.changes === 1;
      })
      .immediate();
  }

  /**
   * Records what became of an occurrence ('succeeded', 'failed: …', 'skipped'), once: true only for the one
   * caller that recorded it, which then applies the schedule's policy.
   */
  settle(id: bigint, scheduledFor: number, outcome: string): boolean {
    return (
      this.db
        .prepare(
          'UPDATE schedule_runs SET outcome = ? WHERE schedule_id = ? AND scheduled_for = ? AND outcome IS NULL',
        )
        .run(outcome, id, scheduledFor).changes === 1
    );
  }

  /** Occurrences whose job was started and whose outcome is not recorded yet. */
  unsettled(): { scheduleId: bigint; scheduledFor: number; jobId: bigint }[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM schedule_runs WHERE job_id IS NOT NULL AND outcome IS NULL ORDER BY scheduled_for',
        )
        .all() as { schedule_id: bigint; scheduled_for: bigint; job_id: bigint }[]
    ).map((r) => ({ scheduleId: r.schedule_id, scheduledFor: Number(r.scheduled_for), jobId: r.job_id }));
  }

  /** Links the job an occurrence started to it (SHOW JOBS FOR SCHEDULE). */
  setRunJob(id: bigint, scheduledFor: number, jobId: bigint): void {
    this.db
      .prepare('UPDATE schedule_runs SET job_id = ? WHERE schedule_id = ? AND scheduled_for = ?')
      .run(jobId, id, scheduledFor);
  }

  /** The jobs a schedule started, oldest first. */
  jobsOf(id: bigint): bigint[] {
    return (
      this.db
        .prepare(
          'SELECT job_id FROM schedule_runs WHERE schedule_id = ? AND job_id IS NOT NULL ORDER BY scheduled_for',
        )
        .all(id) as { job_id: bigint }[]
    ).map((r) => r.job_id);
  }

  /** Occurrences claimed, oldest first (for tests and monitoring). */
  runs(id: bigint): { scheduledFor: number; jobId: bigint | null; claimedBy: number }[] {
    return (
      this.db.prepare('SELECT * FROM schedule_runs WHERE schedule_id = ? ORDER BY scheduled_for').all(id) as {
        scheduled_for: bigint;
        job_id: bigint | null;
        claimed_by: bigint;
      }[]
    ).map((r) => ({
      scheduledFor: Number(r.scheduled_for),
      jobId: r.job_id,
      claimedBy: Number(r.claimed_by),
    }));
  }

  close(): void {
    this.db.close();
  }
}
