// Small typed accessors over Chevrotain's CST (children are keyed by rule or token-type name).
import type { CstElement, CstNode, IToken } from 'chevrotain';

export type Children = Record<string, CstElement[] | undefined>;

export function children(n: CstNode): Children {
  return n.children as Children;
}

export function nodeAt(c: Children, key: string, i = 0): CstNode | undefined {
  return c[key]?.[i] as CstNode | undefined;
}

export function nodesOf(c: Children, key: string): CstNode[] {
  return (c[key] ?? []) as CstNode[];
}

export function tokenAt(c: Children, key: string, i = 0): IToken | undefined {
  return c[key]?.[i] as IToken | undefined;
}

export function tokensOf(c: Children, key: string): IToken[] {
  return (c[key] ?? []) as IToken[];
}

/** The first token under a node, in source order (for error positions). */
export function firstToken(n: CstNode): IToken | undefined {
  let best: IToken | undefined;
  for (const list of Object.values(n.children)) {
    for (const el of list) {
      const t = 'image' in el ? el : firstToken(el);
      if (t !== undefined && (best === undefined || t.startOffset < best.startOffset)) best = t;
    }
  }
  return best;
}

/** The last token under a node, in source order. */
export function lastToken(n: CstNode): IToken | undefined {
  let best: IToken | undefined;
  for (const list of Object.values(n.children)) {
    for (const el of list) {
      const t = 'image' in el ? el : lastToken(el);
      if (t !== undefined && (best === undefined || t.startOffset > best.startOffset)) best = t;
    }
  }
  return best;
}
