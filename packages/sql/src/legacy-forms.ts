// Recognises the statement forms CockroachDB removed in v24.3 at the point where parsing failed, so the
// error explains what to write instead (as CockroachDB's own grammar does) rather than a bare syntax error.
import type { IToken } from 'chevrotain';

export const BACKUP_TO_REMOVED =
  'The `BACKUP TO` syntax is no longer supported. Use `BACKUP INTO` to create a backup collection, ' +
  'and `BACKUP INTO LATEST IN` to add an incremental backup to it.';
export const RESTORE_WITHOUT_IN_REMOVED =
  'The `RESTORE FROM <uri>` syntax is no longer supported. Use `RESTORE FROM <backup> IN <collection>`, ' +
  'where <backup> is LATEST or a subdirectory listed by `SHOW BACKUPS IN <collection>`.';
export const SHOW_BACKUP_WITHOUT_IN_REMOVED =
  'The `SHOW BACKUP <uri>` syntax without `IN` is no longer supported. ' +
  'Use `SHOW BACKUP FROM <backup> IN <collection>`.';

const STRING_TOKENS = new Set(['StringLiteral', 'EscapeString', 'DollarString', 'Placeholder']);

function isStringish(t: IToken | undefined): boolean {
  if (t === undefined) return false;
  const name = t.tokenType.name;
  return (
    STRING_TOKENS.has(name) ||
    name === 'Identifier' ||
    t.tokenType.CATEGORIES?.some((c) => c.name === 'NonReservedWord') === true
  );
}

/** The explanatory message when the error at `tokens[at]` (at = length for EOF) is a removed form. */
export function legacyMessage(tokens: readonly IToken[], at: number): string | undefined {
  const names = tokens.map((t) => t.tokenType.name);
  const head = names[0] === 'EXPLAIN' ? 1 : 0;
  const errName = names[at];
  if (errName === 'IN' || names.slice(head, at).includes('IN')) return undefined;
  const prev = tokens[at - 1];
  if (names[head] === 'BACKUP') return errName === 'TO' ? BACKUP_TO_REMOVED : undefined;
  if (names[head] === 'RESTORE') return restoreWithoutIn(tokens, names, head, at);
  if (names[head] === 'SHOW' && names[head + 1] === 'BACKUP' && isStringish(prev)) {
    return SHOW_BACKUP_WITHOUT_IN_REMOVED;
  }
  return undefined;
}

/** `RESTORE … FROM 'uri'` or `FROM ('uri', …)` without `IN`: the removed form. */
function restoreWithoutIn(
  tokens: readonly IToken[],
  names: readonly string[],
  head: number,
  at: number,
): string | undefined {
  const fromAt = names.indexOf('FROM', head);
  if (fromAt < 0 || at <= fromAt) return undefined;
  const removed =
    at === fromAt + 1 ? names[at] === 'LParen' : at === fromAt + 2 && isStringish(tokens[at - 1]);
  return removed ? RESTORE_WITHOUT_IN_REMOVED : undefined;
}
