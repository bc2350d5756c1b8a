// Parses exactly one owned statement: lex, parse, convert to the AST. Every failure is a StrongroomError
// with code SYNTAX_ERROR or DUPLICATE_OPTION, a position and a `try \h …` hint; nothing else escapes.
import type { IToken } from 'chevrotain';
import type { Statement } from './ast.js';
import { statementToAst } from './cst-to-ast.js';
import { expectedDetail } from './expected-tokens.js';
import { legacyMessage } from './legacy-forms.js';
import { lex, nearText } from './lex.js';
import { statementParser } from './parser.js';
import { statementError } from './syntax-error.js';

function errorIndex(tokens: readonly IToken[], token: IToken): number {
  const i = tokens.indexOf(token);
  return i < 0 ? tokens.length : i;
}

export function parseStatement(text: string): Statement {
  const tokens = lex(text);
  if (tokens[tokens.length - 1]?.tokenType.name === 'Semicolon') tokens.pop();
  statementParser.input = tokens;
  const cst = statementParser.statement();
  const err = statementParser.errors[0];
  if (err !== undefined) {
    const at = errorIndex(tokens, err.token);
    const token = tokens[at];
    const last = tokens[tokens.length - 1];
    const offset = token?.startOffset ?? (last === undefined ? text.length : last.endOffset! + 1);
    const detail = legacyMessage(tokens, at) ?? expectedDetail(tokens.slice(0, at));
    throw statementError(text, offset, nearText(token), detail);
  }
  return statementToAst(cst, text);
}
