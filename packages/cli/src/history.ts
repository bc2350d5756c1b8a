// The REPL's history: each statement is one entry, stored in its redacted form so no passphrase or
// secret URI parameter ever reaches the file (or the up-arrow). Owned statements go through the
// formatter; forwarded ones are kept as typed; text that does not parse gets its string literals masked.
// One entry per line in the file, with `\` and newlines escaped; the file is created with mode 0600.
import { appendFile, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SqlApi } from './sql-api.js';

export const HISTORY_SIZE = 1000;

export function historyPath(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return env.STRONGROOM_HISTORY || join(home, 'history');
}

/** The history entry for one complete input (one or several statements). */
export function historyEntry(
  text: string,
  sql: Pick<SqlApi, 'parseScript' | 'format' | 'redactText'>,
): string {
  const trimmed = text.trim();
  let parsed: ReturnType<SqlApi['parseScript']>;
  try {
    parsed = sql.parseScript(trimmed);
  } catch {
    return sql.redactText(trimmed);
  }
  if (parsed.errors.length > 0 || parsed.statements.length === 0) return sql.redactText(trimmed);
  return parsed.statements
    .map((s) => (s.kind === 'owned' ? `${sql.format(s.ast)};` : ensureSemicolon(s.text.trim())))
    .join(' ');
}

function ensureSemicolon(s: string): string {
  return s.endsWith(';') ? s : `${s};`;
}

export function encodeEntry(entry: string): string {
  return entry.replaceAll('\\', '\\\\').replaceAll('\r', '\\r').replaceAll('\n', '\\n');
}

export function decodeEntry(line: string): string {
  return line.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

/** The history file. Errors reading or writing it never stop the shell: history is a convenience. */
export class HistoryFile {
  constructor(
    readonly path: string,
    private readonly onError: (message: string) => void = () => {},
  ) {}

  /** Entries newest first (readline's order); keeps the file at most HISTORY_SIZE entries long. */
  async load(): Promise<string[]> {
    let content: string;
    try {
      content = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError(`cannot read history: ${this.path}`);
      return [];
    }
    const lines = content.split('\n').filter((l) => l !== '');
    if (lines.length > HISTORY_SIZE) {
      const kept = lines.slice(-HISTORY_SIZE);
      await writeFile(this.path, `${kept.join('\n')}\n`, { mode: 0o600 }).catch(() => {});
      return kept.map(decodeEntry).reverse();
    }
    return lines.map(decodeEntry).reverse();
  }

  async append(entry: string): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await appendFile(this.path, `${encodeEntry(entry)}\n`, { mode: 0o600 });
      await chmod(this.path, 0o600);
    } catch {
      this.onError(`cannot write history: ${this.path}`);
    }
  }
}
