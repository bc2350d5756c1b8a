// The interactive shell on a terminal: node:readline/promises with the prompts, multi-line input, tab
// completion from the grammar and a redacted history file. Ctrl-C aborts the running statement through
// its AbortSignal (the shell stays), or clears the input at the prompt; Ctrl-D quits.
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { HISTORY_SIZE, type HistoryFile } from './history.js';
import { ReplSession } from './repl-session.js';
import type { Session } from './session.js';
import type { SqlApi } from './sql-api.js';

export interface ReplIo {
  readonly input: Readable;
  readonly output: Writable;
  readonly history: HistoryFile;
}

const META_NAMES = ['\\q', '\\?', '\\h', '\\x', '\\timing', '\\i', '\\ir', '\\!'];

/** readline completer: candidates for the word before the cursor, in the case the user is typing. */
export function completeLine(
  sql: Pick<SqlApi, 'complete'>,
  pending: string,
  line: string,
): [string[], string] {
  if (pending === '' && /^\s*\\\S*$/.test(line)) {
    const word = line.trim();
    return [META_NAMES.filter((n) => n.startsWith(word)), word];
  }
  const partial = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line)?.[0] ?? '';
  let words: string[];
  try {
    words = sql.complete(pending === '' ? line : `${pending}\n${line}`);
  } catch {
    return [[], partial];
  }
  const lower = partial !== '' && partial === partial.toLowerCase();
  const hits = [...new Set(words)]
    .filter((w) => w.toLowerCase().startsWith(partial.toLowerCase()))
    .map((w) => (lower ? w.toLowerCase() : w));
  return [hits, partial];
}

/**
 * Runs the shell until `\q` or Ctrl-D. `session.nextSignal` must come from `controllers` so that Ctrl-C
 * reaches the running statement: pass `createStatementSignals()` to both.
 */
export async function runRepl(session: Session, signals: StatementSignals, io: ReplIo): Promise<number> {
  type HistoryRl = { history: string[] };
  const loaded = await io.history.load();
  const repl = new ReplSession(session, (entry) => {
    const h = (rl as unknown as HistoryRl).history;
    if (h[0] !== entry) h.unshift(entry);
    if (h.length > HISTORY_SIZE) h.length = HISTORY_SIZE;
    void io.history.append(entry);
  });
  const rl = createInterface({
    input: io.input,
    output: io.output,
    terminal: true,
    history: loaded,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string) => completeLine(session.sql, repl.pending, line),
  });
  let running = false;
  let quitting = false;
  rl.on('SIGINT', () => {
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
        });
        if (next === 'quit') {
          quitting = true;
          rl.close();
          return;
        }
        rl.setPrompt(repl.prompt);
        rl.prompt();
      });
    });
    rl.on('close', () => {
      if (!quitting) io.output.write('\n');
      quitting = true;
      void queue.then(() => resolve(0));
    });
    rl.setPrompt(repl.prompt);
    rl.prompt();
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
