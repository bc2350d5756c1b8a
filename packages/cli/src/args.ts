// Command-line parsing with node:util parseArgs: turns argv into one `Command` value or throws a
// UsageError (exit 64). `-e` and `-f` keep the order they were given in, since scripts run in that order.
import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

export type OutputFormat = 'table' | 'tsv' | 'csv' | 'json';

/** One script input: `-e` text or `-f` file (`-` = stdin). */
export type ScriptInput =
  | { readonly kind: 'expr'; readonly text: string }
  | { readonly kind: 'file'; readonly path: string };

/** Which engine to open: the flags `sql` and `serve` share (ENGINE_FLAGS). */
export interface EngineFlags {
  readonly source?: string;
  readonly home?: string;
  readonly locality?: string;
  readonly configPath?: string;
  readonly externalIoDir?: string;
  /** `--state URL`: the state store (default: SQLite files in the home; `$STRONGROOM_STATE` likewise). */
  readonly state?: string;
}

export interface SqlCommand extends EngineFlags {
  readonly kind: 'sql';
  readonly inputs: readonly ScriptInput[];
  /** Unset: table on a terminal, TSV otherwise. */
  readonly format?: OutputFormat;
  readonly echo: boolean;
}

export interface ServeCommand extends EngineFlags {
  readonly kind: 'serve';
  readonly host: string;
  readonly port: number;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly requireTls: boolean;
  /** Default `<home>/users`. */
  readonly usersPath?: string;
  /** `--add-user NAME`: store a verifier of the password read from stdin, then exit. */
  readonly addUser?: string;
  /** `--scheduler-only`: run due schedules without listening for clients. */
  readonly schedulerOnly?: boolean;
  /** `--no-scheduler`: listen for clients without running schedules. */
  readonly noScheduler?: boolean;
  /** `--schedule-interval SECONDS` between scheduler passes (default 15). */
  readonly scheduleIntervalMs?: number;
}

export type Command =
  | { readonly kind: 'help'; readonly topic: 'main' | 'sql' | 'check' | 'keygen' | 'serve' }
  | { readonly kind: 'version' }
  | SqlCommand
  | { readonly kind: 'check'; readonly inputs: readonly ScriptInput[] }
  | { readonly kind: 'keygen'; readonly path: string }
  | ServeCommand;

const FORMATS: readonly OutputFormat[] = ['table', 'tsv', 'csv', 'json'];

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
      throw new UsageError('missing command');
    case '-h':
    case '--help':
    case 'help':
      return { kind: 'help', topic: 'main' };
    case '-V':
    case '--version':
      return { kind: 'version' };
    case 'sql':
      return parseSql(rest);
    case 'check':
      return parseCheck(rest);
    case 'keygen':
      return parseKeygen(rest);
    case 'serve':
      return parseServe(rest);
    default:
      throw new UsageError(first.startsWith('-') ? `unknown option: ${first}` : `unknown command: ${first}`);
  }
}

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

interface Parsed {
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly positionals: readonly string[];
  readonly tokens: readonly Token[];
}

type Token =
  | { readonly kind: 'option'; readonly name: string; readonly value?: string | undefined }
  | { readonly kind: 'positional'; readonly value: string }
  | { readonly kind: 'option-terminator' };

function parse(
  command: UsageError['command'],
  args: readonly string[],
  options: Options,
  allowPositionals: boolean,
): Parsed {
  try {
    const r = parseArgs({ args: [...args], options, allowPositionals, strict: true, tokens: true });
    return { values: r.values, positionals: r.positionals, tokens: (r.tokens ?? []) as Token[] };
  } catch (err) {
    // parseArgs messages name the flag; drop its advice about '--' which does not apply here.
    const message = err instanceof Error ? err.message.split('. To specify')[0]! : String(err);
    throw new UsageError(message, command);
  }
}

/** `-e`/`-f` in command-line order, from the parser's token list. */
function scriptInputs(tokens: readonly Token[]) {
  const inputs: ScriptInput[] = [];
  for (const t of tokens) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    if (t.name === 'execute') inputs.push({ kind: 'expr', text: t.value });
    else if (t.name === 'file') inputs.push({ kind: 'file', path: t.value });
  }
  return inputs;
}

const ENGINE_FLAGS = {
  source: { type: 'string' },
  url: { type: 'string' },
  home: { type: 'string' },
  locality: { type: 'string' },
  config: { type: 'string' },
  'external-io-dir': { type: 'string' },
  state: { type: 'string' },
} as const;

/** The EngineFlags among parsed `values` (`--url` is another name for `--source`). */
function engineFlags(values: Parsed['values'], command: 'sql' | 'serve'): EngineFlags {
  const str = (k: keyof typeof ENGINE_FLAGS): string | undefined => values[k] as string | undefined;
  if (str('source') !== undefined && str('url') !== undefined)
    throw new UsageError('give --source or --url, not both', command);
  const source = str('source') ?? str('url');
  const home = str('home');
  const locality = str('locality');
  const configPath = str('config');
  const externalIoDir = str('external-io-dir');
  const state = str('state');
  return {
    ...(state === undefined ? {} : { state }),
    ...(source === undefined ? {} : { source }),
    ...(home === undefined ? {} : { home }),
    ...(locality === undefined ? {} : { locality }),
    ...(configPath === undefined ? {} : { configPath }),
    ...(externalIoDir === undefined ? {} : { externalIoDir }),
  };
}

function parseSql(args: readonly string[]): Command {
  const { values, tokens } = parse(
    'sql',
    args,
    {
      ...ENGINE_FLAGS,
      execute: { type: 'string', short: 'e', multiple: true },
      file: { type: 'string', short: 'f', multiple: true },
      format: { type: 'string' },
      echo: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) return { kind: 'help', topic: 'sql' };
  const format = values.format as string | undefined;
  if (format !== undefined && !FORMATS.includes(format as OutputFormat)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${format}"`, 'sql');
  }
  return {
    kind: 'sql',
    ...engineFlags(values, 'sql'),
    inputs: scriptInputs(tokens),
    ...(format === undefined ? {} : { format: format as OutputFormat }),
    echo: values.echo === true,
  };
}

function parseCheck(args: readonly string[]): Command {
  const { values, tokens } = parse(
    'check',
    args,
    { execute: { type: 'string', short: 'e', multiple: true }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) return { kind: 'help', topic: 'check' };
  const inputs: ScriptInput[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') inputs.push({ kind: 'file', path: t.value });
    else if (t.kind === 'option' && t.name === 'execute' && t.value !== undefined) {
      inputs.push({ kind: 'expr', text: t.value });
    }
  }
  if (inputs.length === 0) throw new UsageError('check needs FILE… or -e "statements"', 'check');
  return { kind: 'check', inputs };
}

function parseKeygen(args: readonly string[]): Command {
  const { values, positionals } = parse('keygen', args, { help: { type: 'boolean', short: 'h' } }, true);
  if (values.help) return { kind: 'help', topic: 'keygen' };
  if (positionals.length !== 1) throw new UsageError('keygen needs exactly one PATH', 'keygen');
  return { kind: 'keygen', path: positionals[0]! };
}

/** `host:port`, `[v6]:port`, `:port` or `port`. */
function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port > 65535)
    throw new UsageError(`--listen must be HOST:PORT, not "${text}"`, 'serve');
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

function parseServe(args: readonly string[]): Command {
  const { values } = parse(
    'serve',
    args,
    {
      listen: { type: 'string' },
      ...ENGINE_FLAGS,
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'require-tls': { type: 'boolean' },
      users: { type: 'string' },
      'add-user': { type: 'string' },
      'scheduler-only': { type: 'boolean' },
      'no-scheduler': { type: 'boolean' },
      'schedule-interval': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    false,
  );
  if (values.help) return { kind: 'help', topic: 'serve' };
  if (values['scheduler-only'] && values['no-scheduler'])
    throw new UsageError('--scheduler-only and --no-scheduler exclude each other', 'serve');
  const interval = values['schedule-interval'] as string | undefined;
  const intervalSec = interval === undefined ? undefined : Number(interval);
  if (intervalSec !== undefined && !(intervalSec > 0 && intervalSec <= 3600))
    throw new UsageError(`--schedule-interval must be seconds in (0, 3600], not "${interval}"`, 'serve');
  const str = (k: string): string | undefined => values[k] as string | undefined;
  if ((str('tls-cert') === undefined) !== (str('tls-key') === undefined))
    throw new UsageError('give --tls-cert and --tls-key together', 'serve');
  if (values['require-tls'] && str('tls-cert') === undefined)
    throw new UsageError('--require-tls needs --tls-cert and --tls-key', 'serve');
  const engine = engineFlags(values, 'serve');
  const { host, port } = parseListen(str('listen') ?? '127.0.0.1:26257');
  const optional = (key: keyof ServeCommand, flag: string) => {
    const v = str(flag);
    return v === undefined ? {} : { [key]: v };
  };
  return {
    kind: 'serve',
    host,
    port,
    ...engine,
    ...optional('tlsCert', 'tls-cert'),
    ...optional('tlsKey', 'tls-key'),
    ...optional('usersPath', 'users'),
    ...optional('addUser', 'add-user'),
    requireTls: values['require-tls'] === true,
    ...(values['scheduler-only'] ? { schedulerOnly: true } : {}),
    ...(values['no-scheduler'] ? { noScheduler: true } : {}),
    ...(intervalSec === undefined ? {} : { scheduleIntervalMs: Math.round(intervalSec * 1000) }),
  };
}
