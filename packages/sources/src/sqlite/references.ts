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

/** Every identifier directly followed (after optional blanks) by `.` and another name. */
export function schemaReferences(sql: string): SchemaReference[] {
  const refs: SchemaReference[] = [];
  let i = 0;
  let prevDot = false;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c;
      let j = i + 1;
      while (j < sql.length && !(sql[j] === close && sql[j + 1] !== close)) j += sql[j] === close ? 2 : 1;
      i = j + 1;
      prevDot = false;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    let name: string | undefined;
    const start = i;
    if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < sql.length) {
        if (sql[j] === '"') {
          if (sql[j + 1] === '"') {
            text += '"';
            j += 2;
            continue;
          }
          break;
        }
        text += sql[j];
        j++;
      }
      i = j + 1;
      name = text;
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < sql.length && IDENT_PART.test(sql[j]!)) j++;
      name = sql.slice(i, j);
      i = j;
    } else {
      prevDot = c === '.';
      i++;
      continue;
    }
    let k = i;
    while (k < sql.length && /\s/.test(sql[k]!)) k++;
    // `a.b.c` names a column of table b in schema a; `t.c` a column; either way the first part may be a
    // schema, and the session only acts on names that are databases.
    if (!prevDot && sql[k] === '.') refs.push({ start, end: i, name });
    prevDot = false;
  }
  return refs;
}
