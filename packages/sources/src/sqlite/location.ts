// Where a sqlite source keeps its databases: a directory of `<name>.db` files (one database each) or a
// single file. Parses `sqlite:///abs/dir/`, `sqlite:///abs/file.db` and the embedded default directory.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import { checkDatabaseName } from './names.js';

export type SqliteLocation =
  | { readonly mode: 'directory'; readonly dir: string }
  | { readonly mode: 'file'; readonly file: string; readonly database: string };

/** The database that directory mode opens as `main` of the session connection. */
export const DEFAULT_DATABASE = 'defaultdb';

/**
 * Resolves a `sqlite://` URI (or, when undefined, `<home>/data/`) and creates the directory if missing.
 * A path with a trailing slash, or naming an existing directory, is directory mode (the directory must
 * exist); anything else is a single database file (created by SQLite on first open, like the sqlite3
 * shell does).
 */
export function resolveSqliteLocation(uri: string | undefined, home: string): SqliteLocation {
  if (uri === undefined) {
    const dir = join(home, 'data');
    mkdirSync(dir, { recursive: true });
    return { mode: 'directory', dir };
  }
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch (err) {
    throw new StrongroomError('INVALID_URI', `invalid sqlite URI: ${uri}`, { cause: err });
  }
  const usage = { hint: 'use sqlite:///absolute/dir/ or sqlite:///absolute/file.db' };
  if (parsed.host !== '' || !uri.startsWith('sqlite:///')) {
    throw new StrongroomError('INVALID_URI', `sqlite URI needs an absolute path: ${uri}`, usage);
  }
  const first = [...parsed.searchParams.keys()][0];
  if (first !== undefined) {
    throw new StrongroomError('UNKNOWN_URI_PARAMETER', `unknown sqlite URI parameter: ${first}`);
  }
  const path = decodeURIComponent(parsed.pathname);
  if (!isAbsolute(path)) {
    throw new StrongroomError('INVALID_URI', `sqlite URI needs an absolute path: ${uri}`, usage);
  }
  const isDir = path.endsWith('/') || (existsSync(path) && statSync(path).isDirectory());
  if (isDir) {
    // A mistyped directory must not silently become a new, empty source.
    if (!existsSync(path)) {
      throw new StrongroomError('DATABASE_NOT_FOUND', `sqlite source directory ${path} does not exist`, {
        hint: 'create the directory first, or check the path',
      });
    }
    return { mode: 'directory', dir: path.replace(/\/+$/, '') || '/' };
  }
  const database = basename(path).replace(/\.(db|sqlite3?)$/i, '');
  return { mode: 'file', file: path, database };
}

/** The file of database `name` in `location`, whether or not it exists; validates the name. */
export function databaseFile(location: SqliteLocation, name: string): string {
  if (location.mode === 'file') {
    if (name !== location.database) {
      throw new StrongroomError('DATABASE_NOT_FOUND', `database ${name} does not exist`, {
        hint: `this sqlite source is the single database ${location.database}`,
      });
    }
    return location.file;
  }
  checkDatabaseName(name);
  return join(location.dir, `${name}.db`);
}
