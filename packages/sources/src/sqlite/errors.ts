// Maps what better-sqlite3 throws to StrongroomError: SQLITE_BUSY/LOCKED are retryable unavailability,
// everything else is SOURCE_ERROR with SQLite's message and code (SQLite messages carry no secrets) and the
// SQLSTATE PostgreSQL would give the same failure, so drivers raise their usual exception classes.
import { diskFullError, isDiskFull, isStrongroomError, StrongroomError } from '@strongroom/errors';

const BY_CODE: Readonly<Record<string, string>> = {
  SQLITE_CONSTRAINT_UNIQUE: '23505',
  SQLITE_CONSTRAINT_PRIMARYKEY: '23505',
  SQLITE_CONSTRAINT_FOREIGNKEY: '23503',
  SQLITE_CONSTRAINT_NOTNULL: '23502',
  SQLITE_CONSTRAINT_CHECK: '23514',
  SQLITE_CONSTRAINT: '23000',
  SQLITE_MISMATCH: '42804',
  SQLITE_TOOBIG: '54000',
  SQLITE_READONLY: '25006',
  SQLITE_FULL: '53100',
  SQLITE_NOMEM: '53200',
  SQLITE_CORRUPT: 'XX001',
  SQLITE_INTERRUPT: '57014',
};

const BY_MESSAGE: readonly (readonly [RegExp, string])[] = [
  [/^no such table/, '42P01'],
  [/^no such column|has no column named/, '42703'],
  [/^no such function/, '42883'],
  [/^no such (index|view|trigger)/, '42704'],
  [/syntax error|^incomplete input|^unrecognized token/, '42601'],
  [/^(table|index|view|trigger) .* already exists/, '42P07'],
  [/^cannot (start|commit|rollback) .*transaction/, '25000'],
  [/^too many SQL variables|^wrong number of arguments/, '42601'],
  [/datatype mismatch/, '42804'],
  [/^(ambiguous column name)/, '42702'],
];

/** PostgreSQL's SQLSTATE for a SQLite failure (SQLite's extended result code, else its message). */
export function sqlstateOf(code: string | undefined, message: string): string | undefined {
  if (code !== undefined && BY_CODE[code] !== undefined) return BY_CODE[code];
  for (const [re, state] of BY_MESSAGE) if (re.test(message)) return state;
  return undefined;
}

/**
 * Where in `sql` a syntax error is (0-based), from SQLite's `near "token"` (the first occurrence of the
 * token outside a string literal) or, for incomplete input, the end of the text.
 */
export function errorOffset(sql: string, message: string): number | undefined {
  if (/^incomplete input/.test(message)) return sql.trimEnd().length;
  const near = /near "((?:[^"]|"")*)"/.exec(message)?.[1];
  if (near === undefined) return undefined;
  let inString = false;
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] === "'") inString = !inString;
    if (!inString && sql.startsWith(near, i)) return i;
  }
  return undefined;
}

export function toSourceError(err: unknown, sql?: string): StrongroomError {
  if (isStrongroomError(err)) return err;
  // strongroom's own writes (a restore, a snapshot): DISK_FULL. A forwarded statement keeps SQLite's own error
  // (SQLSTATE 53100 below): inside the user's transaction, "nothing partial was kept" is not ours to say.
  if (sql === undefined && isDiskFull(err)) return diskFullError(err, 'write to the SQLite database');
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : undefined;
  if (detail !== undefined && /^SQLITE_(BUSY|LOCKED)/.test(detail)) {
    return new StrongroomError('SOURCE_UNAVAILABLE', message, { cause: err, detail });
  }
  const sqlstate = sqlstateOf(detail, message);
  const offset = sql === undefined || sqlstate !== '42601' ? undefined : errorOffset(sql, message);
  return new StrongroomError('SOURCE_ERROR', message, {
    cause: err,
    detail,
    sqlstate,
    ...(offset === undefined ? {} : { position: positionAt(sql ?? '', offset) }),
  });
}

function positionAt(text: string, offset: number): { offset: number; line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { offset, line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Runs `fn`, rethrowing anything as a StrongroomError (with a position in `sql` when it has one). */
export function sqliteCall<T>(fn: () => T, sql?: string): T {
  try {
    return fn();
  } catch (err) {
    throw toSourceError(err, sql);
  }
}

/** Throws CANCELED when the signal was aborted. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StrongroomError('CANCELED', 'canceled', { cause: signal.reason });
}
