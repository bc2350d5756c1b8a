// A real pseudo-terminal around `strongroom sql` (util-linux `script`, sized with stty), for tests that
// type keys and read the screen. `screen` is the output with escape sequences removed and `\r\n` as
// `\n`; `expect` waits for a pattern in what appeared since the last mark.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@strongroom/testkit';

export const BIN = join(REPO_ROOT, 'packages/cli/bin/strongroom.js');
export const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** The screen text without CSI/OSC sequences and carriage returns. */
export function plain(raw: string): string {
  return raw
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/\x1b\][^\x07]*\x07/g, '')
    .replace(/\x1b[=>]/g, '')
    .replace(/\r/g, '');
}

export class Pty {
  raw = '';
  private mark = 0;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(args: readonly string[], env: Record<string, string>, size = { cols: 100, rows: 30 }) {
    const command = `stty cols ${size.cols} rows ${size.rows}; exec ${[process.execPath, BIN, ...args].map(shellQuote).join(' ')}`;
    this.child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', ...env },
    });
    this.child.stdout.on('data', (d: Buffer) => {
      this.raw += d.toString();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
  }

  get screen(): string {
    return plain(this.raw);
  }

  /** Waits until `pattern` shows in the screen text that came after the previous expect. */
  async expect(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const since = plain(this.raw.slice(this.mark));
      const m = pattern.exec(since);
      if (m) {
        // Move the mark past the match (in raw terms: to the end of what was read so far).
        this.mark = this.raw.length;
        return since;
      }
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}; screen:\n${since}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Forgets what has been seen so far: the next expect looks only at new output. */
  skip(): void {
    this.mark = this.raw.length;
  }

  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
