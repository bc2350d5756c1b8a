// What a forwarded statement does to the transaction, from its leading keywords.

export type TxKind = 'begin' | 'commit' | 'rollback' | 'rollback-to' | 'other';

export function txKind(sql: string): TxKind {
  const [a, b, c] = sql
    .replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')
    .toLowerCase()
    .split(/[\s;]+/, 3);
  if (a === 'begin' || (a === 'start' && b === 'transaction')) return 'begin';
  if (a === 'commit' || a === 'end') return 'commit';
  if (a === 'rollback' || a === 'abort') {
    return b === 'to' || (b === 'transaction' && c === 'to') ? 'rollback-to' : 'rollback';
  }
  return 'other';
}
