// Offsets to 1-based line/column (UTF-16 code units, as Chevrotain counts them) and back to source lines.

export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

export function lineColumnAt(text: string, offset: number): LineColumn {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** The text of 1-based line `line` (without its newline; a trailing `\r` dropped). */
export function sourceLine(text: string, line: number): string {
  const l = text.split('\n')[line - 1] ?? '';
  return l.endsWith('\r') ? l.slice(0, -1) : l;
}
