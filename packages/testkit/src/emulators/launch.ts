// Starting and stopping test servers on loopback: a free port, a child process, a readiness probe,
// and the CI rule — when a server cannot be started, CI fails instead of skipping.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Launched {
  readonly port: number;
  readonly process: ChildProcess;
  /** Recent output of the process, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `launch` in a fresh temporary directory (its working directory, handed to `args` for data paths), on
 * a free port; `stop()` also removes the directory.
 */
export async function launchInTempDir(
  name: string,
  command: string,
  args: (dir: string, port: number) => readonly string[],
  ready: (port: number) => Promise<boolean>,
): Promise<Launched & { readonly dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `strongroom-${name}-`));
  const launched = await launch(command, args(dir, port), { port, name, cwd: dir, ready: () => ready(port) });
  return {
    ...launched,
    dir,
    stop: async () => {
      await launched.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns `command` and polls `ready()` until it resolves true (or `timeoutMs` passes, or the process exits).
 * The process is killed (SIGTERM, then SIGKILL) by `stop()` and when the test process exits.
 */
export async function launch(
  command: string,
  args: readonly string[],
  opts: {
    port: number;
    ready: () => Promise<boolean>;
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    name: string;
  },
): Promise<Launched> {
  const child = spawn(command, [...args], {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  const { output } = outputTail(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const kill = (): void => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const err = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
    if (err) throw new Error(`${opts.name}: cannot start ${command}: ${err.message}`);
    if (exited) throw new Error(`${opts.name} exited during start-up:\n${output()}`);
    if (await opts.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      kill();
      throw new Error(
        `${opts.name} did not become ready within ${opts.timeoutMs ?? 60_000} ms:\n${output()}`,
      );
    }
    await sleep(150);
  }
  return {
    port: opts.port,
    process: child,
    output,
    stop: async () => {
      process.removeListener('exit', kill);
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    },
  };
}

/**
 * The last 8000 characters a child process wrote to stdout and stderr, for error messages (`output`);
 * `note` adds a line of one's own (such as a spawn error).
 */
export function outputTail(child: ChildProcess): { output: () => string; note: (text: string) => void } {
  let log = '';
  const note = (text: string): void => {
    log = (log + text).slice(-8000);
  };
  child.stdout?.on('data', (b: Buffer) => note(b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => note(b.toString('utf8')));
  return { output: () => log, note };
}

/**
 * The CI rule for tests that need a server: with CI=true a missing server is a failure; elsewhere the
 * test may be skipped with the reason. Returns a skip reason, or throws under CI.
 */
export function unavailable(what: string, reason: string): string {
  const message = `${what} is not available: ${reason}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: failing instead of skipping)`);
  return message;
}
