// The interactive shell on a terminal: node:readline/promises with the prompts, multi-line input,
// context-aware tab completion, Ctrl-R reverse search, a redacted history file and a pager. Ctrl-C
// cancels whatever runs through its AbortSignal (the shell stays) or clears the input at the prompt;
// Ctrl-D or \q quits, asking first when detached jobs of this shell are still running. A detached job
// never draws over the prompt: its end is one NOTICE line printed above it.
import { clearScreenDown, createInterface, cursorTo, type Interface, moveCursor } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { JobEnd } from '@strongroom/engine';
import { databaseNames, tableNames } from './catalog.js';
import { completeInput } from './completion.js';
import { HISTORY_SIZE, type HistoryFile } from './history.js';
import { DEFAULT_PAGER, runPager, wantsPager } from './pager.js';
import { ReplSession } from './repl-session.js';
import { installReverseSearch } from './reverse-search.js';
import type { Session } from './session.js';
import { cliVersion } from './version.js';

export interface ReplIo {
  readonly input: Readable & { setRawMode?: (raw: boolean) => unknown; isRaw?: boolean };
  readonly output: Writable & { columns?: number; rows?: number };
  readonly history: HistoryFile;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

type HistoryRl = { history: string[]; prevRows?: number };

/** `job 12 (BACKUP) succeeded` and the like: the one line a detached job prints when it ends. */
export function jobEndNotice(end: JobEnd): string {
  const what = `job ${end.jobId} (${end.jobType})`;
  if (end.status === 'succeeded') return `NOTICE: ${what} succeeded`;
  if (end.status === 'canceled') return `NOTICE: ${what} was canceled`;
  return `NOTICE: ${what} failed: ${end.error ?? 'unknown error'}`;
}

/**
 * Runs the shell until `\q` or Ctrl-D. `session.nextSignal` must come from `controllers` so that Ctrl-C
 * reaches the running statement: pass `createStatementSignals()` to both.
 */
export async function runRepl(base: Session, signals: StatementSignals, io: ReplIo): Promise<number> {
  const loaded = await io.history.load();
  const env = io.env ?? process.env;
  let rl: Interface;
  let running = false;
  let quitting = false;
  let asking: AbortController | undefined;
  let muted = false;

  // Detached jobs started here: ids still running, and ends seen before their statement returned.
  const detached = new Set<bigint>();
  const endedEarly = new Map<bigint, JobEnd>();
  const notify = (line: string): void => {
    if (running || quitting || asking) {
      io.output.write(`\r\x1b[K${line}\n`);
      return;
    }
    // Above the prompt and what is typed: erase them, print the line, draw them again.
    const { rows } = rl.getCursorPos();
    moveCursor(io.output, 0, -rows);
    cursorTo(io.output, 0);
    clearScreenDown(io.output);
    io.output.write(`${line}\n`);
    (rl as unknown as HistoryRl).prevRows = 0;
    rl.prompt(true);
  };

  const session: Session = {
    ...base,
    askSecret: async (prompt) => {
      asking = new AbortController();
      io.output.write(prompt);
      muted = true;
      try {
        const answer = await question(rl, '', asking.signal);
        const h = (rl as unknown as HistoryRl).history;
        if (answer !== undefined && h[0] === answer) h.shift();
        return answer;
      } finally {
        muted = false;
        asking = undefined;
        io.output.write('\n');
      }
    },
    show: async (text) => {
      const command = env.PAGER ?? DEFAULT_PAGER;
      if (!wantsPager(text, base.settings.pager ?? 'on', io.output, command)) {
        io.output.write(text);
        return;
      }
      const wasRaw = io.input.isRaw === true;
      io.input.pause();
      io.input.setRawMode?.(false);
      try {
        if (!(await runPager(command, text, { ...process.env, ...env }))) io.output.write(text);
      } finally {
        io.input.setRawMode?.(wasRaw);
        io.input.resume();
      }
    },
    onDetachedJob: (id) => {
      const end = endedEarly.get(id);
      // A job handed to a daemon runs there: quitting this shell does not touch it.
      if (end === undefined && session.engine.runsJobHere?.(id) === false) return;
      if (end === undefined) detached.add(id);
      else notify(jobEndNotice(end));
    },
    onJobEnd: (end) => {
      if (detached.delete(end.jobId)) notify(jobEndNotice(end));
      else endedEarly.set(end.jobId, end);
    },
  };

  const repl = new ReplSession(session, (entry) => {
    const h = (rl as unknown as HistoryRl).history;
    if (h[0] !== entry) h.unshift(entry);
    if (h.length > HISTORY_SIZE) h.length = HISTORY_SIZE;
    void io.history.append(entry);
  });
  const catalogList = (list: () => Promise<string[]>) => async () => {
    try {
      return await list();
    } catch {
      return [];
    }
  };
  rl = createInterface({
    input: io.input,
    output: io.output,
    terminal: true,
    history: loaded,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string, callback: (err: null, result: [string[], string]) => void) => {
      void completeInput(
        {
          sql: session.sql,
          tables: catalogList(() => tableNames(session)),
          databases: catalogList(() => databaseNames(session)),
          uris: () => repl.uris,
          cwd: session.cwd,
        },
        repl.pending,
        line,
      )
        .catch((): [string[], string] => [[], ''])
        .then((result) => callback(null, result));
    },
  });
  // A secret being typed is not echoed.
  const internals = rl as unknown as { _writeToOutput(s: string): void };
  const write = internals._writeToOutput.bind(rl);
  internals._writeToOutput = (s: string) => {
    if (!muted) write(s);
  };
  installReverseSearch(rl, io.output);

  rl.on('SIGINT', () => {
    if (asking) {
      asking.abort();
      return;
    }
    if (running) {
      signals.abort();
      return;
    }
    repl.clearInput();
    io.output.write('^C\n');
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    rl.setPrompt(repl.prompt);
    rl.prompt();
  });

  /** `\q` with detached jobs still running: wait, cancel them, or stay. */
  const confirmQuit = async (): Promise<boolean> => {
    if (detached.size === 0) return true;
    const ids = [...detached];
    const list = jobList(ids);
    io.output.write(
      `${list} ${ids.length === 1 ? 'is' : 'are'} still running in this shell (detached jobs run inside it).\n` +
        'Leaving now cancels them: a canceled job leaves no usable backup or restored database; run it again later.\n',
    );
    asking = new AbortController();
    const answer =
      (await question(
        rl,
        'Wait for them and quit (w), cancel them and quit (c), or stay (Enter)? ',
        asking.signal,
      )) ?? '';
    asking = undefined;
    const h = (rl as unknown as HistoryRl).history;
    if (h[0] === answer) h.shift();
    const a = answer.trim().toLowerCase();
    if (a === 'w' || a === 'wait') {
      io.output.write(`Waiting for ${list} to end…\n`);
      return true;
    }
    if (a === 'c' || a === 'cancel') {
      await cancelJobs(session, ids);
      return true;
    }
    return false;
  };

  return new Promise<number>((resolve) => {
    let queue = Promise.resolve();
    rl.on('line', (line: string) => {
      // readline added the raw line to its history; a fragment of a statement must not stay there.
      const h = (rl as unknown as HistoryRl).history;
      if (h[0] === line) h.shift();
      queue = queue.then(async () => {
        if (quitting) return;
        running = true;
        const next = await repl.handleLine(line).finally(() => {
          running = false;
          endedEarly.clear();
        });
        if (next === 'quit' && (await confirmQuit())) {
          quitting = true;
          rl.close();
          return;
        }
        rl.setPrompt(repl.prompt);
        rl.prompt();
      });
    });
    rl.on('close', () => {
      if (!quitting) {
        io.output.write('\n');
        if (detached.size > 0) io.output.write(`Waiting for ${jobList([...detached])} to end…\n`);
      }
      quitting = true;
      void queue.then(() => resolve(0));
    });
    const { kind, redactedUri } = session.engine.source;
    io.output.write(
      `strongroom ${cliVersion()} · ${kind} source ${redactedUri} · \\? for help, \\q to quit\n`,
    );
    rl.setPrompt(repl.prompt);
    rl.prompt();
  });
}

function jobList(ids: readonly (string | bigint | number)[]): string {
  return ids.map((id) => `job ${id}`).join(', ');
}

/** CANCEL JOB for each; a job that ended meanwhile is no error. */
async function cancelJobs(session: Session, ids: readonly (string | bigint | number)[]): Promise<void> {
  for (const id of ids) {
    try {
      await session.engine.execute(`CANCEL JOB ${id}`);
    } catch {
      // ended meanwhile
    }
  }
}

/** readline's question as a promise; undefined when `signal` aborts it (Ctrl-C). */
function question(rl: Interface, query: string, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
    rl.question(query, { signal }, resolve);
  });
}

/** One AbortController per statement; `abort` cancels the current one only. */
export interface StatementSignals {
  next(): AbortSignal;
  abort(): void;
}

export function createStatementSignals(): StatementSignals {
  let current: AbortController | undefined;
  return {
    next() {
      current = new AbortController();
      return current.signal;
    },
    abort() {
      current?.abort(new Error('query canceled'));
    },
  };
}
