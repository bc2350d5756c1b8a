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
  String.raw`\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+${QUALIFIED}\s*\(([^)]*)\)\s*VALUES\s*([\s\S]*)$`,
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

export function inferParamTypes(sql: string, count: number, columnsOf: ColumnTypes): (string | null)[] {
  const types: (string | null)[] = Array.from({ length: count }, () => null);
  const set = (n: string | undefined, type: string | undefined): void => {
    const i = Number(n) - 1;
    if (type !== undefined && type !== '' && i >= 0 && i < count && types[i] === null) types[i] = type;
  };
  // Strip string literals so their contents are never matched.
  const text = sql.replace(/'(?:[^']|'')*'/g, "''");
  const tables: ReadonlyMap<string, string>[] = [];
  for (const m of text.matchAll(TABLE_REF)) {
    const [schema, table] =
      m[2] === undefined ? [undefined, unquote(m[1]!)] : [unquote(m[1]!), unquote(m[2])];
    const cols = columnsOf(schema, table);
    if (cols) tables.push(cols);
  }
  const columnType = (ref: string): string | undefined => {
    const name = unquote(ref.split(/\s*\.\s*/).at(-1) ?? '').toLowerCase();
    for (const cols of tables) {
      const t = cols.get(name);
      if (t !== undefined) return t;
    }
    return undefined;
  };
  const insert = INSERT.exec(text);
  if (insert) {
    const [schema, table] =
      insert[2] === undefined ? [undefined, unquote(insert[1]!)] : [unquote(insert[1]!), unquote(insert[2])];
    const cols = columnsOf(schema, table);
    const names = splitTop(insert[3]!).map((c) => unquote(c).toLowerCase());
    for (const tuple of (insert[4] ?? '').matchAll(/\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g)) {
      splitTop(tuple[1]!).forEach((value, i) => {
        const p = /^\$(\d+)$/.exec(value);
        const col = names[i];
        if (p && col !== undefined) set(p[1], cols?.get(col));
      });
    }
  }
  for (const m of text.matchAll(COL_OP_PARAM)) set(m[2], columnType(m[1]!));
  for (const m of text.matchAll(PARAM_OP_COL)) set(m[1], columnType(m[2]!));
  for (const m of text.matchAll(LIMIT)) set(m[1], 'INTEGER');
  for (const m of text.matchAll(CAST)) set(m[1], m[2]);
  return types;
}
