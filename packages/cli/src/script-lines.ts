// Separates backslash commands from SQL in a script text. A line whose first non-blank character is `\`
// is a command when no statement is open (psql's rule); it is blanked out of the SQL text with spaces of
// the same length, so every statement keeps its original line, column and offset for error messages.

export interface MetaLine {
  readonly offset: number;
  readonly line: number;
  readonly text: string;
}

export interface SplitScript {
  /** The text with command lines replaced by spaces. */
  readonly sqlText: string;
  readonly metas: readonly MetaLine[];
}

/** True when `pending` (SQL since the last complete statement) holds only blanks and `--` comments. */
function isBlank(pending: string): boolean {
  return pending.replace(/--[^\n]*/g, '').trim() === '';
}

export function splitMetaLines(text: string, endsStatement: (buffer: string) => boolean): SplitScript {
  const metas: MetaLine[] = [];
  let sqlText = '';
  let pending = '';
  let offset = 0;
  let lineNo = 1;
  for (const raw of text.split(/(?<=\n)/)) {
    const content = raw.replace(/\r?\n$/, '');
    if (content.trimStart().startsWith('\\') && (isBlank(pending) || endsStatement(pending))) {
      metas.push({ offset, line: lineNo, text: content.trim() });
      sqlText += raw.replace(/[^\n]/g, ' ');
      pending = '';
    } else {
      sqlText += raw;
      pending += raw;
      if (endsStatement(pending)) pending = '';
    }
    offset += raw.length;
    lineNo++;
  }
  return { sqlText, metas };
}
