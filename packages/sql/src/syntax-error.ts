// Builds positioned statement errors worded like CockroachDB's: `at or near "X": syntax error: …`, with
// `HINT: try \h <STATEMENT>` naming the statement the text starts with. Offsets are relative to the text
// given; callers parsing one statement of a script shift them (see shiftError).
import { StrongroomError } from '@strongroom/errors';
import { lineColumnAt } from './position.js';
import { redactSqlText } from './redact-text.js';
import { firstWords } from './scan.js';

export type StatementErrorCode = 'SYNTAX_ERROR' | 'DUPLICATE_OPTION';

/** `\h` topics by a statement's first word. */
const TOPIC_BY_FIRST_WORD: ReadonlyMap<string, string> = new Map([
  ['backup', 'BACKUP'],
  ['restore', 'RESTORE'],
  ['explain', 'EXPLAIN'],
  ['expire', 'EXPIRE BACKUPS'],
  // An owned query reads [SHOW JOBS].
  ['select', 'SHOW JOBS'],
  ['with', 'SHOW JOBS'],
  ['pause', 'PAUSE JOBS'],
  ['resume', 'RESUME JOBS'],
  ['cancel', 'CANCEL JOBS'],
]);

/** `\h` topics by a statement's first two words. */
const TOPIC_BY_FIRST_WORDS: ReadonlyMap<string, string> = new Map([
  ['alter backup', 'ALTER BACKUP'],
  ['create external', 'CREATE EXTERNAL CONNECTION'],
  ['create schedule', 'CREATE SCHEDULE'],
  ['drop external', 'DROP EXTERNAL CONNECTION'],
  ['drop schedule', 'DROP SCHEDULE'],
  ['show external', 'SHOW EXTERNAL CONNECTIONS'],
  ['show schedule', 'SHOW SCHEDULES'],
  ['show schedules', 'SHOW SCHEDULES'],
  ['show backup', 'SHOW BACKUP'],
  ['show backups', 'SHOW BACKUP'],
  ['show databases', 'SHOW DATABASES'],
  ['show tables', 'SHOW TABLES'],
  ['show job', 'SHOW JOBS'],
  ['show jobs', 'SHOW JOBS'],
]);

/** The `\h` topic for a statement text, as CockroachDB's shell names it. */
export function helpTopic(text: string): string | undefined {
  const [a = '', b = ''] = firstWords(text, 2);
  return TOPIC_BY_FIRST_WORD.get(a) ?? TOPIC_BY_FIRST_WORDS.get(`${a} ${b}`);
}

/** An error at `offset` of `text`; `near` is the offending token's text (undefined = end of input). */
export function statementError(
  text: string,
  offset: number,
  near: string | undefined,
  detail?: string,
  code: StatementErrorCode = 'SYNTAX_ERROR',
): StrongroomError {
  // The offending token may be a secret literal (`encryption_passphrase 'x'` without '='): shown redacted.
  const shown = near === undefined ? 'EOF' : (redactSqlText(text).replacementAt(offset) ?? near);
  const where = `at or near "${shown}": syntax error`;
  return positionedError(text, offset, detail === undefined ? where : `${where}: ${detail}`, code);
}

/** A lexical error (`lexical error: unterminated string`) at `offset`. */
export function lexicalError(text: string, offset: number, detail: string): StrongroomError {
  return positionedError(text, offset, `lexical error: ${detail}`, 'SYNTAX_ERROR');
}

function positionedError(
  text: string,
  offset: number,
  message: string,
  code: StatementErrorCode,
): StrongroomError {
  const { line, column } = lineColumnAt(text, offset);
  const topic = helpTopic(text);
  return new StrongroomError(code, message, {
    position: { offset, line, column },
    ...(topic === undefined ? {} : { hint: `try \\h ${topic}` }),
  });
}

/** Moves an error found in a statement that starts at `base` of a larger text into that text's positions. */
export function shiftError(
  err: StrongroomError,
  base: { offset: number; line: number; column: number },
): StrongroomError {
  const p = err.position;
  if (p === undefined) return err;
  const position = {
    offset: p.offset + base.offset,
    line: p.line + base.line - 1,
    column: p.line === 1 ? p.column + base.column - 1 : p.column,
  };
  return new StrongroomError(err.code, err.message, {
    position,
    ...(err.hint === undefined ? {} : { hint: err.hint }),
  });
}
