// `strongroom sql`: opens the engine, then runs -e/-f inputs in order, else stdin when it is not a
// terminal, else the interactive shell. Output is a table on a terminal and TSV otherwise unless
// --format says. Ctrl-C in a script cancels the running statement and exits 130.
import { resolve } from 'node:path';
import type { Engine } from '@strongroom/engine';
import { isStrongroomError } from '@strongroom/errors';
import type { SqlCommand } from '../args.js';
import type { CliDeps } from '../deps.js';
import { HistoryFile, historyPath } from '../history.js';
import { createStatementSignals, runRepl } from '../repl.js';
import { runScriptText } from '../run-script.js';
import type { Session } from '../session.js';
import { engineFlagOptions } from './engine-options.js';

export const EXIT_INTERRUPTED = 130;

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Opens the engine the flags describe; an exit status (after printing why) when it cannot be opened. */
async function openSqlEngine(
  cmd: SqlCommand,
  deps: CliDeps,
  interactive: boolean,
): Promise<{ engine: Engine; home: string } | number> {
  try {
    const { openEngine, defaultHome } = await deps.loadEngine();
    const home = resolve(deps.cwd, cmd.home ?? defaultHome(deps.env));
    const engine = await openEngine({
      ...engineFlagOptions(cmd, home, deps.cwd),
      env: deps.env,
      onStorageRetry: (message) => deps.stderr.write(`NOTICE: ${message}\n`),
      // Without a daemon, a detached job of the REPL runs in the shell (which stays); one of -e/-f runs
      // attached, since this process exits when the script ends.
      detachedWithoutDaemon: interactive ? 'in-process' : 'attached',
    });
    return { engine, home };
  } catch (err) {
    deps.stderr.write(`strongroom: ${err instanceof Error ? err.message : String(err)}\n`);
    if (isStrongroomError(err) && err.hint) deps.stderr.write(`HINT: ${err.hint}\n`);
    return isStrongroomError(err) ? err.exitCode : 1;
  }
}

export async function sqlCommand(cmd: SqlCommand, deps: CliDeps): Promise<number> {
  const interactive = cmd.inputs.length === 0 && deps.stdin.isTTY === true && deps.stdout.isTTY === true;
  const opened = await openSqlEngine(cmd, deps, interactive);
  if (typeof opened === 'number') return opened;
  const { engine, home } = opened;
  const signals = createStatementSignals();
  const session: Session = {
    engine,
    sql: deps.sql,
    stdout: deps.stdout,
    stderr: deps.stderr,
    format: cmd.format ?? (deps.stdout.isTTY ? 'table' : 'tsv'),
    echo: cmd.echo,
    interactive,
    settings: { expanded: false, timing: false },
    nextSignal: () => signals.next(),
    readFile: deps.readFile,
    shell: deps.shell,
    cwd: deps.cwd,
  };
  try {
    if (interactive) {
      const history = new HistoryFile(historyPath(deps.env, home), (m) => deps.stderr.write(`${m}\n`));
      return await runRepl(session, signals, {
        input: deps.stdin,
        output: deps.stdout,
        history,
        env: deps.env,
      });
    }
    return await runScripts(cmd, session, signals, deps);
  } finally {
    await engine.close().catch(() => {});
  }
}

/** -e/-f inputs (else stdin) in order; Ctrl-C cancels the running statement and exits 130. */
async function runScripts(
  cmd: SqlCommand,
  session: Session,
  signals: ReturnType<typeof createStatementSignals>,
  deps: CliDeps,
): Promise<number> {
  let interrupted = false;
  const removeHandler = deps.onInterrupt(() => {
    interrupted = true;
    signals.abort();
  });
  try {
    const code = await runInputs(cmd, session, deps);
    return interrupted ? EXIT_INTERRUPTED : code;
  } finally {
    removeHandler();
  }
}

async function runInputs(cmd: SqlCommand, session: Session, deps: CliDeps): Promise<number> {
  const inputs = cmd.inputs.length > 0 ? cmd.inputs : [{ kind: 'file' as const, path: '-' }];
  let exprIndex = 0;
  for (const input of inputs) {
    let text: string;
    let name: string;
    if (input.kind === 'expr') {
      name = `-e[${++exprIndex}]`;
      text = input.text;
    } else if (input.path === '-') {
      name = '<stdin>';
      text = await readAll(deps.stdin);
    } else {
      name = input.path;
      try {
        text = await deps.readFile(resolve(deps.cwd, input.path));
      } catch (err) {
        deps.stderr.write(
          `strongroom: cannot read ${input.path}: ${(err as NodeJS.ErrnoException).code ?? err}\n`,
        );
        return 1;
      }
    }
    const result = await runScriptText(session, text, name);
    if (result === 'quit') return 0;
    if (result !== 0) return result;
  }
  return 0;
}
