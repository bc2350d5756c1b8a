// Converts the CST of operands (strings, lists, booleans, job ids, names, AS OF SYSTEM TIME) to AST
// values. Holds the statement text so that semantic syntax errors carry positions.
import type { CstNode, IToken } from 'chevrotain';
import type { BoolValue, IntValue, StringValue, TablePattern, TimeExpr } from './ast.js';
import { children, firstToken, nodeAt, nodesOf, tokenAt, tokensOf } from './cst-access.js';
import { nearText } from './lex.js';
import { statementError } from './syntax-error.js';
import { SQL_RESERVED_WORDS } from './tokens.js';

export class ValueBuilder {
  constructor(readonly text: string) {}

  error(token: IToken | undefined, detail: string): Error {
    return statementError(this.text, token?.startOffset ?? this.text.length, nearText(token), detail);
  }

  /** An error at the first significant character after `t` (what CockroachDB's parser would stop at). */
  errorAfter(t: IToken, detail: string): Error {
    const m = /\S+/.exec(this.text.slice(t.endOffset! + 1));
    const at = m === null ? this.text.length : t.endOffset! + 1 + m.index;
    const near = m === null ? undefined : (/^[A-Za-z_][A-Za-z0-9_]*/.exec(m[0])?.[0].toLowerCase() ?? m[0]);
    return statementError(this.text, at, near, detail);
  }

  /** A bare word that SQL reserves (`select`, `where`, …) is no name: CockroachDB wants it quoted. */
  private checkNotReserved(t: IToken): void {
    if (t.tokenType.name === 'Identifier' && SQL_RESERVED_WORDS.has(t.payload as string))
      throw this.error(
        t,
        `"${t.payload}" is a reserved keyword; quote it ("${t.payload}") to use it as a name`,
      );
  }

  /** A token that is a string constant, bare word or placeholder. */
  stringToken(t: IToken): StringValue {
    if (t.tokenType.name === 'Placeholder') return { kind: 'placeholder', index: t.payload as number };
    this.checkNotReserved(t);
    return { kind: 'string', value: t.payload as string };
  }

  stringValue(n: CstNode): StringValue {
    return this.stringToken(firstToken(n)!);
  }

  stringOrList(n: CstNode): StringValue[] {
    const c = children(n);
    const list = nodesOf(c, 'stringValue');
    return list.map((s) => this.stringValue(s));
  }

  boolValue(n: CstNode): BoolValue {
    const t = firstToken(n)!;
    if (t.tokenType.name === 'Placeholder') return { kind: 'placeholder', index: t.payload as number };
    return { kind: 'bool', value: t.tokenType.name === 'TRUE' };
  }

  intValue(n: CstNode): IntValue {
    const t = firstToken(n)!;
    if (t.tokenType.name === 'Placeholder') return { kind: 'placeholder', index: t.payload as number };
    if (!/^[0-9]+$/.test(t.image)) throw this.error(t, 'job ID must be an integer');
    return { kind: 'int', value: BigInt(t.image) };
  }

  name(n: CstNode): string {
    const t = firstToken(n)!;
    this.checkNotReserved(t);
    return t.payload as string;
  }

  tablePattern(n: CstNode): TablePattern {
    const c = children(n);
    const parts = nodesOf(c, 'name').map((x) => this.name(x));
    const star = tokenAt(c, 'Star');
    if (star !== undefined) {
      const dots = tokensOf(c, 'Dot');
      if (dots[dots.length - 1]!.startOffset > star.startOffset)
        throw this.error(dots.at(-1), 'invalid table name');
      if (parts.length > 2) throw this.error(star, 'invalid table pattern');
      return { parts, star: true };
    }
    if (parts.length > 3) throw this.error(firstToken(nodesOf(c, 'name')[3]!), 'invalid table name');
    return { parts, star: false };
  }

  timeExpr(n: CstNode): TimeExpr {
    const c = children(n);
    const name = nodeAt(c, 'name');
    if (name !== undefined) return { kind: 'call', name: this.name(name) };
    const s = tokenAt(c, 'Sconst');
    if (s !== undefined) return { kind: 'string', value: s.payload as string };
    const p = tokenAt(c, 'Placeholder');
    if (p !== undefined) return { kind: 'placeholder', index: p.payload as number };
    return { kind: 'number', text: tokenAt(c, 'NumberLiteral')!.image };
  }
}
