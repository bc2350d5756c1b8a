// `SET` of the client-protocol settings drivers issue right after connecting (pgJDBC: extra_float_digits,
// application_name): answered by the session itself, since the source database (SQLite) has no such
// settings. Any other SET is forwarded to the source like every statement strongroom does not own.
import { StrongroomError } from '@strongroom/errors';
import { CLIENT_SETTINGS } from './catalog.js';

const SET = /^\s*set\s+(?:session\s+)?([a-z_]+)\s*(?:=|\s+to\s+)\s*(.*?)\s*;?\s*$/is;

export interface LocalSet {
  readonly name: string;
  readonly value: string;
}

/** The setting a statement sets, when it is one the session answers itself. */
export function localSet(sql: string): LocalSet | undefined {
  const m = SET.exec(sql);
  const name = m?.[1]?.toLowerCase();
  if (!m || !name || !CLIENT_SETTINGS.has(name)) return undefined;
  let value = m[2]!;
  if (/^'.*'$/s.test(value)) value = value.slice(1, -1).replaceAll("''", "'");
  if (name === 'client_encoding' && !/^(utf-?8|unicode)$/i.test(value))
    throw new StrongroomError('INVALID_PARAMETER', `client_encoding ${value} is not supported; use UTF8`);
  return { name, value };
}
