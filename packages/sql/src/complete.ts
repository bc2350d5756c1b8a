// Tab completion for the REPL: what may come next after the text before the cursor, from the grammar
// itself (Chevrotain content assist). Only keywords and punctuation are offered; names, strings and URIs
// come from catalog lookups elsewhere. A partly typed word filters the keywords by prefix.
import type { IToken, TokenType } from 'chevrotain';
import { statementParser } from './parser.js';
import { scan } from './scan.js';
import { Identifier, Keyword, sqlLexer } from './tokens.js';

const PUNCTUATION: Record<string, string> = {
  LParen: '(',
  RParen: ')',
  Comma: ',',
  Equals: '=',
  Dot: '.',
  Star: '*',
};

function suggestion(t: TokenType): string | undefined {
  if (t.CATEGORIES?.includes(Keyword)) return t.name;
  return PUNCTUATION[t.name];
}

/** Where a backup is named (`FROM …`, `ALTER BACKUP …`), the bare word LATEST is the usual answer. */
const BACKUP_NAME_RULES = new Set(['restoreStatement', 'showStatement', 'alterBackupStatement']);

function backupNameSuggestion(t: TokenType, ruleStack: string[]): string | undefined {
  const parent = ruleStack[ruleStack.length - 2]; // the last entry is stringValue itself
  return t.name === 'NonReservedWord' && parent !== undefined && BACKUP_NAME_RULES.has(parent)
    ? 'LATEST'
    : undefined;
}

function isWord(t: IToken): boolean {
  return t.tokenType === Identifier || t.tokenType.CATEGORIES?.includes(Keyword) === true;
}

export function complete(textBeforeCursor: string): string[] {
  const last = scan(textBeforeCursor).lastSemicolon;
  const text = textBeforeCursor.slice(last + 1);
  const { tokens, errors } = sqlLexer.tokenize(text);
  if (
    errors.length > 0 ||
    tokens.some((t) => t.tokenType.CATEGORIES?.some((c) => c.name === 'LexicalError'))
  ) {
    return []; // inside an unterminated string or comment, or garbage: nothing sensible to offer
  }
  let prefix = '';
  const tail = tokens[tokens.length - 1];
  if (tail !== undefined && tail.endOffset! + 1 === text.length && isWord(tail)) {
    prefix = tail.image.toUpperCase();
    tokens.pop();
  }
  const paths = statementParser.computeContentAssist('statement', tokens);
  const out = new Set<string>();
  for (const p of paths) {
    // A SELECT is owned only when it reads `[SHOW JOBS]`, and a query's words are not ours to offer.
    if (p.ruleStack.includes('selectStatement') || p.ruleStack.includes('queryTokens')) continue;
    const s = suggestion(p.nextTokenType) ?? backupNameSuggestion(p.nextTokenType, p.ruleStack);
    if (s?.startsWith(prefix)) out.add(s);
  }
  return [...out].sort();
}
