// The jobs store: job records and the nodes that run them, in the state store's backend — `<home>/jobs.db`
// (SQLite, every strongroom process of the host) or a PostgreSQL database shared by several nodes
// (`--state postgres://…`). Only redacted statements and master key ids are stored, never a passphrase,
// a secret URI parameter or key material: a job's `payload` (what another node needs to run it) is kept
// only for statements that hold no secret.
//
// Leases: a running job names its node (`coordinator_id`) and a lease expiry that the node renews. Every
// claim — a pending job started, an expired lease adopted — is one conditional UPDATE on the job's claim
// counter (`claims`), and only the caller whose UPDATE changed the row runs the job; the node that lost a
// lease finds out at its next renewal (the counter moved) and stops. Writes of a job's progress carry the
// same guard, so a node that lost its lease cannot overwrite the new owner's record.
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { StrongroomError } from '@strongroom/errors';
import Database from 'better-sqlite3';
import { ddlFor, type SqlBackend, type SqlRow } from '../state/sql-backend.js';
import { JobUnits } from './job-units.js';

/**
 * This machine and process namespace, as the nodes table records it: a pid is checked for liveness only by
 * a process with the same identity. The host name alone is not enough (containers sharing the host's name
 * have their own pids; cloned machines share names), so the boot id and the pid namespace are part of it
 * where Linux provides them.
 */
const HOST_IDENTITY = [
  hostname(),
  linuxId(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()),
  linuxId(() => readlinkSync('/proc/self/ns/pid')),
]
  .filter((part) => part !== '')
  .join('/');

function linuxId(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}

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
  /** The node running (or that last ran) the job; 0 for a pending job no node has claimed. */
  readonly coordinatorId: number;
  /** The statement any node can run (secret-free, canonical), or null: only its submitting process can. */
  readonly payload: string | null;
  /** The redacted URI of the source the job runs against: a node runs only its own source's jobs. */
  readonly source: string;
  /** Epoch ms until which the coordinator's lease holds. */
  readonly leaseExpires: number;
  /** How many times the job was claimed (first start, adoptions): the guard of every owner's write. */
  readonly claims: number;
  /** The last checkpoint (JSON, the statement's own shape), or null. */
  readonly checkpoint: string | null;
}

/** The jobs table (also built empty, in memory, to check job queries without a home). */
export const JOBS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY, job_type TEXT NOT NULL, description TEXT NOT NULL, user_name TEXT NOT NULL,
  status TEXT NOT NULL, running_status TEXT, created TEXT NOT NULL, started TEXT, finished TEXT,
  modified TEXT NOT NULL, fraction_completed REAL NOT NULL DEFAULT 0, rows INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0, error TEXT, coordinator_id INTEGER NOT NULL, payload TEXT,
  source TEXT NOT NULL DEFAULT '', lease_expires INTEGER NOT NULL DEFAULT 0, claims INTEGER NOT NULL DEFAULT 0,
  checkpoint TEXT, schedule_id INTEGER, scheduled_for INTEGER)`;

/** Columns added after the first release: a jobs.db of then gets them on open. */
const ADDED_COLUMNS: readonly [string, string][] = [
  ['payload', 'TEXT'],
  ['source', "TEXT NOT NULL DEFAULT ''"],
  ['lease_expires', 'INTEGER NOT NULL DEFAULT 0'],
  ['claims', 'INTEGER NOT NULL DEFAULT 0'],
  ['checkpoint', 'TEXT'],
  ['schedule_id', 'INTEGER'],
  ['scheduled_for', 'INTEGER'],
];

const NODES_TABLE_SQL = `CREATE TABLE IF NOT EXISTS nodes (
  id INTEGER PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, started TEXT NOT NULL,
  heartbeat INTEGER NOT NULL, daemon INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL DEFAULT '', stopped TEXT)`;

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

/** How long a lease lasts: `STRONGROOM_JOB_LEASE_MS` (tests use a second or two), default 30 s. */
export function leaseMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const v = Number(env.STRONGROOM_JOB_LEASE_MS);
  return Number.isFinite(v) && v >= 200 ? v : 30_000;
}

export const ORPHAN_ERROR =
  'the process running this job exited before it finished, and no other node can run it (its statement holds a secret); run the statement again';

const EPOCH_2015 = 1420070400000;

export interface NodeRecord {
  readonly id: number;
  readonly host: string;
  readonly pid: number;
  readonly heartbeat: number;
  readonly daemon: boolean;
  readonly source: string;
}

export interface NewJob {
  readonly type: JobType;
  readonly description: string;
  readonly userName: string;
  readonly payload: string | null;
  /** 'running' (claimed by this node at once) or 'pending' (left for a daemon to claim). */
  readonly status: 'running' | 'pending';
  /** The schedule occurrence this job runs: the pair is unique, so the job record is the occurrence's claim. */
  readonly schedule?: { readonly id: bigint; readonly scheduledFor: number };
}

export class JobsStore {
  private lastId = 0n;
  /** This process's node id (registered by `register`). */
  private node = 0;
  readonly leaseMs: number;
  /** The jobs' units (a BACKUP's spans), leased one at a time: see job-units.ts. */
  readonly units: JobUnits;

  private constructor(
    readonly backend: SqlBackend,
    readonly source: string,
    env: Readonly<Record<string, string | undefined>>,
  ) {
    this.leaseMs = leaseMs(env);
    this.units = new JobUnits(backend);
  }

  /** Opens the store (creating its tables) and registers this process as a node. */
  static async open(
    backend: SqlBackend,
    source: string,
    env: Readonly<Record<string, string | undefined>> = process.env,
  ): Promise<JobsStore> {
    const s = new JobsStore(backend, source, env);
    await s.measureSkew();
    await s.createTables();
    await s.register(false);
    await s.failOrphans();
    return s;
  }

  private async createTables(): Promise<void> {
    const b = this.backend;
    await b.exec(ddlFor(b.dialect, JOBS_TABLE_SQL));
    if (b.dialect === 'sqlite') {
      const have = new Set((await b.query('PRAGMA table_info(jobs)')).map((r) => String(r.name)));
      for (const [name, type] of ADDED_COLUMNS)
        if (!have.has(name)) await b.exec(`ALTER TABLE jobs ADD COLUMN ${name} ${type}`);
    }
    await b.exec(ddlFor(b.dialect, NODES_TABLE_SQL));
    await this.units.createTable();
    await b.exec(
      'CREATE UNIQUE INDEX IF NOT EXISTS jobs_schedule_occurrence ON jobs (schedule_id, scheduled_for)',
    );
  }

  get nodeId(): number {
    return this.node;
  }

  /**
   * The time leases are written and judged in: this host's clock, corrected (on a PostgreSQL store) by its
   * offset from the database server's clock, so nodes whose clocks disagree still agree on when a lease
   * runs out. Measured at open and at each heartbeat.
   */
  now(): number {
    return Date.now() + this.skew;
  }

  private skew = 0;

  private async measureSkew(): Promise<void> {
    if (this.backend.dialect !== 'postgres') return;
    const before = Date.now();
    const rows = await this.backend.query(
      'SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms',
    );
    const after = Date.now();
    this.skew = Number(rows[0]?.ms) - Math.round((before + after) / 2);
  }

  /** Registers this process as a node (a daemon runs other processes' jobs); ids are small and increasing. */
  async register(daemon: boolean): Promise<number> {
    const now = this.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const next = await this.backend.query('SELECT COALESCE(MAX(id), 0) + 1 AS id FROM nodes');
        const id = Number(next[0]?.id);
        await this.backend.run(
          'INSERT INTO nodes (id, host, pid, started, heartbeat, daemon, source) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [id, HOST_IDENTITY, process.pid, new Date(now).toISOString(), now, daemon ? 1 : 0, this.source],
        );
        if (this.node !== 0) await this.retire();
        this.node = id;
        // Stopped nodes are kept a day (SHOW JOBS names them as coordinators), then forgotten.
        await this.backend.run('DELETE FROM nodes WHERE stopped IS NOT NULL AND heartbeat < ?', [
          now - 24 * 3600_000,
        ]);
        return id;
      } catch (err) {
        // Two processes took the same id at once: the primary key refused one, which tries again.
        if (attempt >= 20) throw err;
      }
    }
  }

  /** Renews this node's liveness (daemons are found by it). */
  async heartbeat(): Promise<void> {
    await this.measureSkew();
    await this.backend.run('UPDATE nodes SET heartbeat = ? WHERE id = ?', [this.now(), this.node]);
  }

  /** Marks this node stopped (a clean exit): clients stop counting on it at once. */
  async retire(): Promise<void> {
    await this.backend.run('UPDATE nodes SET stopped = ? WHERE id = ?', [
      new Date().toISOString(),
      this.node,
    ]);
  }

  /** Live daemons that run jobs of this store's source. */
  async liveDaemons(now = this.now()): Promise<NodeRecord[]> {
    const rows = await this.backend.query(
      'SELECT * FROM nodes WHERE daemon = 1 AND stopped IS NULL AND source = ? AND heartbeat >= ?',
      [this.source, now - this.leaseMs],
    );
    return rows.map(toNode).filter((n) => !this.knownDead(n));
  }

  /** A node of this host whose process is gone is dead now, whatever its last heartbeat says. */
  private knownDead(n: { host: string; pid: number }): boolean {
    return n.host === HOST_IDENTITY && n.pid !== process.pid && !isAlive(n.pid);
  }

  /** unique_rowid-style ids: milliseconds since 2015 shifted left 15, plus randomness; strictly increasing here. */
  private nextId(): bigint {
    let id = (BigInt(Date.now() - EPOCH_2015) << 15n) | BigInt(Math.floor(Math.random() * 32768));
    if (id <= this.lastId) id = this.lastId + 1n;
    this.lastId = id;
    return id;
  }

  /**
   * Records a new job: running under this node's lease, or pending for a daemon. With `schedule`, undefined
   * when that occurrence already has its job (another daemon claimed it), else the new job's id.
   */
  async create(job: NewJob, b: SqlBackend = this.backend): Promise<bigint | undefined> {
    const id = this.nextId();
    const now = new Date().toISOString();
    const running = job.status === 'running';
    const changed = await b.run(
      `INSERT INTO jobs (id, job_type, description, user_name, status, created, started, modified, coordinator_id,
         payload, source, lease_expires, claims, schedule_id, scheduled_for)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      [
        id,
        job.type,
        job.description,
        job.userName,
        job.status,
        now,
        running ? now : null,
        now,
        running ? this.node : 0,
        job.payload,
        this.source,
        running ? this.now() + this.leaseMs : 0,
        running ? 1 : 0,
        job.schedule?.id ?? null,
        job.schedule?.scheduledFor ?? null,
      ],
    );
    return changed === 1 ? id : undefined;
  }

  /** The job a schedule occurrence created, if any. */
  async forOccurrence(scheduleId: bigint, scheduledFor: number): Promise<JobRecord | undefined> {
    const rows = await this.backend.query('SELECT * FROM jobs WHERE schedule_id = ? AND scheduled_for = ?', [
      scheduleId,
      scheduledFor,
    ]);
    return rows[0] && toRecord(rows[0]);
  }

  /**
   * Claims a job for this node: a pending one, or one whose lease expired (its node died). One conditional
   * UPDATE on the claim counter and the lease read with it: true only for the one caller whose UPDATE changed
   * the row, and never when the owner renewed its lease in the meantime.
   */
  async claim(job: JobRecord, now = this.now()): Promise<boolean> {
    const changed = await this.backend.run(
      `UPDATE jobs SET coordinator_id = ?, lease_expires = ?, claims = claims + 1, modified = ?,
         status = CASE WHEN status = 'pending' THEN 'running' ELSE status END, started = COALESCE(started, ?)
       WHERE id = ? AND claims = ? AND lease_expires = ? AND status NOT IN ('succeeded', 'failed', 'canceled')`,
      [
        this.node,
        now + this.leaseMs,
        new Date(now).toISOString(),
        new Date(now).toISOString(),
        job.id,
        job.claims,
        // The lease as read: an owner that renewed since (it was late, not dead) keeps its job.
        job.leaseExpires,
      ],
    );
    return changed === 1;
  }

  /** Whether the job's lease has run out (or its node, on this host, is gone). */
  async leaseExpired(job: JobRecord, now = this.now()): Promise<boolean> {
    if (job.status === 'pending') return true;
    if (job.leaseExpires < now) return true;
    const rows = await this.backend.query('SELECT host, pid FROM nodes WHERE id = ?', [job.coordinatorId]);
    const n = rows[0];
    return n !== undefined && this.knownDead({ host: String(n.host), pid: Number(n.pid) });
  }

  /**
   * Jobs another node may have to take over: pending, or unfinished with an expired lease (checked by the
   * caller with `leaseExpired`), of this store's source, oldest first.
   */
  async claimable(now = this.now()): Promise<JobRecord[]> {
    const rows = await this.backend.query(
      `SELECT * FROM jobs WHERE source = ? AND payload IS NOT NULL AND finished IS NULL
         AND (status = 'pending' OR lease_expires < ? OR coordinator_id <> ?) ORDER BY id`,
      [this.source, now, this.node],
    );
    const out: JobRecord[] = [];
    for (const r of rows) {
      const j = toRecord(r);
      if (await this.leaseExpired(j, now)) out.push(j);
    }
    return out;
  }

  /**
   * Renews this node's lease on a job; false when it was lost (the lease expired and another node claimed
   * the job), and the caller must stop working on it.
   */
  async renew(id: bigint, claims: number, now = this.now()): Promise<boolean> {
    const held =
      (await this.backend.run(
        'UPDATE jobs SET lease_expires = ? WHERE id = ? AND claims = ? AND coordinator_id = ? AND finished IS NULL',
        [now + this.leaseMs, id, claims, this.node],
      )) === 1;
    // The units this node works on live as long as its hold on the job.
    if (held) await this.units.renew(id, this.node, now + this.leaseMs);
    return held;
  }

  /** Progress of the job, written only while this node holds it (`claims` unchanged). */
  async progress(
    id: bigint,
    claims: number,
    fraction: number,
    rows: number,
    bytes: number,
    runningStatus?: string,
  ): Promise<void> {
    await this.backend.run(
      `UPDATE jobs SET fraction_completed = ?, rows = ?, bytes = ?, running_status = COALESCE(?, running_status),
         modified = ? WHERE id = ? AND claims = ? AND finished IS NULL`,
      [fraction, rows, bytes, runningStatus ?? null, new Date().toISOString(), id, claims],
    );
  }

  /** Saves a checkpoint (JSON) with a one-line summary shown as running_status; guarded like progress. */
  async saveCheckpoint(id: bigint, claims: number, checkpoint: string, summary: string): Promise<void> {
    const now = new Date();
    await this.backend.run(
      'UPDATE jobs SET checkpoint = ?, running_status = ?, modified = ? WHERE id = ? AND claims = ?',
      [
        checkpoint,
        `checkpoint ${now.toISOString().slice(0, 19)}Z: ${summary}`,
        now.toISOString(),
        id,
        claims,
      ],
    );
  }

  /**
   * Sets a job's status. With `claims`, only while that claim holds (the owner ending its job); without, a
   * request from anywhere (PAUSE/RESUME/CANCEL, an orphan failed).
   */
  async setStatus(id: bigint, status: JobStatus, error?: string, claims?: number): Promise<boolean> {
    const now = new Date().toISOString();
    const finished = TERMINAL.includes(status) ? now : null;
    const changed =
      (await this.backend.run(
        `UPDATE jobs SET status = ?, error = COALESCE(?, error), finished = COALESCE(?, finished), modified = ?,
           fraction_completed = CASE WHEN ? = 'succeeded' THEN 1 ELSE fraction_completed END
         WHERE id = ? AND finished IS NULL ${claims === undefined ? '' : 'AND claims = ?'}`,
        [status, error ?? null, finished, now, status, id, ...(claims === undefined ? [] : [claims])],
      )) === 1;
    // An ended job's units are done with: nothing resumes it.
    if (changed && finished !== null) await this.units.remove(id);
    return changed;
  }

  async get(id: bigint): Promise<JobRecord> {
    const row = await this.find(id);
    if (!row) throw new StrongroomError('JOB_NOT_FOUND', `job with ID ${id} does not exist`);
    return row;
  }

  /** The job, or undefined when no job has that ID. */
  async find(id: bigint): Promise<JobRecord | undefined> {
    const rows = await this.backend.query('SELECT * FROM jobs WHERE id = ?', [id]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /** Running, pending or paused jobs of a type (for `PAUSE/RESUME/CANCEL ALL <type> JOBS`). */
  async unfinished(type: JobType): Promise<bigint[]> {
    const rows = await this.backend.query(
      'SELECT id FROM jobs WHERE job_type = ? AND finished IS NULL ORDER BY id',
      [type],
    );
    return rows.map((r) => BigInt(String(r.id)));
  }

  /** Records a free-text status (e.g. a pause reason) shown as running_status. */
  async setRunningStatus(id: bigint, runningStatus: string): Promise<void> {
    await this.backend.run('UPDATE jobs SET running_status = ?, modified = ? WHERE id = ?', [
      runningStatus,
      new Date().toISOString(),
      id,
    ]);
  }

  /**
   * Every job record copied into an in-memory SQLite database, for read-only queries over `[SHOW JOBS]`
   * (jobs-query.ts): their SQL is SQLite's whatever backend holds the jobs.
   */
  async queryDatabase(): Promise<Database.Database> {
    const db = new Database(':memory:');
    db.defaultSafeIntegers(true);
    db.exec(JOBS_TABLE_SQL);
    const rows = await this.backend.query('SELECT * FROM jobs');
    if (rows.length > 0) {
      const cols = Object.keys(rows[0] as SqlRow);
      const ins = db.prepare(
        `INSERT INTO jobs (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
      );
      db.transaction(() => {
        for (const r of rows) ins.run(...cols.map((c) => sqliteValue(c, r[c])));
      })();
    }
    return db;
  }

  /** Running jobs and jobs finished within the last 12 hours, newest first (CockroachDB's SHOW JOBS). */
  async list(): Promise<JobRecord[]> {
    const since = new Date(Date.now() - 12 * 3600_000).toISOString();
    const rows = await this.backend.query(
      `SELECT * FROM jobs WHERE finished IS NULL OR finished >= ?
       ORDER BY COALESCE(finished, '9999') DESC, started DESC`,
      [since],
    );
    return rows.map(toRecord);
  }

  /**
   * Jobs no node can finish: unfinished, without a payload (only their submitting process could run them),
   * and whose lease ran out. Marked failed (their status survives).
   */
  async failOrphans(now = this.now()): Promise<void> {
    const rows = await this.backend.query(
      `SELECT * FROM jobs WHERE finished IS NULL AND payload IS NULL AND coordinator_id <> ?`,
      [this.node],
    );
    for (const r of rows) {
      const j = toRecord(r);
      if (!(await this.leaseExpired(j, now))) continue;
      const failed = await this.backend.run(
        `UPDATE jobs SET status = 'failed', finished = ?, modified = ?, error = ? WHERE id = ? AND claims = ?
           AND finished IS NULL`,
        [new Date(now).toISOString(), new Date(now).toISOString(), ORPHAN_ERROR, j.id, j.claims],
      );
      if (failed === 1) await this.units.remove(j.id);
    }
  }

  /**
   * Whether a job is being worked on: unfinished and its lease held by a live node ('live'), or not ('dead':
   * ended, or its node is gone). For cleanup, which must not remove a live writer's files.
   */
  async liveness(id: bigint, now = this.now()): Promise<'live' | 'dead'> {
    const j = await this.find(id);
    if (j === undefined || isTerminal(j.status)) return 'dead';
    return (await this.leaseExpired(j, now)) ? 'dead' : 'live';
  }

  async close(): Promise<void> {
    await this.retire().catch(() => undefined);
    await this.backend.close();
  }
}

/** PostgreSQL returns BIGINT as text: the copy keeps integer columns integers. */
function sqliteValue(column: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (column === 'fraction_completed') return Number(v);
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v) && INTEGER_COLUMNS.has(column)) return BigInt(v);
  return v;
}

const INTEGER_COLUMNS = new Set([
  'id',
  'rows',
  'bytes',
  'coordinator_id',
  'lease_expires',
  'claims',
  'schedule_id',
  'scheduled_for',
]);

function toNode(r: SqlRow): NodeRecord {
  return {
    id: Number(r.id),
    host: String(r.host),
    pid: Number(r.pid),
    heartbeat: Number(r.heartbeat),
    daemon: Number(r.daemon) === 1,
    source: String(r.source),
  };
}

function toRecord(r: SqlRow): JobRecord {
  const d = (s: unknown): Date | null => (s === null || s === undefined ? null : new Date(String(s)));
  const text = (s: unknown): string | null => (s === null || s === undefined ? null : String(s));
  return {
    id: BigInt(String(r.id)),
    type: String(r.job_type) as JobType,
    description: String(r.description),
    userName: String(r.user_name),
    status: String(r.status) as JobStatus,
    runningStatus: text(r.running_status),
    created: new Date(String(r.created)),
    started: d(r.started),
    finished: d(r.finished),
    modified: new Date(String(r.modified)),
    fractionCompleted: Number(r.fraction_completed),
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    error: text(r.error),
    coordinatorId: Number(r.coordinator_id),
    payload: text(r.payload),
    source: String(r.source ?? ''),
    leaseExpires: Number(r.lease_expires ?? 0),
    claims: Number(r.claims ?? 0),
    checkpoint: text(r.checkpoint),
  };
}

export function isTerminal(s: JobStatus): boolean {
  return TERMINAL.includes(s);
}
