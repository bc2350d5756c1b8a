// Runs one script text (an -e argument, a -f file, stdin, an `\i` file or one REPL statement): parses it,
// then runs statements and backslash commands in order and stops at the first error. Syntax errors print
// as `file:line:col: message` with the source line and a caret; execution errors with the statement's
// start position. Returns 0, the error's exit code, or 'quit' after `\q`.
import { isStrongroomError } from '@strongroom/errors';
import type { ResultSet } from '@strongroom/sources';
import type { ScriptStatement } from '@strongroom/sql';
import { runMeta, scriptDir } from './meta-commands.js';
import { renderResult } from './output/render.js';
import { renderOptions, show } from './output-show.js';
import { progressLine } from './progress.js';
import { type MetaLine, splitMetaLines } from './script-lines.js';
import type { Session } from './session.js';

export type RunResult = number | 'quit';

type Step = { kind: 'sql'; at: number; stmt: ScriptStatement } | { kind: 'meta'; at: number; meta: MetaLine };

export async function runScriptText(
  session: Session,
  text: string,
  name: string,
  depth = 0,
): Promise<RunResult> {
  const { sqlText, metas } = splitMetaLines(text, session.sql.endsStatement);
  const parsed = session.sql.parseScript(sqlText);
  const firstError = [...parsed.errors].sort((a, b) => a.offset - b.offset)[0];
  const limit = firstError?.offset ?? Number.POSITIVE_INFINITY;
  const steps: Step[] = [
    ...parsed.statements
      .filter((s) => s.span.endOffset <= limit || firstError === undefined)
      .map((stmt): Step => ({ kind: 'sql', at: stmt.span.startOffset, stmt })),
    ...metas.filter((m) => m.offset < limit).map((meta): Step => ({ kind: 'meta', at: meta.offset, meta })),
  ].sort((a, b) => a.at - b.at);

  for (const step of steps) {
    if (step.kind === 'sql') {
      const code = await runStatement(session, step.stmt, name);
      if (code !== 0) return code;
      continue;
    }
    const result = await runMeta(session, step.meta.text, {
      baseDir: scriptDir(name, session.cwd),
      depth,
      include: async (t, n, d) => {
        const r = await runScriptText(session, t, n, d);
        return r === 'quit' ? 0 : r;
      },
    });
    if (result !== 0) {
      if (result !== 'quit' && !(session.interactive && name === '<stdin>')) {
        session.stderr.write(`${name}:${step.meta.line}:1: backslash command failed\n`);
      }
      return result;
    }
  }
  if (firstError !== undefined) {
    session.stderr.write(`${session.sql.formatDiagnostic(firstError, text, name).trimEnd()}\n`);
    return 1;
  }
  return 0;
}

/** The statement as it may be shown: owned ones through the redacting formatter. */
export function displayText(session: Pick<Session, 'sql'>, stmt: ScriptStatement): string {
  return stmt.kind === 'owned' ? session.sql.format(stmt.ast) : stmt.text.trim();
}

/**
 * A statement recalled from history has '*****' for its passphrase: the REPL asks for the passphrase
 * again (not echoed) and runs the statement with it; elsewhere (and for a redacted URI secret) the
 * statement goes to the engine as it is, which refuses it with REDACTED_SECRET.
 */
async function restoreRedactedSecret(
  session: Session,
  stmt: ScriptStatement,
): Promise<ScriptStatement | undefined> {
  if (stmt.kind !== 'owned' || session.askSecret === undefined) return stmt;
  const markers = session.sql.redactionMarkers(stmt.ast);
  if (markers.length === 0 || markers.some((m) => m.where !== 'encryption_passphrase')) return stmt;
  session.stderr.write('The encryption_passphrase of this statement was redacted in history.\n');
  const passphrase = await session.askSecret('Passphrase (not shown, empty to cancel): ');
  if (passphrase === undefined || passphrase === '') return undefined;
  return { ...stmt, ast: session.sql.withPassphrase(stmt.ast, passphrase) };
}

async function runStatement(session: Session, recalled: ScriptStatement, name: string): Promise<number> {
  const stmt = await restoreRedactedSecret(session, recalled);
  if (stmt === undefined) {
    session.stderr.write('ERROR: not run: no passphrase given for the redacted one\n');
    return 1;
  }
  if (session.echo) session.stderr.write(`> ${displayText(session, stmt)}\n`);
  const progress = progressLine(session.stderr);
  // A detached job keeps reporting after its statement returned: from then on, nothing is drawn.
  let returned = false;
  const started = performance.now();
  const signal = session.nextSignal();
  try {
    const rs = await session.engine.execute(stmt, {
      ...(signal === undefined ? {} : { signal }),
      ...(progress.onProgress === undefined
        ? {}
        : { onProgress: (p) => (returned ? undefined : progress.onProgress?.(p)) }),
      ...(session.onJobEnd === undefined ? {} : { onJobEnd: session.onJobEnd }),
      onNotice: (message) => {
        progress.clear();
        session.stderr.write(`NOTICE: ${message}\n`);
      },
    });
    returned = true;
    progress.clear();
    await show(session, renderResult(rs, renderOptions(session)));
    const detachedId = detachedJobId(rs);
    if (detachedId !== undefined) session.onDetachedJob?.(detachedId);
  } catch (err) {
    returned = true;
    progress.clear();
    session.stderr.write(`${errorText(err, signal, where(session, name, stmt.span))}\n`);
    return isStrongroomError(err) ? err.exitCode : 1;
  } finally {
    if (session.settings.timing) {
      session.stderr.write(`Time: ${(performance.now() - started).toFixed(3)} ms\n`);
    }
  }
  return 0;
}

/** What Ctrl-C prints, whatever was running (a job, a query, a storage write): PostgreSQL's words. */
export const CANCELED_MESSAGE = 'canceling statement due to user request';

/** `ERROR` on the REPL's own lines; `file:line:col` for scripts and files run with `\i`. */
function where(session: Session, name: string, span: { line: number; column: number }): string {
  return session.interactive && name === '<stdin>' ? 'ERROR' : `${name}:${span.line}:${span.column}`;
}

function errorText(err: unknown, signal: AbortSignal | undefined, at: string): string {
  if (signal?.aborted) return `${at}: ${CANCELED_MESSAGE}`;
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`${at}: ${message}`];
  if (isStrongroomError(err)) {
    if (err.detail) lines.push(`DETAIL: ${err.detail}`);
    if (err.hint) lines.push(`HINT: ${err.hint}`);
  }
  return lines.join('\n');
}

/** The job id a `WITH detached` BACKUP or RESTORE returns (one `job_id` column, one row). */
function detachedJobId(rs: ResultSet): bigint | undefined {
  if (rs.columns.length !== 1 || rs.columns[0]?.name !== 'job_id' || rs.rows.length !== 1) return undefined;
  const v = rs.rows[0]?.[0];
  return typeof v === 'bigint' ? v : undefined;
}
