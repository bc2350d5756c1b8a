// The engine: parses (when given text), binds parameters, and dispatches each statement — owned ones to
// their planners and job runner, the rest verbatim to the source.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { assertNever, StrongroomError } from '@strongroom/errors';
import { defaultKmsRegistry } from '@strongroom/kms';
import { openSource, type ResultColumn, type ResultSet } from '@strongroom/sources';
import {
  type BackupStatement,
  bindParameters,
  type ExplainableStatement,
  format,
  type JobControlStatement,
  type JobSelector,
  parseScriptOrThrow,
  parseStatement,
  placeholderCount,
  placeholderTypes,
  type RestoreStatement,
  type ScriptStatement,
  type Statement,
} from '@strongroom/sql';
import { defaultStorageRegistry } from '@strongroom/storage';
import { loadConfig } from './config.js';
import {
  createConnection,
  dropConnection,
  showBackupConnection,
  showConnections,
} from './connections/connection-statements.js';
import { externalKmsProvider, externalStorageProvider } from './connections/external-uri.js';
import type { EngineContext } from './context.js';
import { HostStore } from './jobs/host-store.js';
import { jobDescription } from './jobs/job-description.js';
import { checkpointOf, type JobHandle, JobRunner } from './jobs/job-runner.js';
import { jobIdsOf, runJobsQuery } from './jobs/jobs-query.js';
import type { JobRecord, JobType } from './jobs/jobs-store.js';
import { isTerminal } from './jobs/jobs-store.js';
import { showJobsFull, showJobsListing } from './jobs/show-jobs.js';
import { prewarmEncoders } from './pipeline/compress-pool.js';
import { prewarmDecoders } from './pipeline/decode-pool.js';
import { threadsStopped } from './pipeline/stop-thread.js';
import { expireBackups, retainChains } from './retention/expire.js';
import { alterSchedule } from './schedules/alter-schedule.js';
import {
  controlSchedule,
  createSchedule,
  showCreateSchedule,
  showSchedules,
} from './schedules/schedule-statements.js';
import { runDueSchedules, type TickReport } from './schedules/scheduler.js';
import { openState, stateUri } from './state/open-state.js';
import { planAlter, runAlter } from './statements/alter.js';
import {
  backupCheckpoint,
  committedEarlier,
  planBackup,
  runBackup,
  SPAN_CONCURRENCY,
} from './statements/backup/index.js';
import { describeStatement, JOB_RESULT } from './statements/describe.js';
import { explain } from './statements/explain.js';
import { planRestore, restoreCheckpoint, runRestore } from './statements/restore/index.js';
import { showBackup, showBackups } from './statements/show.js';
import { showDatabases, showTables } from './statements/show-catalog.js';
import { checkStatement } from './statements/statement-check.js';
import { bool, int, str } from './statements/values.js';
import type { Engine, EngineDescription, EngineOptions, ExecuteOptions } from './types.js';

/** `$STRONGROOM_HOME`, else `~/.strongroom`. */
export function defaultHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.STRONGROOM_HOME ?? join(homedir(), '.strongroom');
}

function paramText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  return String(v);
}

function toScriptStatement(text: string): ScriptStatement {
  const statements = parseScriptOrThrow(text);
  if (statements.length !== 1)
    throw new StrongroomError('INVALID_PARAMETER', `expected one statement, got ${statements.length}`);
  return statements[0] as ScriptStatement;
}

class StrongroomEngine implements Engine {
  private readonly runner: JobRunner;

  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly now: () => number = Date.now,
    private readonly jobOptions: {
      readonly daemon: boolean;
      readonly withoutDaemon: 'in-process' | 'attached';
      /** How many jobs a daemon runs at once (`STRONGROOM_JOBS_PER_NODE`, default 2). */
      readonly maxJobs: number;
    } = { daemon: false, withoutDaemon: 'in-process', maxJobs: 2 },
  ) {
    this.runner = new JobRunner(ctx.jobs, ctx.user);
    // Every node renews its liveness, so clients know a daemon is there and leases of its jobs are trusted.
    this.heartbeat = setInterval(
      () => void ctx.jobs.heartbeat().catch(() => undefined),
      Math.max(Math.floor(ctx.jobs.leaseMs / 3), 50),
    );
    this.heartbeat.unref();
  }

  get activeJobs(): number {
    return this.runner.active;
  }

  get source(): Engine['source'] {
    return { kind: this.ctx.source.kind, redactedUri: this.ctx.source.redactedUri };
  }

  /** One scheduler pass at `now` (default: the engine's clock): see schedules/scheduler.ts. */
  runDueSchedules(now = this.now()): Promise<TickReport> {
    return runDueSchedules(
      {
        state: this.ctx.state,
        jobs: this.ctx.jobs,
        claimJob: async (command, scheduleId, scheduledFor) => {
          const ast = parseStatement(command);
          if (ast.kind !== 'backup') throw new StrongroomError('INTERNAL', 'a schedule holds a BACKUP');
          const description = jobDescription(ast);
          // The job record is the occurrence's claim: (schedule, occurrence) is unique in the jobs store.
          return this.ctx.jobs.create({
            type: 'BACKUP',
            description,
            userName: this.ctx.user,
            payload: command,
            status: 'running',
            schedule: { id: scheduleId, scheduledFor },
          });
        },
        start: async (jobId) => {
          const job = await this.ctx.jobs.get(jobId);
          await this.runRecord(job, job.claims);
        },
        retain: (command, keepFull) => retainChains(this.ctx, command, keepFull, this.now()),
        log: this.log,
      },
      now,
    );
  }

  /** A daemon's pass over the jobs it may run: see Engine.runClaimableJobs. */
  async runClaimableJobs(): Promise<bigint[]> {
    const jobs = this.ctx.jobs;
    await jobs.heartbeat();
    await jobs.failOrphans();
    const started: bigint[] = [];
    for (const job of await jobs.claimable()) {
      // Leave the rest to other nodes (or to this one's next pass) once this node runs its share.
      if (this.runner.active >= this.jobOptions.maxJobs) break;
      if (this.runner.runs(job.id)) continue;
      if (job.status === 'cancel-requested') {
        await jobs.setStatus(job.id, 'canceled', `job ${job.id} was canceled`);
        continue;
      }
      // A paused job stays paused until someone resumes it; then it is adopted.
      if (job.status === 'paused' || job.status === 'pause-requested') continue;
      if (!(await jobs.claim(job))) continue;
      const adopted = job.status !== 'pending';
      this.log?.(
        adopted
          ? `adopted job ${job.id} (${job.type}) from node ${job.coordinatorId}, whose lease expired`
          : `started job ${job.id} (${job.type})`,
      );
      started.push(job.id);
      await this.runRecord(job, job.claims + 1).catch((err: unknown) => {
        this.log?.(`job ${job.id} failed to start: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    return started;
  }

  /**
   * Runs a job record this node has claimed, detached: its payload is planned afresh (a BACKUP gets a fresh
   * snapshot) and run under the record, from its last checkpoint. A plan that fails fails the job.
   */
  private async runRecord(job: JobRecord, claims: number): Promise<void> {
    const fail = async (err: unknown): Promise<never> => {
      const message = err instanceof Error ? err.message : String(err);
      await this.ctx.jobs.setStatus(job.id, 'failed', message, claims);
      throw err;
    };
    if (job.payload === null) return fail(new StrongroomError('INTERNAL', `job ${job.id} has no statement`));
    const resumeFrom = checkpointOf(job);
    const opts = { detached: true, payload: job.payload, resumedFraction: job.fractionCompleted };
    let ast: Statement;
    try {
      ast = parseStatement(job.payload);
      checkStatement(ast);
    } catch (err) {
      return fail(err);
    }
    switch (ast.kind) {
      case 'backup': {
        prewarmEncoders(SPAN_CONCURRENCY);
        const resume = backupCheckpoint(resumeFrom);
        if (resume && (await committedEarlier(this.ctx, ast, resume).catch(fail))) {
          // The dead attempt committed its layer before its job said so: the job has succeeded.
          await this.runner.runClaimed(job.id, 'BACKUP', claims, resumeFrom, async () => 0, opts);
          return;
        }
        const plan = await planBackup(this.ctx, ast, undefined, resume ? { resume } : {}).catch(fail);
        await this.runner.runClaimed(
          job.id,
          'BACKUP',
          claims,
          resumeFrom,
          async (h) => (await runBackup(this.ctx, plan, h)).rows,
          opts,
        );
        return;
      }
      case 'restore': {
        const resume = restoreCheckpoint(resumeFrom);
        const plan = await planRestore(this.ctx, ast, resume ? { resume } : {}).catch(fail);
        await this.runner.runClaimed(
          job.id,
          'RESTORE',
          claims,
          resumeFrom,
          async (h) => (await runRestore(this.ctx, plan, h)).rows,
          opts,
        );
        return;
      }
      case 'alter_backup': {
        const plan = await planAlter(this.ctx, ast).catch(fail);
        await this.runner.runClaimed(
          job.id,
          'ALTER BACKUP',
          claims,
          resumeFrom,
          async (h) => runAlter(this.ctx, plan, h.signal),
          opts,
        );
        return;
      }
      default:
        return fail(new StrongroomError('INTERNAL', `job ${job.id} holds a ${ast.kind} statement`));
    }
  }

  /** Where the scheduler reports what it does. */
  log: ((line: string) => void) | undefined;

  async execute(statement: ScriptStatement | string, options: ExecuteOptions = {}): Promise<ResultSet> {
    const st = typeof statement === 'string' ? toScriptStatement(statement) : statement;
    if (st.kind === 'forward') {
      const source = this.ctx.source;
      const o = { signal: options.signal };
      if (options.sink && source.stream) {
        const sink = options.sink;
        let columns: readonly ResultColumn[] = [];
        const tag = await source.stream(
          st.text,
          options.params ?? [],
          {
            columns: (c) => {
              columns = c;
              sink.columns(c);
            },
            rows: (batch) => sink.rows(batch),
          },
          o,
        );
        return { columns, rows: [], tag };
      }
      return source.execute(st.text, options.params ?? [], o);
    }
    // Owned statements bind their parameters as text, whatever kind of value the caller had.
    const params = (options.params ?? []).map(paramText);
    const ast = placeholderCount(st.ast) > 0 ? bindParameters(st.ast, params) : st.ast;
    return this.run(ast, options);
  }

  get sourceKind(): string {
    return this.ctx.source.kind;
  }

  listDatabases(): Promise<readonly string[]> {
    return this.ctx.source.listDatabases();
  }

  async describe(st: ScriptStatement): Promise<EngineDescription> {
    if (st.kind === 'owned')
      return { columns: describeStatement(st.ast), paramTypes: placeholderTypes(st.ast) };
    const source = this.ctx.source;
    if (source.describe) return source.describe(st.text);
    return { columns: undefined, paramTypes: [] };
  }

  private async run(ast: Statement, o: ExecuteOptions): Promise<ResultSet> {
    const ctx = this.ctx;
    checkStatement(ast);
    const common = { signal: o.signal, onNotice: o.onNotice };
    switch (ast.kind) {
      case 'backup': {
        prewarmFor(ast, ctx.source.kind);
        const plan = await planBackup(ctx, ast, o.signal);
        return this.job('BACKUP', jobDescription(ast, plan.fullDir), ast, plan.detached, o, async (job) => {
          const r = await runBackup(ctx, plan, job);
          return r.rows;
        });
      }
      case 'restore': {
        prewarmFor(ast, ctx.source.kind);
        const plan = await planRestore(ctx, ast, common);
        return this.job('RESTORE', jobDescription(ast), ast, plan.detached, o, async (job) => {
          const r = await runRestore(ctx, plan, job);
          return r.rows;
        });
      }
      case 'alter_backup': {
        const plan = await planAlter(ctx, ast);
        await this.runner.start(
          'ALTER BACKUP',
          jobDescription(ast),
          async (job) => runAlter(ctx, plan, job.signal),
          { detached: false, payload: payloadOf(ast), ...(o.signal ? { signal: o.signal } : {}) },
        );
        return { columns: [], rows: [], tag: 'ALTER BACKUP' };
      }
      case 'show_backups':
        return showBackups(ctx, ast);
      case 'show_backup':
        return showBackup(ctx, ast, common);
      case 'show_jobs': {
        if (ast.jobs === undefined) return showJobsListing(await ctx.jobs.list());
        const ids = await this.jobIds(ast.jobs);
        if (ast.whenComplete) await this.whenComplete(ids, o.signal);
        return showJobsFull(await this.records(ids));
      }
      case 'show_job': {
        const ids = [int(ast.jobId)];
        if (ast.whenComplete) await this.whenComplete(ids, o.signal);
        return showJobsFull(await this.records(ids));
      }
      case 'pause_job':
      case 'resume_job':
      case 'cancel_job':
        return this.control(ast);
      case 'select_jobs': {
        const db = await ctx.jobs.queryDatabase();
        try {
          return runJobsQuery(db, ast.query.text);
        } finally {
          db.close();
        }
      }
      case 'show_databases':
        return showDatabases(ctx);
      case 'show_tables':
        return showTables(ctx, ast.database, o.signal);
      case 'explain':
        return explain(ctx, ast.statement as ExplainableStatement, common);
      case 'create_external_connection':
        return createConnection(ctx, ctx.state, ast);
      case 'show_external_connections':
        return showConnections(ctx, ctx.state, ast);
      case 'drop_external_connection':
        return dropConnection(ctx.state, ast);
      case 'show_backup_connection':
        return showBackupConnection(ctx, ast, o.signal);
      case 'create_schedule':
        return createSchedule(ctx, ast, this.now());
      case 'show_schedules':
        return showSchedules(ctx, ast.scheduleId === undefined ? undefined : int(ast.scheduleId));
      case 'show_create_schedule':
        return showCreateSchedule(ctx, ast);
      case 'pause_schedule':
      case 'resume_schedule':
      case 'drop_schedule':
        return controlSchedule(ctx, ast, this.now());
      case 'alter_backup_schedule':
        return alterSchedule(ctx, ast, this.now());
      case 'expire_backups':
        return expireBackups(ctx, ast, this.now(), o.signal);
      default:
        return assertNever(ast, 'statement kind');
    }
  }

  /** The IDs a job statement names (a query's first column; `ALL <type> JOBS`: that type's unfinished jobs). */
  private async jobIds(j: JobSelector): Promise<bigint[]> {
    switch (j.kind) {
      case 'job':
        return [int(j.jobId)];
      case 'query': {
        const db = await this.ctx.jobs.queryDatabase();
        try {
          return jobIdsOf(db, j.text);
        } finally {
          db.close();
        }
      }
      case 'all':
        return this.ctx.jobs.unfinished(j.jobType.toUpperCase() as JobType);
      case 'schedule':
        return this.ctx.state.jobsOf(int(j.scheduleId));
      case 'schedules': {
        const out: bigint[] = [];
        for (const id of await this.ctx.state.scheduleIdsOf(j.query.text))
          out.push(...(await this.ctx.state.jobsOf(id)));
        return out;
      }
      default:
        return assertNever(j, 'job selector');
    }
  }

  private async records(ids: readonly bigint[]): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    for (const id of ids) {
      const j = await this.ctx.jobs.find(id);
      if (j !== undefined) out.push(j);
    }
    return out;
  }

  /** Waits until every named job has ended (SHOW JOB[S] WHEN COMPLETE); IDs without a job are skipped. */
  private async whenComplete(ids: readonly bigint[], signal?: AbortSignal): Promise<void> {
    for (;;) {
      if ((await this.records(ids)).every((j) => isTerminal(j.status))) return;
      if (signal?.aborted)
        throw new StrongroomError('CANCELED', 'canceled while waiting for jobs to complete');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** PAUSE/RESUME/CANCEL of one job or several; a job already in the requested state is left alone. */
  private async control(ast: JobControlStatement): Promise<ResultSet> {
    const ids = await this.jobIds(ast.jobs);
    const reason = ast.reason === undefined ? undefined : str(ast.reason);
    for (const id of ids) {
      if (ast.kind === 'pause_job') await this.runner.pause(id, reason);
      else if (ast.kind === 'resume_job') await this.runner.resume(id);
      else await this.runner.cancel(id);
    }
    const verb = ast.kind.slice(0, -4).toUpperCase();
    return {
      columns: [],
      rows: [],
      tag: ast.jobs.kind === 'job' ? `${verb} JOB 1` : `${verb} JOBS ${ids.length}`,
    };
  }

  private async job(
    type: 'BACKUP' | 'RESTORE',
    description: string,
    ast: BackupStatement | RestoreStatement,
    detached: boolean,
    o: ExecuteOptions,
    fn: (job: JobHandle) => Promise<unknown>,
  ): Promise<ResultSet> {
    let payload = payloadOf(ast);
    let attached = !detached;
    if (!this.jobOptions.daemon) {
      const daemons = await this.ctx.jobs.liveDaemons();
      if (detached) {
        const handOff = await this.handOff(type, description, payload, daemons.length, o);
        if (handOff !== undefined) return { columns: [JOB_RESULT[0]!], rows: [[handOff]], tag: type };
        attached = this.jobOptions.withoutDaemon === 'attached';
      }
      // A job this process runs can be adopted if it dies only where a daemon could adopt it; without one it
      // is failed once its lease runs out (as before daemons), not left running until some daemon appears.
      if (daemons.length === 0) payload = null;
    }
    const r = await this.runner.start(type, description, fn, {
      detached: !attached,
      payload,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.onJobEnd ? { onEnd: o.onJobEnd } : {}),
    });
    if (!attached) return { columns: [JOB_RESULT[0]!], rows: [[r.id]], tag: type };
    return {
      columns: [...JOB_RESULT],
      rows: [[r.id, 'succeeded', 1, BigInt(Number(r.result ?? 0))]],
      tag: type,
    };
  }

  /**
   * A detached job submitted where a daemon serves this state and source: recorded pending for the daemon
   * to run (it outlives this client). Undefined when it stays here — no live daemon, or a statement with a
   * secret (which no record may hold) — after a notice saying plainly what happens to it.
   */
  private async handOff(
    type: JobType,
    description: string,
    payload: string | null,
    daemons: number,
    o: ExecuteOptions,
  ): Promise<bigint | undefined> {
    const here =
      this.jobOptions.withoutDaemon === 'attached'
        ? 'it runs attached: this statement returns when the job ends'
        : 'it runs in this process and ends if this process exits';
    if (daemons === 0) {
      o.onNotice?.(
        `no strongroom serve daemon runs jobs of this state store and source, so ${here} (start \`strongroom serve\` to run detached jobs in the background)`,
      );
      return undefined;
    }
    if (payload === null) {
      o.onNotice?.(
        `this ${type} names a secret (a passphrase or a credential in a URI), which a job record may not hold, so the daemon cannot run it: ${here} (put credentials in an external connection to run it in the daemon)`,
      );
      return undefined;
    }
    const id = await this.ctx.jobs.create({
      type,
      description,
      userName: this.ctx.user,
      payload,
      status: 'pending',
    });
    if (id === undefined) throw new StrongroomError('INTERNAL', 'a job id was taken twice');
    o.onNotice?.(
      `job ${id} is queued for the strongroom serve daemon${daemons === 1 ? '' : 's'} sharing this state store: it runs there and outlives this client`,
    );
    return id;
  }

  /** Whether this process runs the job (a detached job handed to a daemon runs elsewhere). */
  runsJobHere(id: bigint): boolean {
    return this.runner.runs(id);
  }

  async close(): Promise<void> {
    await this.runner.drain();
    // Threads a failed or cancelled statement stopped mid-span: a process that ends while one is still in a
    // native call would abort (stop-thread.ts).
    await threadsStopped();
    clearInterval(this.heartbeat);
    await this.ctx.jobs.close();
    await this.ctx.state.close();
    this.ctx.host.close();
    await this.ctx.source.close();
  }
}

/**
 * Starts the worker threads a BACKUP (encoders) or a SQLite RESTORE (page decoders) will need, so they load
 * while it is planned. Not for a detached statement: it may be handed to a daemon, and this process end at
 * once.
 */
function prewarmFor(ast: BackupStatement | RestoreStatement, sourceKind: string): void {
  if (bool(ast.options.detached)) return;
  if (ast.kind === 'backup') prewarmEncoders(SPAN_CONCURRENCY);
  else if (sourceKind === 'sqlite') prewarmDecoders();
}

export async function openEngine(options: EngineOptions): Promise<Engine> {
  const env = options.env ?? process.env;
  mkdirSync(options.home, { recursive: true });
  const externalIoDir = options.externalIoDir ?? join(options.home, 'extern');
  mkdirSync(externalIoDir, { recursive: true });
  const domicile = loadConfig(options.configPath);
  const source = await openSource(options.source, { home: options.home });
  let opened: Awaited<ReturnType<typeof openState>>;
  try {
    opened = await openState(options.home, stateUri(options.state, env), source.redactedUri, env);
  } catch (err) {
    await source.close();
    throw err;
  }
  const { jobs, state } = opened;
  let host: HostStore;
  try {
    if (options.daemon) await jobs.register(true);
    host = new HostStore(join(options.home, 'jobs.db'));
  } catch (err) {
    await Promise.all([source.close(), jobs.close(), state.close()].map((p) => p.catch(() => undefined)));
    throw err;
  }
  const kms = defaultKmsRegistry();
  const storage = options.storage ?? defaultStorageRegistry();
  const lookup = (name: string) => state.connection(name);
  kms.register(externalKmsProvider(lookup, () => kms));
  storage.register(externalStorageProvider(lookup, () => storage));
  return new StrongroomEngine(
    {
      source,
      kms,
      storage,
      state,
      kmsCtx: { env },
      storageCtx: {
        externalIoDir,
        env,
        onRetry: options.onStorageRetry,
      },
      jobs,
      host,
      locality: options.locality ?? '',
      user: options.user ?? 'root',
      domicile,
    },
    options.now,
    {
      daemon: options.daemon ?? false,
      withoutDaemon: options.detachedWithoutDaemon ?? 'in-process',
      maxJobs: jobsPerNode(env),
    },
  );
}

function jobsPerNode(env: Readonly<Record<string, string | undefined>>): number {
  const v = Number(env.STRONGROOM_JOBS_PER_NODE);
  return Number.isInteger(v) && v >= 1 ? v : 2;
}

/** The statement as any node may run it, or null when it holds a secret (no job record may hold one). */
function payloadOf(ast: Statement): string | null {
  const plain = format(ast, { redact: false });
  return format(ast) === plain ? plain : null;
}
