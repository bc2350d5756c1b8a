// The REPL's pager, as psql has it: output taller or wider than the terminal goes through `$PAGER`
// (default `less -SFRX`: chop long lines, quit when it fits, keep colours, leave the screen as is);
// `\pset pager off|on|always` chooses; an empty PAGER turns it off. Only on a terminal: when stdout is
// not one, nothing is ever paged. The pager reads keys from the terminal itself, so the shell's raw
// input is handed back while it runs.
import { spawn } from 'node:child_process';
import { displayWidth } from './output/width.js';

export type PagerMode = 'on' | 'off' | 'always';

export const DEFAULT_PAGER = 'less -SFRX';

export interface PagerTerminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
}

/** Whether `text` goes through the pager on this terminal. */
export function wantsPager(text: string, mode: PagerMode, term: PagerTerminal, command: string): boolean {
  if (mode === 'off' || !term.isTTY || command.trim() === '') return false;
  if (mode === 'always') return true;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const rows = term.rows || 24;
  const columns = term.columns || 80;
  return lines.length > rows - 1 || lines.some((l) => displayWidth(l) > columns);
}

/** Runs `command` (through the shell) with `text` on its stdin and the terminal as its output. */
export function runPager(command: string, text: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { LESS: '', ...env },
    });
    child.on('error', () => resolve(false));
    child.stdin.on('error', () => {});
    child.stdin.end(text);
    child.on('close', (code) => resolve(code !== 127));
  });
}
