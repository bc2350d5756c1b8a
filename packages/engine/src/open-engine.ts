// The engine: parses (when given text), binds parameters, and dispatches each statement — owned ones to
// their planners and job runner, the rest verbatim to the source.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { assertNever, StrongroomError } from '@strongroom/errors';
import { defaultKmsRegistry } from '@strongroom/kms';
import { openSource, type ResultColumn, type ResultSet } from '@strongroom/sources';
import {
  bindParameters,
  type ExplainableStatement,
  format,
  parseScriptOrThrow,
  placeholderCount,
  placeholderTypes,
  redactionMarkers,
  type ScriptStatement,
  type Statement,
} from '@strongroom/sql';
import { defaultStorageRegistry } from '@strongroom/storage';
import { planAlter, runAlter } from './alter.js';
import { planBackup, runBackup, SPAN_CONCURRENCY } from './backup.js';
import { prewarmEncoders } from './compress-pool.js';
import { loadConfig } from './config.js';
import type { EngineContext } from './context.js';
import { describeStatement, JOB_RESULT } from './describe.js';
import { explain } from './explain.js';
import { JobRunner } from './jobs/job-runner.js';
import { JobsStore } from './jobs/jobs-store.js';
import { showJobs } from './jobs/show-jobs.js';
import { planRestore, runRestore } from './restore.js';
import { showBackup, showBackups } from './show.js';
import type { Engine, EngineDescription, EngineOptions, ExecuteOptions } from './types.js';
import { int } from './values.js';

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

/** A secret that reads `*****` or `redacted` was copied from a redacted text (history, a job description):
 * running it would encrypt a backup under the marker itself, so it is refused. */
function refuseRedactionMarkers(ast: Statement): void {
  const [marker] = redactionMarkers(ast);
  if (marker === undefined) return;
  const what =
    marker.where === 'encryption_passphrase'
      ? "encryption_passphrase is the redaction marker '*****'"
      : 'a URI holds the redaction marker "redacted" in place of a password or secret parameter';
  throw new StrongroomError(
    'REDACTED_SECRET',
    `${what}, not a secret: the statement was copied from a redacted form (history, a job description)`,
    { hint: 'type the secret again, or pass it as a $1 placeholder' },
  );
}

class StrongroomEngine implements Engine {
  private readonly runner: JobRunner;

  constructor(private readonly ctx: EngineContext) {
    this.runner = new JobRunner(ctx.jobs, ctx.user);
  }

  async execute(statement: ScriptStatement | string, options: ExecuteOptions = {}): Promise<ResultSet> {
    const st = typeof statement === 'string' ? toScriptStatement(statement) : statement;
    if (st.kind === 'forward') {
      const source = this.ctx.source;
      const o = options.signal ? { signal: options.signal } : {};
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
    refuseRedactionMarkers(ast);
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
    const common = {
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onNotice ? { onNotice: o.onNotice } : {}),
    };
    switch (ast.kind) {
      case 'backup': {
        // The encoder threads load while the backup is planned.
        prewarmEncoders(SPAN_CONCURRENCY);
        const plan = await planBackup(ctx, ast, o.signal);
        return this.job('BACKUP', plan.statement, plan.detached, o, async (job) => {
          const r = await runBackup(ctx, plan, job);
          return r.rows;
        });
      }
      case 'restore': {
        const plan = await planRestore(ctx, ast, common);
        return this.job('RESTORE', plan.statement, plan.detached, o, async (job) => {
          const r = await runRestore(ctx, plan, job);
          return r.rows;
        });
      }
      case 'alter_backup': {
        const plan = await planAlter(ctx, ast);
        await this.runner.start(
          'ALTER BACKUP',
          format(ast, { redact: true }),
          async (job) => runAlter(ctx, plan, job.signal),
          { detached: false, ...(o.signal ? { signal: o.signal } : {}) },
        );
        return { columns: [], rows: [], tag: 'ALTER BACKUP' };
      }
      case 'show_backups':
        return showBackups(ctx, ast);
      case 'show_backup':
        return showBackup(ctx, ast, common);
      case 'show_jobs':
        return showJobs(ctx.jobs);
      case 'show_job':
        return showJobs(ctx.jobs, int(ast.jobId));
      case 'pause_job':
        this.runner.pause(int(ast.jobId));
        return { columns: [], rows: [], tag: 'PAUSE JOB 1' };
      case 'resume_job':
        this.runner.resume(int(ast.jobId));
        return { columns: [], rows: [], tag: 'RESUME JOB 1' };
      case 'cancel_job':
        this.runner.cancel(int(ast.jobId));
        return { columns: [], rows: [], tag: 'CANCEL JOB 1' };
      case 'explain':
        return explain(ctx, ast.statement as ExplainableStatement, common);
      default:
        return assertNever(ast, 'statement kind');
    }
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
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.onJobEnd ? { onEnd: o.onJobEnd } : {}),
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
  return new StrongroomEngine({
    source,
    kms: defaultKmsRegistry(),
    storage: options.storage ?? defaultStorageRegistry(),
    kmsCtx: { env },
    storageCtx: {
      externalIoDir,
      env,
      ...(options.onStorageRetry ? { onRetry: options.onStorageRetry } : {}),
    },
    jobs,
    locality: options.locality ?? '',
    user: options.user ?? 'root',
    domicile,
  });
}
