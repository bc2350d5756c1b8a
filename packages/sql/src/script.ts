// Scripts: several statements separated by `;`. Owned statements are parsed; anything else is kept as
// text to forward verbatim to the source database. Spans are positions in the whole script, with
// `endOffset` exclusive; piece texts exclude the `;` and surrounding comments and blanks.
import { type ErrorCode, isStrongroomError, StrongroomError } from '@strongroom/errors';
import type { ScriptStatement, SourceSpan } from './ast.js';
import { parseStatement } from './parse-statement.js';
import { lineColumnAt } from './position.js';
import { firstWords, scan, showJobsSources } from './scan.js';
import { shiftError } from './syntax-error.js';

export interface SqlDiagnostic {
  message: string;
  line: number;
  column: number;
  offset: number;
  hint?: string;
  /** SYNTAX_ERROR or DUPLICATE_OPTION from the parser; any ErrorCode from a statement check. */
  code: ErrorCode;
}

export function splitStatements(text: string): { text: string; span: SourceSpan }[] {
  return scan(text).pieces.map(({ start, end }) => ({
    text: text.slice(start, end),
    span: { startOffset: start, endOffset: end, ...lineColumnAt(text, start) },
  }));
}

export function endsStatement(buffer: string): boolean {
  return scan(buffer).endsWithSemicolon;
}

const SHOWN = new Set(['backup', 'backups', 'jobs', 'job', 'databases', 'tables']);

/** Connections, schedules and retention: `CREATE EXTERNAL …`, `SHOW SCHEDULES`, `DROP SCHEDULE`, … */
function ownsManagement(words: readonly string[]): boolean {
  const [a, b, c] = words;
  switch (a) {
    case 'create':
      return b === 'external' || b === 'schedule';
    case 'drop':
      return b === 'external' || b === 'schedule' || b === 'schedules';
    case 'show':
      return (
        b === 'external' ||
        b === 'schedules' ||
        b === 'schedule' ||
        (b === 'create' && (c === 'schedule' || c === 'all'))
      );
    case 'pause':
    case 'resume':
      return b === 'schedule' || b === 'schedules';
    case 'expire':
      return b === 'backups';
    default:
      return false;
  }
}

function ownsWords(words: readonly string[], text: string): boolean {
  const [a, b] = words;
  if (ownsManagement(words)) return true;
  switch (a) {
    case 'backup':
    case 'restore':
      return true;
    case 'show':
      return b !== undefined && SHOWN.has(b);
    case 'alter':
      return b === 'backup';
    case 'pause':
    case 'resume':
    case 'cancel':
      return b === 'job' || b === 'jobs' || b === 'all';
    case 'select':
    case 'with':
      return showJobsSources(text).length > 0;
    case 'explain':
      return ownsWords(words.slice(1), text);
    default:
      return false;
  }
}

export function isOwned(text: string): boolean {
  return ownsWords(firstWords(text, 3), text);
}

export function parseScript(text: string): { statements: ScriptStatement[]; errors: SqlDiagnostic[] } {
  const statements: ScriptStatement[] = [];
  const errors: SqlDiagnostic[] = [];
  for (const piece of splitStatements(text)) {
    if (!isOwned(piece.text)) {
      statements.push({ kind: 'forward', text: piece.text, span: piece.span });
      continue;
    }
    try {
      statements.push({ kind: 'owned', ast: parseStatement(piece.text), text: piece.text, span: piece.span });
    } catch (err) {
      if (!isStrongroomError(err) || (err.code !== 'SYNTAX_ERROR' && err.code !== 'DUPLICATE_OPTION'))
        throw err;
      const shifted = shiftError(err, { offset: piece.span.startOffset, ...piece.span });
      const p = shifted.position!;
      errors.push({
        message: shifted.message,
        line: p.line,
        column: p.column,
        offset: p.offset,
        ...(shifted.hint === undefined ? {} : { hint: shifted.hint }),
        code: err.code,
      });
    }
  }
  return { statements, errors };
}

/** The statements of a script; its first diagnostic, if any, is thrown as a positioned StrongroomError. */
export function parseScriptOrThrow(text: string): ScriptStatement[] {
  const { statements, errors } = parseScript(text);
  const e = errors[0];
  if (e)
    throw new StrongroomError(e.code, e.message, {
      position: { offset: e.offset, line: e.line, column: e.column },
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    });
  return statements;
}
