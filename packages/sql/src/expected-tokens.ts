// Names what the grammar would have accepted where a syntax error occurred (via Chevrotain's content
// assist), for the `syntax error: expected …` detail. Long lists are left out: they do not help.
import type { IToken, TokenType } from 'chevrotain';
import { statementParser } from './parser.js';
import { Keyword } from './tokens.js';

const DISPLAY: Record<string, string> = {
  Sconst: 'a string',
  NonReservedWord: 'a name',
  QuotedIdentifier: 'a name',
  Placeholder: 'a placeholder',
  NumberLiteral: 'a number',
};

function display(t: TokenType): string {
  if (t.CATEGORIES?.includes(Keyword)) return t.name;
  return DISPLAY[t.name] ?? t.LABEL ?? t.name;
}

/** Distinct spellings of what may follow `preceding` in a statement. */
export function expectedAfter(preceding: IToken[]): string[] {
  const paths = statementParser.computeContentAssist('statement', preceding);
  const names = [...new Set(paths.map((p) => display(p.nextTokenType)))];
  // A string slot also accepts bare words and placeholders: "a string" says it all.
  if (names.includes('a string')) return names.filter((n) => n !== 'a name' && n !== 'a placeholder');
  return names;
}

export function expectedDetail(preceding: IToken[]): string | undefined {
  const names = expectedAfter(preceding);
  if (names.length === 0 || names.length > 6) return undefined;
  if (names.length === 1) return `expected ${names[0]}`;
  return `expected ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
