// Tokenizes one statement with CockroachDB's rules and attaches each token's value as `payload`: words
// lower-cased (quoted identifiers kept, NFC), strings unescaped, `$n` as its number. Adjacent string
// literals separated by a newline are joined (SQL standard). Throws a positioned SYNTAX_ERROR.
import type { IToken, TokenType } from 'chevrotain';
import { tokenMatcher } from './chevrotain.js';
import { EscapeError, undouble, unescapeE } from './string-escapes.js';
import { lexicalError, statementError } from './syntax-error.js';
import {
  DollarString,
  EscapeString,
  Identifier,
  Keyword,
  LexicalError,
  Placeholder,
  QuotedIdentifier,
  StringLiteral,
  sqlLexer,
  UnterminatedComment,
  UnterminatedDollar,
  UnterminatedIdentifier,
} from './tokens.js';

const UNTERMINATED = new Map([
  [UnterminatedComment, 'unterminated comment'],
  [UnterminatedDollar, 'unterminated string'],
  [UnterminatedIdentifier, 'unterminated quoted identifier'],
]);

function isA(token: IToken, category: TokenType): boolean {
  return tokenMatcher(token, category);
}

/** Value of a token: what a string means, what a word names. */
function tokenValue(text: string, t: IToken): string | number {
  const img = t.image;
  switch (t.tokenType) {
    case StringLiteral:
      return undouble(img.slice(1, -1), "'");
    case EscapeString:
      try {
        return unescapeE(img.slice(2, -1));
      } catch (err) {
        const at = err instanceof EscapeError ? t.startOffset + 2 + err.index : t.startOffset;
        throw lexicalError(text, at, err instanceof Error ? err.message : 'invalid string');
      }
    case DollarString: {
      const tagLen = img.indexOf('$', 1) + 1;
      return img.slice(tagLen, -tagLen);
    }
    case QuotedIdentifier: {
      const v = undouble(img.slice(1, -1), '"').normalize('NFC');
      if (v === '') throw statementError(text, t.startOffset, img, 'zero-length delimited identifier');
      return v;
    }
    case Placeholder:
      return Number(img.slice(1));
    default:
      if (t.tokenType === Identifier || isA(t, Keyword)) return img.normalize('NFC').toLowerCase();
      return img;
  }
}

const JOINABLE = new Set([StringLiteral, EscapeString]);

export function lex(text: string): IToken[] {
  const result = sqlLexer.tokenize(text);
  const lexErr = result.errors[0];
  if (lexErr !== undefined) {
    const near = text.slice(lexErr.offset, lexErr.offset + Math.max(1, lexErr.length));
    throw statementError(text, lexErr.offset, near);
  }
  const out: IToken[] = [];
  for (const t of result.tokens) {
    if (isA(t, LexicalError)) {
      const detail = UNTERMINATED.get(t.tokenType) ?? 'unterminated string';
      throw lexicalError(text, t.startOffset, detail);
    }
    t.payload = tokenValue(text, t);
    const prev = out[out.length - 1];
    if (
      prev !== undefined &&
      JOINABLE.has(prev.tokenType) &&
      JOINABLE.has(t.tokenType) &&
      text.slice(prev.endOffset! + 1, t.startOffset).includes('\n')
    ) {
      prev.payload = `${prev.payload}${t.payload}`;
      prev.image = text.slice(prev.startOffset, t.endOffset! + 1);
      prev.endOffset = t.endOffset;
      prev.endLine = t.endLine;
      prev.endColumn = t.endColumn;
      continue;
    }
    out.push(t);
  }
  return out;
}

/** The text an error names for a token (CockroachDB shows words normalised, other tokens as written). */
export function nearText(t: IToken | undefined): string | undefined {
  if (t === undefined || t.tokenType.name === 'EOF') return undefined;
  return typeof t.payload === 'string' && (t.tokenType === Identifier || isA(t, Keyword))
    ? t.payload
    : t.image;
}
