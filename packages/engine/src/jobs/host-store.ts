// What this host remembers of the backups it wrote, in `<home>/jobs.db` whatever state store the jobs use:
// the rollback anchor (the newest backup and chain length completed per collection, see
// collection/anchor.ts) and which job wrote which layer directory (so cleanup tells a crash's leftovers
// from a live writer's files). Kept per host on purpose: it is the outside record that storage alone
// cannot give (README, "Threat model").
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

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

export class HostStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.defaultSafeIntegers(true);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS backup_heads (
      collection TEXT NOT NULL, full_dir TEXT NOT NULL, layers INTEGER NOT NULL, last_dir TEXT NOT NULL,
      end_time TEXT NOT NULL, PRIMARY KEY (collection, full_dir))`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS backup_targets (
      job_id INTEGER NOT NULL, collection TEXT NOT NULL, dir TEXT NOT NULL, PRIMARY KEY (collection, dir, job_id))`);
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

  /** The jobs of this host that wrote a layer directory. */
  targetJobs(collection: string, dir: string): bigint[] {
    return (
      this.db
        .prepare('SELECT job_id FROM backup_targets WHERE collection = ? AND dir = ?')
        .all(collection, dir) as { job_id: bigint }[]
    ).map((r) => BigInt(r.job_id));
  }

  close(): void {
    this.db.close();
  }
}
