// What running statements needs, shared by scripts (-e, -f, stdin) and the REPL: the engine, the parser,
// the output streams and the psql-style settings that `\x` and `\timing` toggle. Everything is injected
// so tests run the real runner against an in-test engine and string streams.
import type { Engine, JobEnd } from '@strongroom/engine';
import type { OutputFormat } from './args.js';
import type { ProgressStream } from './progress.js';
import type { SqlApi } from './sql-api.js';

export interface OutStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  /** The terminal's size, when it is one. */
  readonly columns?: number;
  readonly rows?: number;
}

export interface Settings {
  /** `\x`: records instead of tables; `auto`: records when the table is wider than the terminal. */
  expanded: boolean | 'auto';
  /** `\timing`: print the elapsed time after each statement. */
  timing: boolean;
  /** `\pset pager`: page output taller or wider than the terminal (on), always, or never (off). */
  pager?: 'on' | 'off' | 'always';
}

export interface Session {
  readonly engine: Pick<Engine, 'execute' | 'source' | 'runsJobHere'>;
  readonly sql: SqlApi;
  readonly stdout: OutStream;
  readonly stderr: ProgressStream;
  readonly format: OutputFormat;
  /** `--echo`: print each statement (redacted) to stderr before running it. */
  readonly echo: boolean;
  /** Interactive errors read `ERROR: …` (no file position); scripts print `file:line:col: …`. */
  readonly interactive: boolean;
  readonly settings: Settings;
  /** Signal for the next statement; the REPL hands out one per statement so Ctrl-C cancels only it. */
  readonly nextSignal: () => AbortSignal | undefined;
  readonly readFile: (path: string) => Promise<string>;
  /** Runs a `\!` shell command; resolves to its exit status. */
  readonly shell: (command: string) => Promise<number>;
  readonly cwd: string;
  /** Asks for a secret without echoing it (the REPL); undefined when the user gave none or canceled. */
  readonly askSecret?: (prompt: string) => Promise<string | undefined>;
  /** Shows a result (the REPL pages it); default: written to stdout. */
  readonly show?: (text: string) => Promise<void>;
  /** A detached job was started: the REPL tells when it ends. */
  readonly onDetachedJob?: (jobId: bigint) => void;
  /** Any job of a statement of this session ended. */
  readonly onJobEnd?: (end: JobEnd) => void;
}
