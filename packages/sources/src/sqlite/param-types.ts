// Types for the `$n` parameters of a forwarded statement, which SQLite itself does not know: the declared
// type of the column a parameter is stored in (INSERT … (cols) VALUES, UPDATE … SET col = $n) or compared
// with (`col = $n`, `$n < t.col`), an integer for LIMIT/OFFSET, the type of CAST($n AS type). Anything
// else is unknown (null), and the wire server describes it as text.

/** Declared column types of a table (lower-cased column name → declared type), undefined if unknown. */
export type ColumnTypes = (
  schema: string | undefined,
  table: string,
) => ReadonlyMap<string, string> | undefined;

const NAME = String.raw`(?:"(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$]*)`;
const QUALIFIED = String.raw`(${NAME})(?:\s*\.\s*(${NAME}))?`;
const TABLE_REF = new RegExp(String.raw`\b(?:FROM|JOIN|INTO|UPDATE)\s+${QUALIFIED}`, 'giu');
const OP = String.raw`(?:==?|<>|!=|<=|>=|<|>|\bLIKE\b|\bGLOB\b|\bIS(?:\s+NOT)?\b)`;
const COL_OP_PARAM = new RegExp(String.raw`(${NAME}(?:\s*\.\s*${NAME}){0,2})\s*${OP}\s*\$(\d+)`, 'giu');
const PARAM_OP_COL = new RegExp(String.raw`\$(\d+)\s*${OP}\s*(${NAME}(?:\s*\.\s*${NAME}){0,2})`, 'giu');
const LIMIT = /\b(?:LIMIT|OFFSET)\s+\$(\d+)/giu;
const CAST = /\bCAST\s*\(\s*\$(\d+)\s+AS\s+([A-Za-z_][\w ]*?(?:\([^)]*\))?)\s*\)/giu;
const INSERT = new RegExp(
  String.raw`\b(?:INSERT|REPLACE)\s+(?:OR\s+\w+\s+)?INTO\s+${QUALIFIED}\s*(?:\(([^)]*)\)\s*)?VALUES\s*([\s\S]*)$`,
  'iu',
);

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}

/** Splits `a, b, (c, d)` at top-level commas. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/**
 * The declared type of a column reference (`c`, `t.c`, `s.t.c`) in the tables that `text` (string literals
 * already blanked) reads or writes, the first table having such a column winning.
 */
function referencedColumnTypes(text: string, columnsOf: ColumnTypes): (ref: string) => string | undefined {
  const tables: ReadonlyMap<string, string>[] = [];
  for (const m of text.matchAll(TABLE_REF)) {
    const [schema, table] =
      m[2] === undefined ? [undefined, unquote(m[1]!)] : [unquote(m[1]!), unquote(m[2])];
    const cols = columnsOf(schema, table);
    if (cols) tables.push(cols);
  }
  return (ref) => {
    const name = unquote(ref.split(/\s*\.\s*/).at(-1) ?? '').toLowerCase();
    for (const cols of tables) {
      const t = cols.get(name);
      if (t !== undefined) return t;
    }
    return undefined;
  };
}

/** INSERT … VALUES (…): each `$n` value takes its column's type. */
function insertParamTypes(
  text: string,
  columnsOf: ColumnTypes,
  set: (n: string | undefined, type: string | undefined) => void,
): void {
  const insert = INSERT.exec(text);
  if (!insert) return;
  const [schema, table] =
    insert[2] === undefined ? [undefined, unquote(insert[1]!)] : [unquote(insert[1]!), unquote(insert[2])];
  const cols = columnsOf(schema, table);
  // Without a column list, the values go to the table's columns in order.
  const names =
    insert[3] === undefined
      ? [...(cols?.keys() ?? [])]
      : splitTop(insert[3]).map((c) => unquote(c).toLowerCase());
  for (const tuple of (insert[4] ?? '').matchAll(/\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g)) {
    splitTop(tuple[1]!).forEach((value, i) => {
      const p = /^\$(\d+)$/.exec(value);
      const col = names[i];
      if (p && col !== undefined) set(p[1], cols?.get(col));
    });
  }
}

export function inferParamTypes(sql: string, count: number, columnsOf: ColumnTypes): (string | null)[] {
  const types: (string | null)[] = Array.from({ length: count }, () => null);
  const set = (n: string | undefined, type: string | undefined): void => {
    const i = Number(n) - 1;
    if (type !== undefined && type !== '' && i >= 0 && i < count && types[i] === null) types[i] = type;
  };
  // Strip string literals so their contents are never matched.
  const text = sql.replace(/'(?:[^']|'')*'/g, "''");
  const columnType = referencedColumnTypes(text, columnsOf);
  insertParamTypes(text, columnsOf, set);
  for (const m of text.matchAll(COL_OP_PARAM)) set(m[2], columnType(m[1]!));
  for (const m of text.matchAll(PARAM_OP_COL)) set(m[1], columnType(m[2]!));
  for (const m of text.matchAll(LIMIT)) set(m[1], 'INTEGER');
  for (const m of text.matchAll(CAST)) set(m[1], m[2]);
  return types;
}

/** Whether the keyword `w` stands at i as a word of its own. */
function wordAt(text: string, i: number, w: string): boolean {
  return (
    text.slice(i, i + w.length).toUpperCase() === w &&
    !/[\w$]/.test(text[i - 1] ?? ' ') &&
    !/[\w$]/.test(text[i + w.length] ?? ' ')
  );
}

const AFTER_ITEMS = ['FROM', 'WHERE', 'GROUP', 'ORDER', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW'];

/** Just past the first SELECT at nesting depth 0, or -1. */
function selectStart(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && wordAt(text, i, 'SELECT')) return i + 6;
  }
  return -1;
}

/** The items of a SELECT's result list (the first one at nesting depth 0), or undefined. */
function selectItems(text: string): string[] | undefined {
  const start = selectStart(text);
  if (start < 0) return undefined;
  let depth = 0;
  const items: string[] = [];
  let itemStart = start;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && c === ',') {
      items.push(text.slice(itemStart, i));
      itemStart = i + 1;
    } else if (depth === 0 && AFTER_ITEMS.some((w) => wordAt(text, i, w))) {
      items.push(text.slice(itemStart, i));
      return items.map((s) => s.trim());
    }
  }
  items.push(text.slice(itemStart));
  return items.map((s) => s.trim().replace(/;$/, '').trim());
}

const TEXT_FUNCTIONS =
  /^(upper|lower|trim|ltrim|rtrim|substr|substring|replace|printf|format|hex|quote|typeof|group_concat|string_agg|char|date|time|datetime|strftime|json\w*|concat\w*)\s*\(/;

/**
 * Declared-type names for result columns that are expressions (SQLite knows a type only for plain
 * columns): count() is an integer, avg() a real, CAST gives its type, sum/min/max of a column that
 * column's, literals their own kind. Index i is the i-th result column; null where nothing tells.
 */
export function expressionTypes(sql: string, count: number, columnsOf: ColumnTypes): (string | null)[] {
  const none = Array.from({ length: count }, () => null);
  const text = sql.replace(/'(?:[^']|'')*'/g, "''");
  const items = selectItems(text);
  if (items === undefined || items.length !== count || items.some((i) => /(^|\.)\*$/.test(i))) return none;
  const columnType = referencedColumnTypes(text, columnsOf);
  return items.map((item) => expressionType(item, columnType));
}

const AGGREGATE_OF_COLUMN =
  /^(sum|max|min)\s*\(\s*((?:"(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$]*)(?:\s*\.\s*(?:"(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$]*))*)\s*\)$/u;

/** The type one result item's expression gives, or null where nothing tells. */
function expressionType(item: string, columnType: (ref: string) => string | undefined): string | null {
  const e = item
    .replace(/\s+AS\s+("(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$]*)$/iu, '')
    .trim()
    .toLowerCase();
  const cast = /^cast\s*\(.*\s+as\s+([a-z_][a-z_ ]*?(?:\([^)]*\))?)\s*\)$/s.exec(e);
  if (cast) return cast[1]!.toUpperCase();
  if (
    /^count\s*\(/.test(e) ||
    /^(length|instr|unicode|changes|total_changes|last_insert_rowid|random)\s*\(/.test(e)
  )
    return 'INTEGER';
  if (/^(avg|total)\s*\(/.test(e)) return 'REAL';
  const agg = AGGREGATE_OF_COLUMN.exec(e);
  if (agg) return columnType(agg[2]!) ?? null;
  if (TEXT_FUNCTIONS.test(e) || /^''$/.test(e)) return 'TEXT';
  if (/^-?\d+$/.test(e)) return 'INTEGER';
  if (/^-?(\d+\.\d*|\.\d+)(e[-+]?\d+)?$/.test(e)) return 'REAL';
  if (/^x''$/.test(e)) return 'BLOB';
  return null;
}
