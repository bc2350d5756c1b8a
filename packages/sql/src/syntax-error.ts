// Builds positioned statement errors worded like CockroachDB's: `at or near "X": syntax error: …`, with
// `HINT: try \h <STATEMENT>` naming the statement the text starts with. Offsets are relative to the text
// given; callers parsing one statement of a script shift them (see shiftError).
import { StrongroomError } from '@strongroom/errors';
import { lineColumnAt } from './position.js';
import { redactSqlText } from './redact-text.js';
import { firstWords } from './scan.js';

export type StatementErrorCode = 'SYNTAX_ERROR' | 'DUPLICATE_OPTION';

/** The `\h` topic for a statement text, as CockroachDB's shell names it. */
export function helpTopic(text: string): string | undefined {
  const [a, b] = firstWords(text, 2);
  switch (a) {
    case 'backup':
      return 'BACKUP';
    case 'restore':
      return 'RESTORE';
    case 'explain':
      return 'EXPLAIN';
    case 'alter':
      return b === 'backup' ? 'ALTER BACKUP' : undefined;
    case 'create':
      return b === 'external'
        ? 'CREATE EXTERNAL CONNECTION'
        : b === 'schedule'
          ? 'CREATE SCHEDULE'
          : undefined;
    case 'drop':
      return b === 'external' ? 'DROP EXTERNAL CONNECTION' : b === 'schedule' ? 'DROP SCHEDULE' : undefined;
    case 'expire':
      return 'EXPIRE BACKUPS';
    case 'show':
      if (b === 'external') return 'SHOW EXTERNAL CONNECTIONS';
      if (b === 'schedule' || b === 'schedules') return 'SHOW SCHEDULES';
      if (b === 'backup' || b === 'backups') return 'SHOW BACKUP';
      if (b === 'databases' || b === 'tables') return `SHOW ${b.toUpperCase()}`;
      return b === 'job' || b === 'jobs' ? 'SHOW JOBS' : undefined;
    case 'select':
    case 'with':
      return 'SHOW JOBS'; // an owned query reads [SHOW JOBS]
    case 'pause':
    case 'resume':
    case 'cancel':
      return `${a.toUpperCase()} JOBS`;
    default:
      return undefined;
  }
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
