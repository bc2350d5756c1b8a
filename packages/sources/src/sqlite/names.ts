// Identifier quoting and database naming. Identifiers are always quoted (SQLite cannot bind them);
// database names become file names and ATTACH schema names, so they are restricted to a safe alphabet.
import { StrongroomError } from '@strongroom/errors';

/** Quotes an identifier for SQLite: `"…"` with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const DATABASE_NAME = /^[\p{L}\p{N}_][\p{L}\p{N}_$-]{0,62}$/u;
const RESERVED = new Set(['main', 'temp']);

/** Whether a file `<name>.db` in directory mode is a database (names SQLite reserves are not). */
export function isDatabaseName(name: string): boolean {
  return DATABASE_NAME.test(name) && !RESERVED.has(name.toLowerCase());
}

export function checkDatabaseName(name: string): void {
  if (!isDatabaseName(name)) {
    throw new StrongroomError('INVALID_PARAMETER', `invalid database name: ${JSON.stringify(name)}`, {
      hint: 'database names are letters, digits, _, $ and -, at most 63 characters, not main or temp',
    });
  }
}

/** Case-insensitive key, as SQLite compares identifiers (ASCII only, like SQLite). */
export function nameKey(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
