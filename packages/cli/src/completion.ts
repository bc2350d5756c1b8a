// Tab completion that knows where the cursor is: backslash commands; file paths after `\i`/`\ir` and
// inside `'local://…'`; collection URIs used earlier in the session (and the URI schemes) inside any
// other string; table names after FROM/JOIN/UPDATE/INTO/TABLE and `\d`, database names after DATABASE;
// and the grammar's keywords and options at that point, without the ones the engine does not support.
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SqlApi } from './sql-api.js';

export const META_NAMES = [
  '\\q',
  '\\?',
  '\\h',
  '\\x',
  '\\timing',
  '\\i',
  '\\ir',
  '\\!',
  '\\l',
  '\\dt',
  '\\d',
  '\\pset',
  '\\p',
  '\\r',
];

/** Parsed by the grammar but refused by the engine: never offered. */
const UNSUPPORTED = new Set(['incremental_location', 'revision_history']);

const SCHEMES = [
  'nodelocal://1/',
  'local://',
  'file://',
  's3://',
  'gs://',
  'azure-blob://',
  'aws-kms://',
  'gcp-kms://',
  'azure-kms://',
];

export interface CompletionContext {
  readonly sql: Pick<SqlApi, 'complete'>;
  /** Table names (bare and qualified) and database names of the source; [] when it cannot say. */
  readonly tables: () => Promise<readonly string[]>;
  readonly databases: () => Promise<readonly string[]>;
  /** URIs given in earlier statements of this session (secrets removed). */
  readonly uris: () => readonly string[];
  readonly cwd: string;
}

async function paths(partial: string, cwd: string): Promise<string[]> {
  const base = partial.slice(0, partial.lastIndexOf('/') + 1);
  const dir = resolve(cwd, base === '' ? '.' : base);
  const hidden = partial.slice(base.length).startsWith('.');
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .map((e) => `${base}${e.name}${e.isDirectory() ? '/' : ''}`)
      .filter((p) => p.startsWith(partial) && (hidden || !p.slice(base.length).startsWith('.')))
      .sort();
  } catch {
    return [];
  }
}

function matching(words: Iterable<string>, partial: string): string[] {
  const lower = partial !== '' && partial === partial.toLowerCase();
  return [...new Set(words)]
    .filter((w) => w.toLowerCase().startsWith(partial.toLowerCase()))
    .map((w) => (lower && /^[A-Z_ ]+$/.test(w) ? w.toLowerCase() : w))
    .sort();
}

/** An open string literal at the end of `text`: what is typed of it so far. */
function openString(text: string): string | undefined {
  let open: number | undefined;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "'") continue;
    if (open === undefined) open = i;
    else if (text[i + 1] === "'") i++;
    else open = undefined;
  }
  return open === undefined ? undefined : text.slice(open + 1);
}

const TABLE_BEFORE = /\b(from|join|update|into|table|tables)\s+$/i;
const DATABASE_BEFORE = /\b(database|databases|tables\s+from)\s+$/i;

type Completion = [string[], string];

/** A backslash command's name, or its argument: `\i`/`\ir` complete paths, `\d` tables. */
async function completeMeta(
  ctx: CompletionContext,
  name: string,
  arg: string | undefined,
): Promise<Completion> {
  if (arg === undefined) return [META_NAMES.filter((n) => n.startsWith(name)), name];
  if (name === '\\i' || name === '\\ir') return [await paths(arg, ctx.cwd), arg];
  if (name === '\\d') return [matching(await ctx.tables(), arg), arg];
  return [[], arg];
}

/** Inside a string literal: `local://` paths, else the URIs used so far and the schemes. */
async function completeLiteral(ctx: CompletionContext, literal: string): Promise<Completion> {
  if (/^local:\/\//i.test(literal)) {
    const path = literal.slice('local://'.length);
    return [(await paths(path === '' ? '/' : path, '/')).map((p) => `local://${p}`), literal];
  }
  return [matching([...ctx.uris(), ...SCHEMES], literal), literal];
}

/** Keywords the parser accepts next, and database or table names where one is expected. */
async function completeWord(ctx: CompletionContext, before: string, line: string): Promise<Completion> {
  const partial = /[A-Za-z_][A-Za-z0-9_.]*$/.exec(line)?.[0] ?? '';
  const head = before.slice(0, before.length - partial.length);
  const words: string[] = [];
  try {
    words.push(...ctx.sql.complete(before).filter((w) => !UNSUPPORTED.has(w.toLowerCase())));
  } catch {
    // no keywords at this point
  }
  if (DATABASE_BEFORE.test(head)) words.push(...(await ctx.databases()));
  else if (TABLE_BEFORE.test(head) && !/^\s*(backup|restore|show\s+backups?)\b[\s\S]*\binto\s+$/i.test(head))
    words.push(...(await ctx.tables()));
  return [matching(words, partial), partial];
}

/** Candidates and the part of the line they replace, in readline's completer shape. */
export async function completeInput(
  ctx: CompletionContext,
  pending: string,
  line: string,
): Promise<Completion> {
  const meta = /^\s*(\\\S*)(?:\s+(\S*))?$/.exec(line);
  if (meta) return completeMeta(ctx, meta[1] ?? '', meta[2]);
  const before = pending === '' ? line : `${pending}\n${line}`;
  const literal = openString(before);
  if (literal !== undefined) return completeLiteral(ctx, literal);
  return completeWord(ctx, before, line);
}
