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
  type JobControlStatement,
  type JobSelector,
  parseScriptOrThrow,
  parseStatement,
  placeholderCount,
  placeholderTypes,
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
import { jobDescription } from './jobs/job-description.js';
import { JobRunner } from './jobs/job-runner.js';
import { jobIdsOf, runJobsQuery } from './jobs/jobs-query.js';
import type { JobRecord, JobType } from './jobs/jobs-store.js';
import { isTerminal, JobsStore } from './jobs/jobs-store.js';
import { showJobsFull, showJobsListing } from './jobs/show-jobs.js';
import { prewarmEncoders } from './pipeline/compress-pool.js';
import { prewarmDecoders } from './pipeline/decode-pool.js';
import { expireBackups, retainChains } from './retention/expire.js';
import { alterSchedule } from './schedules/alter-schedule.js';
import {
  controlSchedule,
  createSchedule,
  showCreateSchedule,
  showSchedules,
} from './schedules/schedule-statements.js';
import { runDueSchedules, type TickReport } from './schedules/scheduler.js';
import { StateStore } from './state/state-store.js';
import { planAlter, runAlter } from './statements/alter.js';
import { planBackup, runBackup, SPAN_CONCURRENCY } from './statements/backup/index.js';
import { describeStatement, JOB_RESULT } from './statements/describe.js';
import { explain } from './statements/explain.js';
import { planRestore, runRestore } from './statements/restore/index.js';
import { showBackup, showBackups } from './statements/show.js';
import { showDatabases, showTables } from './statements/show-catalog.js';
import { checkStatement } from './statements/statement-check.js';
import { int, str } from './statements/values.js';
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

  constructor(
    private readonly ctx: EngineContext,
    private readonly now: () => number = Date.now,
  ) {
    this.runner = new JobRunner(ctx.jobs, ctx.user);
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
        start: async (command) => {
          const ast = parseStatement(command);
          if (ast.kind !== 'backup') throw new StrongroomError('INTERNAL', 'a schedule holds a BACKUP');
          const detached: BackupStatement = {
            ...ast,
            options: { ...ast.options, detached: { kind: 'bool', value: true } },
          };
          const r = await this.run(detached, {});
          return r.rows[0]?.[0] as bigint;
        },
        retain: (command, keepFull) => retainChains(this.ctx, command, keepFull, this.now()),
        log: this.log,
      },
      now,
    );
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
        // The encoder threads load while the backup is planned.
        prewarmEncoders(SPAN_CONCURRENCY);
        const plan = await planBackup(ctx, ast, o.signal);
        return this.job('BACKUP', jobDescription(ast, plan.fullDir), plan.detached, o, async (job) => {
          const r = await runBackup(ctx, plan, job);
          return r.rows;
        });
      }
      case 'restore': {
        // SQLite restores decode page spans on these threads: they load while the restore is planned.
        if (ctx.source.kind === 'sqlite') prewarmDecoders();
        const plan = await planRestore(ctx, ast, common);
        return this.job('RESTORE', jobDescription(ast), plan.detached, o, async (job) => {
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
          { detached: false, signal: o.signal },
        );
        return { columns: [], rows: [], tag: 'ALTER BACKUP' };
      }
      case 'show_backups':
        return showBackups(ctx, ast);
      case 'show_backup':
        return showBackup(ctx, ast, common);
      case 'show_jobs': {
        if (ast.jobs === undefined) return showJobsListing(ctx.jobs.list());
        const ids = this.jobIds(ast.jobs);
        if (ast.whenComplete) await this.whenComplete(ids, o.signal);
        return showJobsFull(this.records(ids));
      }
      case 'show_job': {
        const ids = [int(ast.jobId)];
        if (ast.whenComplete) await this.whenComplete(ids, o.signal);
        return showJobsFull(this.records(ids));
      }
      case 'pause_job':
      case 'resume_job':
      case 'cancel_job':
        return this.control(ast);
      case 'select_jobs':
        return runJobsQuery(ctx.jobs.database, ast.query.text);
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
  private jobIds(j: JobSelector): bigint[] {
    switch (j.kind) {
      case 'job':
        return [int(j.jobId)];
      case 'query':
        return jobIdsOf(this.ctx.jobs.database, j.text);
      case 'all':
        return this.ctx.jobs.unfinished(j.jobType.toUpperCase() as JobType);
      case 'schedule':
        return this.ctx.state.jobsOf(int(j.scheduleId));
      case 'schedules':
        return this.ctx.state.scheduleIdsOf(j.query.text).flatMap((id) => this.ctx.state.jobsOf(id));
      default:
        return assertNever(j, 'job selector');
    }
  }

  private records(ids: readonly bigint[]): JobRecord[] {
    return ids.map((id) => this.ctx.jobs.find(id)).filter((j): j is JobRecord => j !== undefined);
  }

  /** Waits until every named job has ended (SHOW JOB[S] WHEN COMPLETE); IDs without a job are skipped. */
  private async whenComplete(ids: readonly bigint[], signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.records(ids).every((j) => isTerminal(j.status))) return;
      if (signal?.aborted)
        throw new StrongroomError('CANCELED', 'canceled while waiting for jobs to complete');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** PAUSE/RESUME/CANCEL of one job or several; a job already in the requested state is left alone. */
  private control(ast: JobControlStatement): ResultSet {
    const ids = this.jobIds(ast.jobs);
    const reason = ast.reason === undefined ? undefined : str(ast.reason);
    for (const id of ids) {
      if (ast.kind === 'pause_job') this.runner.pause(id, reason);
      else if (ast.kind === 'resume_job') this.runner.resume(id);
      else this.runner.cancel(id);
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
    detached: boolean,
    o: ExecuteOptions,
    fn: Parameters<JobRunner['start']>[2],
  ): Promise<ResultSet> {
    const r = await this.runner.start(type, description, fn, {
      detached,
      signal: o.signal,
      onProgress: o.onProgress,
      onEnd: o.onJobEnd,
    });
    if (detached) return { columns: [JOB_RESULT[0]!], rows: [[r.id]], tag: type };
    return {
      columns: [...JOB_RESULT],
      rows: [[r.id, 'succeeded', 1, BigInt(Number(r.result ?? 0))]],
      tag: type,
    };
  }

  async close(): Promise<void> {
    await this.runner.drain();
    this.ctx.jobs.close();
    this.ctx.state.close();
    await this.ctx.source.close();
  }
}

export async function openEngine(options: EngineOptions): Promise<Engine> {
  const env = options.env ?? process.env;
  mkdirSync(options.home, { recursive: true });
  const externalIoDir = options.externalIoDir ?? join(options.home, 'extern');
  mkdirSync(externalIoDir, { recursive: true });
  const domicile = loadConfig(options.configPath);
  const source = await openSource(options.source, { home: options.home });
  const jobs = new JobsStore(join(options.home, 'jobs.db'));
  const state = new StateStore(join(options.home, 'state.db'));
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
      locality: options.locality ?? '',
      user: options.user ?? 'root',
      domicile,
    },
    options.now,
  );
}
