// Runs the PostgreSQL client's pg_dump for the schema of one database, inside the backup's exported
// snapshot (so the schema matches the rows exactly), and splits its plain output into entries by the
// `-- Name: …; Type: …; Schema: …` header pg_dump writes before every object. Owners, privileges,
// publications, security labels and large objects' metadata are kept (pg_dump's defaults); each
// entry's closing `ALTER … OWNER TO` is split off, so a restore can leave owners out.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StrongroomError } from '@strongroom/errors';
import type { PgConnection } from './uri.js';

export type DumpSection = 'pre-data' | 'post-data';

export interface DumpEntry {
  readonly tag: string;
  readonly type: string;
  /** '-' for objects outside a schema. */
  readonly schema: string;
  readonly sql: string;
  /** The entry's `ALTER … OWNER TO …;` statement(s), when pg_dump wrote any. */
  readonly owner?: string;
}

/** The newest client binary: $PG_BIN, Debian's /usr/lib/postgresql/<v>/bin, else the PATH. */
export function pgTool(name: string): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, name))) return join(fromEnv, name);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', name)))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin', name);
  }
  return name;
}

/** libpq settings for a client tool; the password travels in the environment only. */
export function pgToolEnv(conn: PgConnection, database: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGHOST: conn.host,
    PGPORT: String(conn.port),
    PGUSER: conn.user,
    PGDATABASE: database,
    PGAPPNAME: conn.applicationName,
    PGSSLMODE: conn.sslmode === 'no-verify' ? 'require' : (conn.sslmode ?? 'prefer'),
  };
  if (conn.password !== undefined) env.PGPASSWORD = conn.password;
  else delete env.PGPASSWORD;
  return env;
}

/**
 * The fixed flags. Tablespaces are the target cluster's (a restore lands in its default one) and
 * subscriptions connect to another server, so neither is kept. The sections, not --schema-only, keep
 * the rows out: with --schema-only pg_dump also leaves out large objects' metadata (their owners,
 * privileges and comments), which `-b` brings into the pre-data section.
 */
const FLAGS = ['--no-tablespaces', '--no-subscriptions', '--restrict-key=strongroom'];

export async function dumpSchema(
  conn: PgConnection,
  database: string,
  snapshotId: string,
  section: DumpSection,
  signal?: AbortSignal,
): Promise<DumpEntry[]> {
  const text = await new Promise<string>((resolve, reject) => {
    execFile(
      pgTool('pg_dump'),
      [
        ...FLAGS,
        ...(section === 'pre-data' ? ['-b'] : []),
        `--section=${section}`,
        `--snapshot=${snapshotId}`,
      ],
      {
        env: pgToolEnv(conn, database),
        maxBuffer: 512 * 1024 * 1024,
        encoding: 'utf8',
        signal,
      },
      (err, stdout, stderr) => {
        if (err) {
          const missing = (err as { code?: unknown }).code === 'ENOENT';
          reject(
            new StrongroomError(
              missing ? 'SOURCE_UNAVAILABLE' : 'SOURCE_ERROR',
              missing
                ? 'pg_dump is not installed (the PostgreSQL client tools are needed for schema capture)'
                : `pg_dump failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`,
              { cause: err },
            ),
          );
        } else resolve(stdout);
      },
    );
  });
  return splitDump(text);
}

const OWNER = /^ALTER [A-Z ]+ .+ OWNER TO .+;$/;
const LARGE_OBJECT_OWNER = /^ALTER LARGE OBJECT \d+ OWNER TO .+;$/;

const HEADER = /^--\n-- Name: (.*); Type: (.*); Schema: (.*); Owner: .*\n--\n/gm;

/** Entries in dump order; the preamble (session SETs) and the psql-only \restrict lines are dropped. */
export function splitDump(text: string): DumpEntry[] {
  const heads = [...text.matchAll(HEADER)];
  const entries: DumpEntry[] = [];
  for (const [i, h] of heads.entries()) {
    const start = (h.index ?? 0) + h[0].length;
    const end = heads[i + 1]?.index ?? text.length;
    const lines = cleanEntry(text.slice(start, end)).split('\n');
    const entry = { tag: h[1] ?? '', type: h[2] ?? '', schema: h[3] ?? '' };
    // pg_dump writes the owner as the entry's last statement, on a line of its own; an entry of several
    // large objects (pg_dump 17 groups them) has one such line per object.
    const owned = lines.map(
      (l, i) => (i === lines.length - 1 && i > 0 && OWNER.test(l)) || LARGE_OBJECT_OWNER.test(l),
    );
    const owner = lines.filter((_, i) => owned[i]);
    const sql = lines
      .filter((_, i) => !owned[i])
      .join('\n')
      .trim();
    entries.push(owner.length > 0 ? { ...entry, sql, owner: owner.join('\n') } : { ...entry, sql });
  }
  return entries;
}

/** Drops trailing session SETs, pg_dump's closing comment and \restrict/\unrestrict lines. */
function cleanEntry(sql: string): string {
  const lines = sql.split('\n');
  for (;;) {
    const last = lines.at(-1)?.trim();
    if (last === undefined) break;
    if (
      last === '' ||
      /^SET [a-z_]+ = .*;$/.test(last) ||
      /^\\(un)?restrict /.test(last) ||
      last.startsWith('--')
    )
      lines.pop();
    else break;
  }
  return lines.join('\n').trim();
}
