// A tolerant scanner that only finds statement boundaries: it knows strings, quoted identifiers,
// dollar quotes and comments, and nothing else, so it works on forwarded SQL of any dialect and never
// throws. splitStatements, endsStatement and the ownership check are built on it.
import { blockCommentLength, dollarStringLength } from './lexical-matchers.js';

export interface ScanResult {
  /** Significant ranges between top-level `;` (start inclusive, end exclusive), comments/blanks trimmed. */
  readonly pieces: readonly { readonly start: number; readonly end: number }[];
  /** The last significant lexeme was a top-level `;`. */
  readonly endsWithSemicolon: boolean;
  /** Offset of the last top-level `;` (-1 when none). */
  readonly lastSemicolon: number;
}

const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const SPACE = /[ \t\r\n\f\v]/;

/** Offset just past the quoted lexeme starting at `i` (`quote` is ' or "), or text.length if unterminated. */
function skipQuoted(text: string, i: number, quote: string, backslashes: boolean): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (backslashes && c === '\\') j += 2;
    else if (c === quote) {
      if (text[j + 1] === quote) j += 2;
      else return j + 1;
    } else j++;
  }
  return text.length;
}

/** Offset of the end of the trivia (whitespace, comments) starting at `i`. */
export function skipTrivia(text: string, i: number): number {
  let j = i;
  for (;;) {
    if (j < text.length && SPACE.test(text[j]!)) j++;
    else if (text.startsWith('--', j)) {
      const nl = text.indexOf('\n', j);
      j = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith('/*', j)) {
      const len = blockCommentLength(text, j);
      if (len < 0) return j; // an unterminated comment is significant: the parser reports it
      j += len;
    } else return j;
  }
}

/** End offset of the significant lexeme that starts at `i` (not trivia). */
function lexemeEnd(text: string, i: number): number {
  const c = text[i]!;
  if (c === "'") return skipQuoted(text, i, "'", false);
  if (c === '"') return skipQuoted(text, i, '"', false);
  if (text.startsWith('/*', i)) return text.length; // unterminated (terminated ones are trivia)
  if (c === '$') {
    const len = dollarStringLength(text, i);
    if (len !== 0) return len < 0 ? text.length : i + len;
    return i + 1;
  }
  return WORD_CHAR.test(c) ? wordEnd(text, i) : i + 1;
}

/** End of the word at `i`, or of the prefixed string it starts (`e'…'`, `b'…'`, `x'…'`). */
function wordEnd(text: string, i: number): number {
  const c = text[i]!;
  if (/[eEbBxX]/.test(c) && text[i + 1] === "'") return skipQuoted(text, i + 1, "'", c !== 'x' && c !== 'X');
  let j = i + 1;
  while (j < text.length && WORD_CHAR.test(text[j]!)) j++;
  return j;
}

export function scan(text: string): ScanResult {
  const pieces: { start: number; end: number }[] = [];
  let start = -1;
  let end = -1;
  let endsWithSemicolon = false;
  let lastSemicolon = -1;
  let i = skipTrivia(text, 0);
  while (i < text.length) {
    if (text[i] === ';') {
      if (start >= 0) pieces.push({ start, end });
      start = -1;
      endsWithSemicolon = true;
      lastSemicolon = i;
      i = skipTrivia(text, i + 1);
      continue;
    }
    const j = lexemeEnd(text, i);
    if (start < 0) start = i;
    end = j;
    endsWithSemicolon = false;
    i = skipTrivia(text, j);
  }
  if (start >= 0) pieces.push({ start, end });
  return { pieces, endsWithSemicolon, lastSemicolon };
}

/** The first `n` words of a statement, lower-cased, skipping comments (for ownership and hints). */
export function firstWords(text: string, n: number): string[] {
  const words: string[] = [];
  let i = skipTrivia(text, 0);
  while (words.length < n && i < text.length) {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 64));
    if (!m || WORD_CHAR.test(text[i + m[0].length] ?? ' ')) break;
    words.push(m[0].toLowerCase());
    i = skipTrivia(text, i + m[0].length);
  }
  return words;
}

/**
 * Where `[SHOW JOBS]` is used as a table (CockroachDB's way to filter it), outside strings and comments:
 * start (at `[`) and end (after `]`) offsets, in order.
 */
export function showJobsSources(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let i = skipTrivia(text, 0);
  while (i < text.length) {
    if (text[i] === '[') {
      const m = /^\[\s*show\s+jobs\s*\]/i.exec(text.slice(i, i + 64));
      if (m) {
        out.push({ start: i, end: i + m[0].length });
        i = skipTrivia(text, i + m[0].length);
        continue;
      }
    }
    i = skipTrivia(text, lexemeEnd(text, i));
  }
  return out;
}
