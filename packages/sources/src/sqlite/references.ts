// Schema-qualified names in SQLite statement text (`shop.orders`, `"shop".orders`), found by a small
// scanner that skips string literals, quoted identifiers used as plain names, and comments. The session
// uses them to attach databases on demand and to let the strongroom name of `main` address it.

export interface SchemaReference {
  /** Offsets of the schema identifier (including quotes) in the statement text. */
  readonly start: number;
  readonly end: number;
  /** The schema name, unquoted. */
  readonly name: string;
}

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_$]/u;

/** One piece of statement text from `start` to `end`: what the scan needs to know of it. */
type Token =
  | { readonly kind: 'literal' | 'comment'; readonly end: number }
  | { readonly kind: 'name'; readonly end: number; readonly name: string }
  | { readonly kind: 'other'; readonly end: number; readonly dot: boolean };

/** Past a string literal or a `…` / […] identifier starting at i (`close` doubled inside stands for itself). */
function literalEnd(sql: string, i: number, close: string): number {
  let j = i + 1;
  while (j < sql.length && !(sql[j] === close && sql[j + 1] !== close)) j += sql[j] === close ? 2 : 1;
  return j + 1;
}

/** Past the comment starting at i, if one does. */
function commentEnd(sql: string, i: number): number | undefined {
  if (sql.startsWith('--', i)) {
    const nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length : nl + 1;
  }
  if (sql.startsWith('/*', i)) {
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return undefined;
}

/** The "…" identifier starting at i, unquoted. */
function doubleQuoted(sql: string, i: number): Token {
  let j = i + 1;
  let name = '';
  while (j < sql.length && !(sql[j] === '"' && sql[j + 1] !== '"')) {
    name += sql[j];
    j += sql[j] === '"' ? 2 : 1;
  }
  return { kind: 'name', end: j + 1, name };
}

function token(sql: string, i: number): Token {
  const c = sql[i] as string;
  if (c === "'" || c === '`' || c === '[')
    return { kind: 'literal', end: literalEnd(sql, i, c === '[' ? ']' : c) };
  const comment = commentEnd(sql, i);
  if (comment !== undefined) return { kind: 'comment', end: comment };
  if (c === '"') return doubleQuoted(sql, i);
  if (!IDENT_START.test(c)) return { kind: 'other', end: i + 1, dot: c === '.' };
  let j = i + 1;
  while (j < sql.length && IDENT_PART.test(sql[j] as string)) j++;
  return { kind: 'name', end: j, name: sql.slice(i, j) };
}

/** Every identifier directly followed (after optional blanks) by `.` and another name. */
export function schemaReferences(sql: string): SchemaReference[] {
  const refs: SchemaReference[] = [];
  let i = 0;
  let prevDot = false;
  while (i < sql.length) {
    const t = token(sql, i);
    if (t.kind === 'name') {
      let k = t.end;
      while (k < sql.length && /\s/.test(sql[k] as string)) k++;
      // `a.b.c` names a column of table b in schema a; `t.c` a column; either way the first part may be a
      // schema, and the session only acts on names that are databases.
      if (!prevDot && sql[k] === '.') refs.push({ start: i, end: t.end, name: t.name });
    }
    // A comment between a dot and a name keeps them together.
    if (t.kind !== 'comment') prevDot = t.kind === 'other' && t.dot;
    i = t.end;
  }
  return refs;
}
