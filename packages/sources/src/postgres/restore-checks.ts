// The checks a PostgreSQL restore makes before it creates anything (the roles its objects name exist;
// no table, view, index, sequence or large object it would create is there already), and the temporary
// name a new database is built under until it is complete.
import { StrongroomError } from '@strongroom/errors';
import type { RestoreRequest, RestoreTable } from '../types.js';
import { type PgClient, quoteIdent } from './connect.js';
import { pgCall } from './errors.js';
import { objectRoles } from './schema.js';

export { TEMPORARY_PREFIX, temporaryDatabase } from './temporary-name.js';

export function tableAttr(t: RestoreTable, name: string): string {
  const v = t.table.attributes[name];
  if (typeof v !== 'string' || v === '')
    throw new StrongroomError('CORRUPTED', `table ${t.table.name}: missing attribute ${name}`);
  return v;
}

/** Renames once the restore's own sessions, just closed, have ended on the server. */
export async function renameWhenFree(admin: PgClient, from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
      return;
    } catch (err) {
      // 55006 object_in_use: a closed session's backend has not exited yet.
      if ((err as { code?: unknown }).code !== '55006' || attempt >= 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Fails, naming them, when roles the restored objects need do not exist in the target cluster. */
export async function checkRoles(admin: PgClient, request: RestoreRequest): Promise<void> {
  const needed = new Set(request.objects.flatMap((o) => objectRoles(o.sql)));
  if (needed.size === 0) return;
  const found = await pgCall(() =>
    admin.query<{ name: string }>(
      'SELECT rolname AS name FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])',
      [[...needed]],
    ),
  );
  const present = new Set(found.rows.map((r) => r.name));
  const missing = [...needed].filter((r) => !present.has(r)).sort();
  if (missing.length === 0) return;
  throw new StrongroomError(
    'ROLE_NOT_FOUND',
    `cannot restore into "${request.database}": role${missing.length > 1 ? 's' : ''} ${missing.map((r) => (/^[a-z_][a-z0-9_$]*$/.test(r) ? r : quoteIdent(r))).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist`,
    {
      hint: 'create the roles first (roles belong to the cluster, not to a database backup), or restore WITH no_owner (objects owned by you) and/or no_privileges (no grants); roles named by row-level security policies must exist',
    },
  );
}

export async function checkNoClash(client: PgClient, request: RestoreRequest): Promise<void> {
  const wanted: [string, string, string][] = request.tables
    .filter((t) => t.table.attributes.kind !== 'lo' && t.table.attributes.extensionConfig !== true)
    .map((t) => [tableAttr(t, 'schema'), tableAttr(t, 'relname'), `table ${t.table.name}`]);
  for (const o of request.objects) {
    const m = /^(?:INDEX|VIEW|MATERIALIZED VIEW|SEQUENCE) ([^.]+)\.(.+)$/.exec(o.name);
    if (m && (o.type === 'index' || o.type === 'view' || o.type === 'sequence'))
      wanted.push([m[1] ?? '', m[2] ?? '', o.name.toLowerCase()]);
  }
  const los = request.objects.flatMap((o) =>
    o.name.startsWith('BLOB') ? [...o.sql.matchAll(/lo_create\('(\d+)'\)/g)].map((m) => m[1] ?? '') : [],
  );
  if (los.length > 0) {
    const taken = await pgCall(() =>
      client.query<{ oid: string }>(
        'SELECT oid::text FROM pg_catalog.pg_largeobject_metadata WHERE oid = ANY($1::oid[]) ORDER BY oid LIMIT 1',
        [los],
      ),
    );
    const oid = taken.rows[0]?.oid;
    if (oid !== undefined)
      throw new StrongroomError(
        'TARGET_EXISTS',
        `large object ${oid} already exists in database "${request.database}" (large objects keep their OIDs)`,
      );
  }
  if (wanted.length === 0) return;
  const found = await pgCall(() =>
    client.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [wanted.map((w) => w[0]), wanted.map((w) => w[1])],
    ),
  );
  const clash = found.rows[0];
  if (clash) {
    const what = wanted.find((w) => w[0] === clash.schema && w[1] === clash.name)?.[2] ?? clash.name;
    throw new StrongroomError('TARGET_EXISTS', `${what} already exists in database "${request.database}"`, {
      hint: 'restore into a new database (new_db_name) or another one (into_db); existing tables are never touched',
    });
  }
}
