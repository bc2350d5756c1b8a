// The jobs store: one SQLite file in the state directory, shared by every strongroom process on the
// host, so `SHOW JOBS` in one shell sees a BACKUP running in another. Only redacted statements and
// master key ids are stored; never a passphrase, a secret URI parameter or key material.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import Database from 'better-sqlite3';

export type JobStatus =
  | 'pending'
  | 'running'
  | 'paused'
  | 'pause-requested'
  | 'succeeded'
  | 'failed'
  | 'canceled'
  | 'cancel-requested';

export type JobType = 'BACKUP' | 'RESTORE' | 'ALTER BACKUP';

export interface JobRecord {
  readonly id: bigint;
  readonly type: JobType;
  readonly description: string;
  readonly userName: string;
  readonly status: JobStatus;
  readonly runningStatus: string | null;
  readonly created: Date;
  readonly started: Date | null;
  readonly finished: Date | null;
  readonly modified: Date;
  readonly fractionCompleted: number;
  readonly rows: number;
  readonly bytes: number;
  readonly error: string | null;
  readonly coordinatorId: number;
}

interface Row {
  id: bigint;
  job_type: JobType;
  description: string;
  user_name: string;
  status: JobStatus;
  running_status: string | null;
  created: string;
  started: string | null;
  finished: string | null;
  modified: string;
  fraction_completed: number;
  rows: bigint;
  bytes: bigint;
  error: string | null;
  coordinator_id: bigint;
}

/** The jobs table (also built empty, in memory, to check job queries without a home). */
export const JOBS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY, job_type TEXT NOT NULL, description TEXT NOT NULL, user_name TEXT NOT NULL,
  status TEXT NOT NULL, running_status TEXT, created TEXT NOT NULL, started TEXT, finished TEXT,
  modified TEXT NOT NULL, fraction_completed REAL NOT NULL DEFAULT 0, rows INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0, error TEXT, coordinator_id INTEGER NOT NULL)`;

const TERMINAL: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

/** Whether process `pid` is alive on this host (EPERM: it is, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const EPOCH_2015 = 1420070400000;

export class JobsStore {
  private readonly db: Database.Database;
  private lastId = 0n;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.defaultSafeIntegers(true);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(JOBS_TABLE_SQL);
    this.db.exec(`CREATE TABLE IF NOT EXISTS backup_heads (
      collection TEXT NOT NULL, full_dir TEXT NOT NULL, layers INTEGER NOT NULL, last_dir TEXT NOT NULL,
      end_time TEXT NOT NULL, PRIMARY KEY (collection, full_dir))`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS backup_targets (
      job_id INTEGER NOT NULL, collection TEXT NOT NULL, dir TEXT NOT NULL, PRIMARY KEY (collection, dir, job_id))`);
    this.failOrphans();
  }

  /** Jobs whose coordinating process died can never finish: mark them failed (their status survives). */
  private failOrphans(): void {
    const rows = this.db
      .prepare(`SELECT id, coordinator_id FROM jobs WHERE status NOT IN ('succeeded','failed','canceled')`)
      .all() as { id: bigint; coordinator_id: bigint }[];
    const now = new Date().toISOString();
    for (const r of rows) {
      const pid = Number(r.coordinator_id);
      if (pid !== process.pid && isAlive(pid)) continue;
      this.db
        .prepare(
          `UPDATE jobs SET status = 'failed', finished = ?, modified = ?,
             error = 'the process running this job exited before it finished; run the statement again' WHERE id = ?`,
        )
        .run(now, now, r.id);
    }
  }

  /** unique_rowid-style ids: milliseconds since 2015 shifted left 15, plus randomness; strictly increasing here. */
  private nextId(): bigint {
    let id = (BigInt(Date.now() - EPOCH_2015) << 15n) | BigInt(Math.floor(Math.random() * 32768));
    if (id <= this.lastId) id = this.lastId + 1n;
    this.lastId = id;
    return id;
  }

  create(type: JobType, description: string, userName = 'root'): bigint {
    const id = this.nextId();
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO jobs (id, job_type, description, user_name, status, created, started, modified, coordinator_id)
         VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
      )
      .run(id, type, description, userName, now, now, now, process.pid);
    return id;
  }

  progress(id: bigint, fraction: number, rows: number, bytes: number, runningStatus?: string): void {
    this.db
      .prepare(
        `UPDATE jobs SET fraction_completed = ?, rows = ?, bytes = ?, running_status = COALESCE(?, running_status),
           modified = ? WHERE id = ?`,
      )
      .run(fraction, rows, bytes, runningStatus ?? null, new Date().toISOString(), id);
  }

  setStatus(id: bigint, status: JobStatus, error?: string): void {
    const now = new Date().toISOString();
    const finished = TERMINAL.includes(status) ? now : null;
    this.db
      .prepare(
        `UPDATE jobs SET status = ?, error = COALESCE(?, error), finished = COALESCE(?, finished), modified = ?,
           fraction_completed = CASE WHEN ? = 'succeeded' THEN 1 ELSE fraction_completed END WHERE id = ?`,
      )
      .run(status, error ?? null, finished, now, status, id);
  }

  get(id: bigint): JobRecord {
    const row = this.find(id);
    if (!row) throw new StrongroomError('JOB_NOT_FOUND', `job with ID ${id} does not exist`);
    return row;
  }

  /** The job, or undefined when no job has that ID. */
  find(id: bigint): JobRecord | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  /** Running, pending or paused jobs of a type (for `PAUSE/RESUME/CANCEL ALL <type> JOBS`). */
  unfinished(type: JobType): bigint[] {
    const rows = this.db
      .prepare(`SELECT id FROM jobs WHERE job_type = ? AND finished IS NULL ORDER BY id`)
      .all(type) as { id: bigint }[];
    return rows.map((r) => BigInt(r.id));
  }

  /** Records a free-text status (e.g. a pause reason) shown as running_status. */
  setRunningStatus(id: bigint, runningStatus: string): void {
    this.db
      .prepare('UPDATE jobs SET running_status = ?, modified = ? WHERE id = ?')
      .run(runningStatus, new Date().toISOString(), id);
  }

  /** The store's database, for read-only queries over `[SHOW JOBS]` (see jobs-query.ts). */
  get database(): Database.Database {
    return this.db;
  }

  /** Running jobs and jobs finished within the last 12 hours, newest first (CockroachDB's SHOW JOBS). */
  list(): JobRecord[] {
    const since = new Date(Date.now() - 12 * 3600_000).toISOString();
    const rows = this.db
      .prepare(
        `SELECT * FROM jobs WHERE finished IS NULL OR finished >= ?
         ORDER BY COALESCE(finished, '9999') DESC, started DESC`,
      )
      .all(since) as Row[];
    return rows.map(toRecord);
  }

  /**
   * Remembers a backup this host completed: the rollback anchor. `collection` is a secret-free name of
   * the collection's default store; a chain's record only ever grows.
   */
  recordBackup(head: BackupHead): void {
    this.db
      .prepare(
        `INSERT INTO backup_heads (collection, full_dir, layers, last_dir, end_time) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (collection, full_dir) DO UPDATE SET layers = excluded.layers, last_dir = excluded.last_dir,
           end_time = excluded.end_time WHERE excluded.layers >= backup_heads.layers`,
      )
      .run(head.collection, head.fullDir, head.layers, head.lastDir, head.endTime);
  }

  /** The newest full backup this host wrote to a collection, and that chain's known head. */
  newestBackup(collection: string): BackupHead | undefined {
    const row = this.db
      .prepare('SELECT * FROM backup_heads WHERE collection = ? ORDER BY full_dir DESC LIMIT 1')
      .get(collection) as HeadRow | undefined;
    return row && toHead(row);
  }

  /** What this host knows of one chain of a collection. */
  chainHead(collection: string, fullDir: string): BackupHead | undefined {
    const row = this.db
      .prepare('SELECT * FROM backup_heads WHERE collection = ? AND full_dir = ?')
      .get(collection, fullDir) as HeadRow | undefined;
    return row && toHead(row);
  }

  /** Notes the layer directory a BACKUP job writes into, so a crash's leftovers can be told apart later. */
  recordTarget(jobId: bigint, collection: string, dir: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO backup_targets (job_id, collection, dir) VALUES (?, ?, ?)')
      .run(jobId, collection, dir);
  }

  /**
   * Who wrote an incomplete layer directory, as far as this host knows: 'live' while a job of a live process
   * writes it, 'dead' when every job that wrote it ended (a killed process's job is marked failed when the
   * store is next opened), undefined when no job of this host wrote it.
   */
  targetWriter(collection: string, dir: string): 'live' | 'dead' | undefined {
    const rows = this.db
      .prepare(
        `SELECT j.status AS status, j.coordinator_id AS pid FROM backup_targets t JOIN jobs j ON j.id = t.job_id
         WHERE t.collection = ? AND t.dir = ?`,
      )
      .all(collection, dir) as { status: JobStatus; pid: bigint }[];
    if (rows.length === 0) return undefined;
    return rows.some((r) => !TERMINAL.includes(r.status) && isAlive(Number(r.pid))) ? 'live' : 'dead';
  }

  close(): void {
    this.db.close();
  }
}

export interface BackupHead {
  readonly collection: string;
  readonly fullDir: string;
  /** Layers of the chain (1 = the full alone). */
  readonly layers: number;
  readonly lastDir: string;
  readonly endTime: string;
}

interface HeadRow {
  collection: string;
  full_dir: string;
  layers: bigint;
  last_dir: string;
  end_time: string;
}

function toHead(r: HeadRow): BackupHead {
  return {
    collection: r.collection,
    fullDir: r.full_dir,
    layers: Number(r.layers),
    lastDir: r.last_dir,
    endTime: r.end_time,
  };
}

function toRecord(r: Row): JobRecord {
  const d = (s: string | null): Date | null => (s === null ? null : new Date(s));
  return {
    id: BigInt(r.id),
    type: r.job_type,
    description: r.description,
    userName: r.user_name,
    status: r.status,
    runningStatus: r.running_status,
    created: new Date(r.created),
    started: d(r.started),
    finished: d(r.finished),
    modified: new Date(r.modified),
    fractionCompleted: r.fraction_completed,
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    error: r.error,
    coordinatorId: Number(r.coordinator_id),
  };
}

export function isTerminal(s: JobStatus): boolean {
  return TERMINAL.includes(s);
}
