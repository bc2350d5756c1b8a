// Everything main() touches in the outside world, injectable so tests drive the whole CLI with string
// streams, an in-test engine and a temporary directory. `defaultDeps` binds the real process and packages.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { Engine, EngineOptions } from '@strongroom/engine';
import type { Statement } from '@strongroom/sql';
import type { GenerateKeyFile } from './commands/keygen.js';
import { loadSqlApi, type SqlApi } from './sql-api.js';

export interface EngineModule {
  openEngine(options: EngineOptions): Promise<Engine>;
  /** `$STRONGROOM_HOME`, else `~/.strongroom`. */
  defaultHome(env: Readonly<Record<string, string | undefined>>): string;
  /** What the engine would refuse before running (for `check`); test doubles may leave it out. */
  checkStatement?(ast: Statement): void;
}

export interface CliDeps {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly stdout: Writable & { readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: Writable & { readonly isTTY?: boolean; readonly columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The engine factory, loaded only by `sql` so `check` and `keygen` start without it. */
  readonly loadEngine: () => Promise<EngineModule>;
  readonly sql: SqlApi;
  readonly generateKeyFile: GenerateKeyFile;
  readonly readFile: (path: string) => Promise<string>;
  readonly shell: (command: string) => Promise<number>;
  /** Registers a Ctrl-C handler for scripts; returns its removal. */
  readonly onInterrupt: (handler: () => void) => () => void;
}

async function generateKeyFileFromKms(path: string): Promise<boolean> {
  // Imported lazily: only `strongroom keygen` needs it.
  const { generateKeyFile } = await import('@strongroom/kms');
  return generateKeyFile(path);
}

function shellCommand(command: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export function defaultDeps(): CliDeps {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    loadEngine: () => import('@strongroom/engine'),
    sql: loadSqlApi(),
    generateKeyFile: generateKeyFileFromKms,
    readFile: (path) => readFile(path, 'utf8'),
    shell: shellCommand,
    onInterrupt: (handler) => {
      // The first Ctrl-C cancels the running statement; a second one, if that hangs, exits at once.
      let count = 0;
      const listener = () => {
        if (++count > 1) process.exit(130);
        handler();
      };
      process.on('SIGINT', listener);
      return () => process.off('SIGINT', listener);
    },
  };
}
