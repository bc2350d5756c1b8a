// Hand-written matchers for the lexemes a regular expression cannot express well: nested block comments
// and dollar-quoted strings. Each returns the matched text (Chevrotain custom pattern contract) or null;
// unterminated forms are matched to the end of input so the lexer can report them with a position.
import type { CustomPatternMatcherReturn } from 'chevrotain';

function match(text: string): CustomPatternMatcherReturn {
  return [text] as CustomPatternMatcherReturn;
}

/** Length of a `/* … *\/` comment starting at `offset` (comments nest), or -1 when it never closes. */
export function blockCommentLength(text: string, offset: number): number {
  let depth = 0;
  let i = offset;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i - offset;
    } else i++;
  }
  return -1;
}

export function matchBlockComment(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (!text.startsWith('/*', offset)) return null;
  const len = blockCommentLength(text, offset);
  return len < 0 ? null : match(text.slice(offset, offset + len));
}

export function matchUnterminatedComment(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (!text.startsWith('/*', offset)) return null;
  return match(text.slice(offset));
}

const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** The opening `$tag$` at `offset` (tag may be empty; it cannot start with a digit: `$1` is a placeholder). */
export function dollarTagAt(text: string, offset: number): string | null {
  DOLLAR_TAG.lastIndex = offset;
  const m = DOLLAR_TAG.exec(text);
  return m ? m[0] : null;
}

/** Length of the dollar-quoted string at `offset`, -1 when unterminated, 0 when there is none. */
export function dollarStringLength(text: string, offset: number): number {
  const tag = dollarTagAt(text, offset);
  if (tag === null) return 0;
  const end = text.indexOf(tag, offset + tag.length);
  return end < 0 ? -1 : end + tag.length - offset;
}

export function matchDollarString(text: string, offset: number): CustomPatternMatcherReturn | null {
  const len = dollarStringLength(text, offset);
  return len > 0 ? match(text.slice(offset, offset + len)) : null;
}

export function matchUnterminatedDollar(text: string, offset: number): CustomPatternMatcherReturn | null {
  return dollarStringLength(text, offset) < 0 ? match(text.slice(offset)) : null;
}
