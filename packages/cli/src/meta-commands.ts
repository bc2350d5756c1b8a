// Backslash commands, as psql has them: recognised only at the start of a line outside a statement, in
// the REPL and in scripts alike. Each returns 'quit' or an exit status (0 ok), so a failing `\i` or `\!`
// stops a script just like a failing statement.
import { dirname, resolve } from 'node:path';
import { describeTable, listDatabases, listTables } from './catalog.js';
import { META_HELP, statementHelp } from './help.js';
import { renderResult } from './output/render.js';
import { renderOptions, show } from './output-show.js';
import type { Session } from './session.js';

export type MetaResult = 'quit' | number;

export interface MetaContext {
  /** Directory of the script being run, for `\ir`. */
  readonly baseDir: string;
  /** Include depth, so a file that includes itself fails instead of recursing forever. */
  readonly depth: number;
  /** Runs an included file with the same session. */
  readonly include: (text: string, name: string, depth: number) => Promise<number>;
  /** The REPL's statement buffer, for `\p` and `\r` (absent in scripts). */
  readonly buffer?: { readonly text: string; reset(): void };
}

const MAX_INCLUDE_DEPTH = 16;

function onOff(arg: string | undefined, current: boolean): boolean | undefined {
  if (arg === undefined || arg === '') return !current;
  if (/^(on|true|1)$/i.test(arg)) return true;
  if (/^(off|false|0)$/i.test(arg)) return false;
  return undefined;
}

/** One backslash command: `name` as typed (for aliases such as `\\i`/`\\ir`), `arg` trimmed. */
interface Invocation {
  readonly session: Session;
  readonly name: string;
  readonly arg: string;
  readonly ctx: MetaContext;
  /** Writes `message` to stderr and returns status 1. */
  readonly err: (message: string) => number;
}

type MetaHandler = (call: Invocation) => MetaResult | Promise<MetaResult>;

function showHelp({ session, arg, err }: Invocation): number {
  const text = statementHelp(arg);
  if (text === undefined) return err(`no help for "${arg}"; try \\h with no argument`);
  session.stdout.write(text);
  return 0;
}

function setExpanded({ session, arg, err }: Invocation): number {
  if (/^auto$/i.test(arg)) {
    session.settings.expanded = 'auto';
    session.stderr.write('Expanded display is used automatically.\n');
    return 0;
  }
  const value = onOff(arg || undefined, session.settings.expanded === true);
  if (value === undefined) return err(`\\x: expected on, off or auto, not "${arg}"`);
  session.settings.expanded = value;
  session.stderr.write(`Expanded display is ${value ? 'on' : 'off'}.\n`);
  return 0;
}

function setTiming({ session, arg, err }: Invocation): number {
  const value = onOff(arg || undefined, session.settings.timing);
  if (value === undefined) return err(`\\timing: expected on or off, not "${arg}"`);
  session.settings.timing = value;
  session.stderr.write(`Timing is ${value ? 'on' : 'off'}.\n`);
  return 0;
}

const PAGER_MESSAGES = {
  off: 'Pager usage is off.\n',
  always: 'Pager is always used.\n',
  on: 'Pager is used for long output.\n',
} as const;

function setPager({ session, arg, err }: Invocation): number {
  const [option, value] = arg.split(/\s+/);
  if (option !== 'pager') return err(`\\pset: only "pager" can be set here (\\pset pager on|off|always)`);
  const current = session.settings.pager ?? 'on';
  const on = onOff(value || undefined, current !== 'off');
  const next = /^always$/i.test(value ?? '') ? 'always' : on === undefined ? undefined : on ? 'on' : 'off';
  if (next === undefined) return err(`\\pset pager: expected on, off or always, not "${value}"`);
  session.settings.pager = next;
  session.stderr.write(PAGER_MESSAGES[next]);
  return 0;
}

async function listOrDescribe({ session, name, arg, err }: Invocation): Promise<number> {
  try {
    const rs =
      name === 'l'
        ? await listDatabases(session)
        : name === 'dt' || arg === ''
          ? await listTables(session)
          : await describeTable(session, arg);
    await show(session, renderResult(rs, renderOptions(session)));
    return 0;
  } catch (e) {
    return err(`\\${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function printBuffer({ session, ctx, err }: Invocation): number {
  if (ctx.buffer === undefined) return err('\\p: no query buffer in a script');
  session.stdout.write(ctx.buffer.text === '' ? 'Query buffer is empty.\n' : `${ctx.buffer.text}\n`);
  return 0;
}

function resetBuffer({ session, ctx, err }: Invocation): number {
  if (ctx.buffer === undefined) return err('\\r: no query buffer in a script');
  ctx.buffer.reset();
  session.stderr.write('Query buffer reset (cleared).\n');
  return 0;
}

async function include({ session, name, arg, ctx, err }: Invocation): Promise<number> {
  if (arg === '') return err(`\\${name}: missing file name`);
  if (ctx.depth >= MAX_INCLUDE_DEPTH) return err(`\\${name}: includes nested too deeply`);
  const path = resolve(name === 'ir' ? ctx.baseDir : session.cwd, arg);
  let text: string;
  try {
    text = await session.readFile(path);
  } catch (e) {
    return err(`\\${name}: cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return ctx.include(text, arg, ctx.depth + 1);
}

async function runShell({ session, arg, err }: Invocation): Promise<number> {
  if (arg === '') return err('\\!: missing command');
  const status = await session.shell(arg);
  return status === 0 ? 0 : err(`\\!: command exited with status ${status}`);
}

const HANDLERS: Readonly<Record<string, MetaHandler>> = {
  q: () => 'quit',
  '?': ({ session }) => {
    session.stdout.write(META_HELP);
    return 0;
  },
  h: showHelp,
  x: setExpanded,
  timing: setTiming,
  pset: setPager,
  l: listOrDescribe,
  dt: listOrDescribe,
  d: listOrDescribe,
  p: printBuffer,
  r: resetBuffer,
  i: include,
  ir: include,
  '!': runShell,
};

export async function runMeta(session: Session, line: string, ctx: MetaContext): Promise<MetaResult> {
  const m = /^\\(\S+)\s*(.*)$/s.exec(line.trim());
  const name = m?.[1] ?? '';
  const arg = (m?.[2] ?? '').trim();
  const err = (message: string): number => {
    session.stderr.write(`${message}\n`);
    return 1;
  };
  const handler = Object.hasOwn(HANDLERS, name) ? HANDLERS[name] : undefined;
  if (handler === undefined) return err(`invalid command \\${name}; try \\? for help`);
  return handler({ session, name, arg, ctx, err });
}

export function scriptDir(name: string, cwd: string): string {
  return name.startsWith('-e[') || name === '<stdin>' ? cwd : dirname(resolve(cwd, name));
}
