// RESTORE's refusals that need the source (CockroachDB's rules): a full-cluster restore needs a home
// with no tables, and a table restore needs every table its foreign keys reference, unless
// skip_missing_foreign_keys drops those keys. PostgreSQL sources keep foreign keys apart from CREATE
// TABLE (their source checks them as it creates them); SQLite writes them inline, checked here.
import { StrongroomError } from '@strongroom/errors';
import type { TableEntry } from '../../collection/manifest.js';
import type { EngineContext } from '../../context.js';

/** Table names per database, read through a snapshot (so PostgreSQL's view is consistent). */
async function tablesOf(
  ctx: EngineContext,
  dbs: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (dbs.length === 0) return out;
  const snapshot = await ctx.source.openSnapshot(dbs, signal);
  try {
    for (const db of dbs)
      out.set(
        db,
        (await snapshot.schema(db)).tables.map((t) => t.name),
      );
  } finally {
    await snapshot.close();
  }
  return out;
}

/** CockroachDB's full cluster restore runs only on a cluster without user tables. */
export async function requireEmptyHome(
  ctx: EngineContext,
  existing: readonly string[],
  signal?: AbortSignal,
): Promise<void> {
  const found: string[] = [];
  for (const [db, tables] of await tablesOf(ctx, existing, signal))
    for (const t of tables) found.push(`${db}.${t}`);
  if (found.length === 0) return;
  const shown = found.slice(0, 5).join(', ') + (found.length > 5 ? `, … (${found.length - 5} more)` : '');
  throw new StrongroomError(
    'TARGET_EXISTS',
    `full cluster restore can only be run on a cluster with no tables or databases but found ${found.length} tables: ${shown}`,
    {
      hint: 'restore into an empty home (a new STRONGROOM_HOME or source), or name what to restore: RESTORE DATABASE … / RESTORE TABLE …',
    },
  );
}

const NAME = String.raw`(?:"(?:[^"]|"")*"|\[[^\]]*\]|\`[^\`]*\`|[A-Za-z_][\w$]*)`;
const ACTIONS = String.raw`(?:\s+(?:ON\s+(?:DELETE|UPDATE)\s+(?:SET\s+NULL|SET\s+DEFAULT|CASCADE|RESTRICT|NO\s+ACTION)|MATCH\s+${NAME}|NOT\s+DEFERRABLE|DEFERRABLE)(?:\s+INITIALLY\s+(?:DEFERRED|IMMEDIATE))?)*`;
const REF = String.raw`REFERENCES\s+(${NAME})(?:\s*\([^)]*\))?${ACTIONS}`;
/** `, [CONSTRAINT n] FOREIGN KEY (…) REFERENCES t …` (table constraint), then ` [CONSTRAINT n] REFERENCES t …` (column). */
const TABLE_FK = String.raw`,\s*(?:CONSTRAINT\s+${NAME}\s+)?FOREIGN\s+KEY\s*\([^)]*\)\s*${REF}`;
const COLUMN_FK = String.raw`\s+(?:CONSTRAINT\s+${NAME}\s+)?${REF}`;

function unquote(n: string): string {
  if (n.startsWith('"')) return n.slice(1, -1).replaceAll('""', '"');
  if (n.startsWith('[') || n.startsWith('`')) return n.slice(1, -1);
  return n;
}

/** Tables an inline CREATE TABLE references (lower-cased: SQLite's names are case-insensitive). */
export function referencedTables(createSql: string): string[] {
  return [...createSql.matchAll(new RegExp(REF, 'gi'))].map((m) => unquote(m[1]!).toLowerCase());
}

/** The CREATE TABLE without its foreign keys to `missing` tables (lower-cased names). */
export function dropReferences(createSql: string, missing: ReadonlySet<string>): string {
  const drop = (clause: string, ref: string): string =>
    missing.has(unquote(ref).toLowerCase()) ? '' : clause;
  return createSql.replace(new RegExp(TABLE_FK, 'gi'), drop).replace(new RegExp(COLUMN_FK, 'gi'), drop);
}

/**
 * The tables of a table restore, with foreign keys to tables neither restored nor already in the target
 * database refused (CockroachDB's message) or, with skip_missing_foreign_keys, dropped.
 */
export async function checkForeignKeys(
  ctx: EngineContext,
  targetDb: string,
  tables: readonly TableEntry[],
  skipMissing: boolean,
  signal?: AbortSignal,
): Promise<TableEntry[]> {
  const restored = new Set(tables.map((t) => t.name.toLowerCase()));
  const refs = tables.map((t) => referencedTables(t.createSql).filter((r) => !restored.has(r)));
  if (refs.every((r) => r.length === 0)) return [...tables];
  const present = new Set(
    ((await tablesOf(ctx, [targetDb], signal)).get(targetDb) ?? []).map((n) => n.toLowerCase()),
  );
  return tables.map((t, i) => {
    const missing = new Set(refs[i]!.filter((r) => !present.has(r)));
    if (missing.size === 0) return t;
    if (!skipMissing)
      throw new StrongroomError(
        'TARGET_NOT_FOUND',
        `cannot restore table "${t.name}" without referenced table "${[...missing][0]}" (or "skip_missing_foreign_keys" option)`,
        { hint: `restore "${[...missing][0]}" in the same statement, or create it in "${targetDb}" first` },
      );
    return { ...t, createSql: dropReferences(t.createSql, missing) };
  });
}
