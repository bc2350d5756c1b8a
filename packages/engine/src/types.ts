// The engine facade used by the CLI and the wire server: run one statement of a script (owned ones
// are planned and executed as jobs; others are forwarded to the source) and report progress.

import type { ResultColumn, ResultSet, RowSink } from '@strongroom/sources';
import type { ScriptStatement } from '@strongroom/sql';
import type { StorageRegistry } from '@strongroom/storage';
import type { TickReport } from './schedules/scheduler.js';

export interface Progress {
  readonly jobId: bigint;
  readonly jobType: 'BACKUP' | 'RESTORE' | 'ALTER BACKUP';
  /** 0..1 */
  readonly fraction: number;
  readonly rows: number;
  readonly bytes: number;
  /** Bytes per second over the job so far. */
  readonly rate: number;
  /** Seconds left, when it can be estimated. */
  readonly etaSeconds?: number;
}

export interface ExecuteOptions {
  /**
   * Values for `$1`, `$2`, …: forwarded statements get them as they are (bigint, number, boolean,
   * Uint8Array, Date, string, null), owned statements as text.
   */
  readonly params?: readonly unknown[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /** Messages a client should see (NOTICE), e.g. locality warnings. Never secrets. */
  readonly onNotice?: (message: string) => void;
  /**
   * When given, a forwarded statement's rows are handed to the sink batch by batch as the source produces
   * them (bounded memory) and the result holds no rows; owned statements ignore it.
   */
  readonly sink?: RowSink;
  /** Called once when the statement's job ends, also long after a detached statement returned. */
  readonly onJobEnd?: (end: JobEnd) => void;
}

/** What a statement returns and takes, known before it runs (the wire protocol's Describe). */
export interface EngineDescription {
  /** Undefined when the source cannot tell without running the statement. */
  readonly columns: readonly ResultColumn[] | undefined;
  /** SQL type names by placeholder (index n-1 for `$n`); null where unknown. */
  readonly paramTypes: readonly (string | null)[];
}

export interface JobEnd {
  readonly jobId: bigint;
  readonly jobType: 'BACKUP' | 'RESTORE' | 'ALTER BACKUP';
  readonly status: 'succeeded' | 'failed' | 'canceled';
  /** The error message of a failed or canceled job (never a secret). */
  readonly error?: string;
}

export interface Engine {
  /** Runs one statement; a string is split and must hold exactly one statement. */
  execute(statement: ScriptStatement | string, options?: ExecuteOptions): Promise<ResultSet>;
  /** Result columns and parameter types of a statement, without running it. */
  describe?(statement: ScriptStatement): Promise<EngineDescription>;
  /** The source's kind ('sqlite', 'postgres'). */
  readonly sourceKind?: string;
  /** The source's databases. */
  listDatabases?(): Promise<readonly string[]>;
  /** The session's source: its kind (`sqlite`, `postgres`) and URI with any password redacted. */
  readonly source: { readonly kind: string; readonly redactedUri: string };
  /**
   * One pass of the scheduler at `now` (epoch ms; default the engine's clock): settles ended scheduled jobs
   * and starts due occurrences this process claims. `strongroom serve` calls it periodically.
   */
  runDueSchedules?(now?: number): Promise<TickReport>;
  /** Where scheduler passes report what they do. */
  log?: ((line: string) => void) | undefined;
  /**
   * One pass of a daemon's job loop (engines opened with `daemon: true`): renews this node's liveness and
   * claims and starts jobs it may run — pending ones submitted by clients, and ones whose node died (lease
   * expired). Resolves with the ids of the jobs it started.
   */
  runClaimableJobs?(): Promise<bigint[]>;
  /** Whether this engine's process runs the job (false for one handed to a daemon). */
  runsJobHere?(id: bigint): boolean;
  /** Jobs this engine's process runs now. */
  readonly activeJobs?: number;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** Source database URI (`sqlite:///abs/dir/`, `sqlite:///abs/file.db`, `postgres://…`); default: `<home>/data/`. */
  readonly source?: string;
  /** Who runs the statements (SHOW JOBS user_name); default root. */
  readonly user?: string;
  /** State directory: jobs store, default data directory, default external-io dir. */
  readonly home: string;
  /** Root of `nodelocal://` URIs; default `<home>/extern`. */
  readonly externalIoDir?: string;
  /** This engine's locality, e.g. `region=us-east,zone=us-east-1a`; spans without a domicile rule get it. */
  readonly locality?: string;
  /** Path of a JSON configuration file (domicile rules). */
  readonly configPath?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Storage providers (default: defaultStorageRegistry()); e.g. wrapped with withFaults in tests. */
  readonly storage?: StorageRegistry;
  /** Told of each cloud storage retry (object and reason, never a secret). */
  readonly onStorageRetry?: (message: string) => void;
  /** The clock of schedules (epoch ms; default Date.now): tests inject their own. */
  readonly now?: () => number;
  /**
   * The state store: jobs, schedules and external connections. Default: SQLite files in `home`
   * (`jobs.db`, `state.db`); `postgres://…` (or `$STRONGROOM_STATE`): one PostgreSQL database that several
   * nodes share.
   */
  readonly state?: string;
  /** This engine is a daemon's: it runs jobs other processes submitted, and adopts those of dead nodes. */
  readonly daemon?: boolean;
  /**
   * What a detached job does when no daemon serves this state: 'in-process' (it runs in this process, which
   * says so in a notice: the REPL, tests) or 'attached' (it runs to its end before the statement returns, as
   * if not detached, with a notice: `strongroom sql -e/-f`, whose process would exit under it). Default
   * 'in-process'.
   */
  readonly detachedWithoutDaemon?: 'in-process' | 'attached';
}
