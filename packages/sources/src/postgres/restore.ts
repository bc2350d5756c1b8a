// Restores tables and objects into one PostgreSQL database: name clashes are checked before anything is
// written, then pre-data (types, functions, tables, in dump order), the rows with COPY FROM, sequence
// values, post-data (constraints, indexes, triggers, foreign keys) and materialized-view refreshes.
// Into an existing database, all of it runs in one transaction on one connection, so a failure leaves
// nothing behind. Into a new database (which a failure drops whole), the pre-data commits first, then
// LOAD_CONNECTIONS connections load tables (largest first, each COPY FREEZE into a table truncated in
// its own transaction) and build each table's indexes and key/unique constraints as soon as its rows are
// in; the remaining post-data (foreign keys, triggers, attachments, comments, refreshes) runs last, in
// dump order, then privileges, materialized-view refreshes and event triggers (pg_restore's order).
// A new database is built under a temporary name (temporaryDatabase) and renamed into place once
// complete, so no half-restored database ever carries the target's name, even after a kill -9; the next
// restore into that name drops a temporary left behind. Before anything is created, every role the
// restored objects name must exist (roles are cluster-wide, not part of a database backup), unless
// no_owner / no_privileges leave owners / privileges out.

import { StrongroomError } from '@strongroom/errors';
import { releaseChunk } from '../chunk-buffers.js';
import type { RestoreRequest, RestoreTable, SchemaObject } from '../types.js';
import { type PoolTask, runPool } from '../work-pool.js';
import {
  CANONICAL_SETTINGS,
  closeQuietly,
  connect,
  type PgClient,
  qualified,
  quoteIdent,
} from './connect.js';
import { copyIn } from './copy-in.js';
import { BINARY_HEADER, BINARY_TRAILER, BinaryRowCounter } from './copy-out.js';
import { checkAborted, pgCall, toLoadError, toPgError } from './errors.js';
import { checkNoClash, checkRoles, renameWhenFree, tableAttr, temporaryDatabase } from './restore-checks.js';
import { objectSection, type Section } from './schema.js';
import type { PgConnection } from './uri.js';

const RESTORE_SETTINGS =
  "SELECT pg_catalog.set_config('search_path', '', false); SET check_function_bodies = false; " +
  'SET client_min_messages = warning; SET standard_conforming_strings = on; SET row_security = off';

export async function restoreDatabase(
  conn: PgConnection,
  admin: PgClient,
  full: RestoreRequest,
): Promise<number> {
  const request: RestoreRequest = {
    ...full,
    objects: full.objects.filter(
      (o) =>
        !(full.noOwner && o.name.startsWith('OWNER ')) &&
        !(full.noPrivileges && objectSection(o.sql).section === 'acl'),
    ),
  };
  const { database } = request;
  if (request.createDatabase) {
    const exists = await admin.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [database]);
    if (exists.rowCount) throw new StrongroomError('TARGET_EXISTS', `database "${database}" already exists`);
  }
  await checkRoles(admin, request);
  if (request.createDatabase) return restoreNewDatabase(conn, admin, request);
  let client: PgClient | undefined;
  try {
    client = await openRestoreClient(conn, database);
    await checkNoClash(client, request);
    await pgCall(() => client!.query('BEGIN'));
    const rows = await restoreInTransaction(client, request);
    await pgCall(() => client!.query('COMMIT'), 'committing the restore');
    return rows;
  } catch (err) {
    await client?.query('ROLLBACK').catch(() => undefined);
    throw toPgError(err, 'restore');
  } finally {
    await closeQuietly(client);
  }
}

/** Temporaries this process is restoring into, by server. */
const restoring = new Set<string>();

async function restoreNewDatabase(
  conn: PgConnection,
  admin: PgClient,
  request: RestoreRequest,
): Promise<number> {
  const { database } = request;
  const temporary = temporaryDatabase(database);
  // A restore holds this session lock while it owns the temporary; the server drops it as soon as a
  // killed restore's (idle) session is gone, while the killed restore's busy sessions may still run on:
  // with the lock, the temporary is left over and is dropped, sessions and all.
  // Session locks are re-entrant, so restores sharing this session are told apart in the process.
  const busy = (): StrongroomError =>
    new StrongroomError('TARGET_EXISTS', `another restore into database "${database}" is running`);
  const mine = `${conn.host}:${conn.port}/${temporary}`;
  if (restoring.has(mine)) throw busy();
  restoring.add(mine);
  try {
    const lock = await admin.query(
      'SELECT 1 WHERE pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext($1))',
      [temporary],
    );
    if (lock.rowCount !== 1) throw busy();
  } catch (err) {
    restoring.delete(mine);
    throw err;
  }
  try {
    return await restoreUnderTemporary(conn, admin, request, temporary);
  } finally {
    restoring.delete(mine);
    await admin
      .query('SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtext($1))', [temporary])
      .catch(() => undefined);
  }
}

async function restoreUnderTemporary(
  conn: PgConnection,
  admin: PgClient,
  request: RestoreRequest,
  temporary: string,
): Promise<number> {
  const { database } = request;
  await pgCall(
    () => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(temporary)} WITH (FORCE)`),
    `removing ${temporary}, left by an earlier restore into "${database}"`,
  );
  await pgCall(
    () => admin.query(`CREATE DATABASE ${quoteIdent(temporary)} TEMPLATE template0`),
    'creating the database',
  );
  let client: PgClient | undefined;
  try {
    client = await openRestoreClient(conn, temporary);
    const rows = await restoreParallel(conn, client, { ...request, database: temporary });
    await closeQuietly(client);
    client = undefined;
    await renameWhenFree(admin, temporary, database);
    return rows;
  } catch (err) {
    await closeQuietly(client);
    client = undefined;
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(temporary)} WITH (FORCE)`).catch(() => undefined);
    throw toPgError(err, 'restore');
  }
}

async function openRestoreClient(conn: PgConnection, database: string): Promise<PgClient> {
  const client = await connect(conn, database);
  try {
    await pgCall(() => client.query(`${CANONICAL_SETTINGS}; ${RESTORE_SETTINGS}`));
    return client;
  } catch (err) {
    await closeQuietly(client);
    throw err;
  }
}

const RANK: Record<Section, number> = {
  'pre-data': 0,
  data: 2,
  'post-data': 3,
  acl: 4,
  refresh: 5,
  final: 6,
};

async function restoreInTransaction(client: PgClient, request: RestoreRequest): Promise<number> {
  type Step = { rank: number; order: number; run: () => Promise<void> };
  const steps: Step[] = [];
  let rows = 0;
  const existingSchemas = new Set(
    (await client.query<{ n: string }>('SELECT nspname AS n FROM pg_catalog.pg_namespace')).rows.map(
      (r) => r.n,
    ),
  );
  for (const t of request.tables) {
    const order = Number(t.table.attributes.order ?? 0);
    const kind = t.table.attributes.kind;
    if (kind !== 'lo' && t.table.attributes.extensionConfig !== true)
      steps.push({ rank: 0, order, run: () => exec(client, t.table.createSql, `creating ${t.table.name}`) });
    if (!request.schemaOnly && (kind === 'r' || kind === 'lo'))
      steps.push({
        rank: 1,
        order,
        run: async () => {
          const loaded =
            kind === 'lo' ? await loadLargeObjects(client, t, request) : await loadTable(client, t, request);
          rows += loaded;
        },
      });
  }
  for (const o of request.objects) {
    const { section, order } = objectSection(o.sql);
    if (section === 'refresh' && request.schemaOnly) continue;
    steps.push({ rank: RANK[section], order, run: () => runObject(client, o, existingSchemas, request) });
  }
  // Stable sort: equal (rank, order) keep request order.
  steps.sort((a, b) => a.rank - b.rank || a.order - b.order);
  for (const s of steps) {
    checkAborted(request.signal);
    await s.run();
  }
  return rows;
}

async function exec(client: PgClient, sql: string, what: string): Promise<void> {
  await pgCall(() => client.query(sql), what);
}

const FK_TARGET = /\bREFERENCES\s+((?:"(?:[^"]|"")*"|[^\s."(]+)\.(?:"(?:[^"]|"")*"|[^\s"(]+))\s*\(/;

async function runObject(
  client: PgClient,
  o: SchemaObject,
  existingSchemas: Set<string>,
  request: RestoreRequest,
): Promise<void> {
  if (keepsExistingSchema(o, existingSchemas, request)) return;
  if (o.name.startsWith('FK CONSTRAINT ') && !(await foreignKeyTargetExists(client, o, request))) return;
  // A refresh runs as the view's owner; with row_security off, a policy that applies to that owner would
  // fail the refresh instead of filtering its rows as it did in the source.
  if (objectSection(o.sql).section === 'refresh')
    await exec(client, `SET row_security = on; ${o.sql}; SET row_security = off`, `creating ${o.name}`);
  else await exec(client, o.sql, `creating ${o.name}`);
}

/**
 * Schemas the target already has (public, or one an earlier restore created) are kept as they are; in
 * an existing database that includes their owner (a new database's public takes the source's).
 */
function keepsExistingSchema(
  o: SchemaObject,
  existingSchemas: Set<string>,
  request: RestoreRequest,
): boolean {
  const schema = /^SCHEMA (.+)$/.exec(o.name)?.[1];
  if (schema !== undefined && existingSchemas.has(schema)) return true;
  const owned = /^OWNER SCHEMA (.+)$/.exec(o.name)?.[1];
  return owned !== undefined && existingSchemas.has(owned) && !request.createDatabase;
}

/**
 * Whether a foreign key's referenced table exists in the target: false when it does not and
 * skip_missing_foreign_keys leaves the key out; an error when it does not otherwise.
 */
async function foreignKeyTargetExists(
  client: PgClient,
  o: SchemaObject,
  request: RestoreRequest,
): Promise<boolean> {
  const target = FK_TARGET.exec(o.sql)?.[1];
  if (target === undefined) return true;
  const r = await client.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [
    target,
  ]);
  if (r.rows[0]?.t != null) return true;
  if (request.skipMissingForeignKeys) return false;
  throw new StrongroomError(
    'TARGET_NOT_FOUND',
    `cannot restore ${o.name.slice('FK CONSTRAINT '.length)}: the referenced table ${target} is not restored and does not exist`,
    { hint: 'restore it too, or use WITH skip_missing_foreign_keys' },
  );
}

/** Large objects' pieces go through a temporary table into lo_put (their LARGE OBJECT entries made them). */
async function loadLargeObjects(client: PgClient, t: RestoreTable, request: RestoreRequest): Promise<number> {
  const what = `loading ${t.table.name}`;
  await exec(client, 'CREATE TEMP TABLE strongroom_lo (loid int8, off int8, data bytea)', what);
  const n = await loadTable(client, t, request, false, 'pg_temp.strongroom_lo');
  await exec(
    client,
    'SELECT pg_catalog.lo_put(loid::oid, off, data) FROM pg_temp.strongroom_lo ORDER BY loid, off',
    what,
  );
  await exec(client, 'DROP TABLE pg_temp.strongroom_lo', what);
  return n;
}

async function loadTable(
  client: PgClient,
  t: RestoreTable,
  request: RestoreRequest,
  freeze = false,
  into?: string,
): Promise<number> {
  const columns = JSON.parse(tableAttr(t, 'copyColumns')) as string[];
  const name = into ?? qualified(tableAttr(t, 'schema'), tableAttr(t, 'relname'));
  // Spans of binary tables are COPY BINARY rows without header and trailer (see copy-out.ts).
  const binary = t.table.attributes.copyFormat === 'binary';
  const options = [...(binary ? ['FORMAT binary'] : []), ...(freeze ? ['FREEZE'] : [])];
  const sql = `COPY ${name} (${columns.map(quoteIdent).join(', ')}) FROM STDIN${options.length > 0 ? ` (${options.join(', ')})` : ''}`;
  // Progress: from the manifest's row and byte counts when given (rows in proportion to bytes), else by
  // counting rows in the stream.
  const expected = t.expected !== undefined && t.expected.bytes > 0 ? t.expected : undefined;
  const counter = binary && expected === undefined ? new BinaryRowCounter() : undefined;
  let seenBytes = 0;
  let reported = 0;
  const rowsIn = (buf: Buffer): number => {
    if (expected) {
      seenBytes += buf.length;
      const upTo = Math.min(expected.rows, Math.floor((expected.rows * seenBytes) / expected.bytes));
      const n = upTo - reported;
      reported = upTo;
      return n;
    }
    if (counter) return counter.feed(buf);
    let n = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
    return n;
  };
  async function* counted(): AsyncGenerator<Uint8Array> {
    if (binary) yield BINARY_HEADER;
    // Chunks may come in arena slots (decompressed into reused buffers): copyIn gives them back.
    for await (const chunk of t.data({ slots: true })) {
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      try {
        checkAborted(request.signal);
        request.onRows?.(rowsIn(buf), buf.length);
      } catch (err) {
        // Not passed on, so not copyIn's to give back.
        releaseChunk(chunk);
        throw err;
      }
      yield buf;
    }
    if (expected && reported < expected.rows) request.onRows?.(expected.rows - reported, 0);
    if (binary) yield BINARY_TRAILER;
  }
  try {
    return await copyIn(client, sql, counted());
  } catch (err) {
    throw toLoadError(err, `loading ${t.table.name}`);
  }
}

/** Connections that load tables and build indexes at the same time when restoring into a new database. */
export const LOAD_CONNECTIONS = 2;

/** Post-data that only needs its own table's rows: plain indexes and key/unique/exclusion constraints. */
function tableLocal(o: SchemaObject, loadable: ReadonlyMap<string, RestoreTable>): boolean {
  const plainIndex = o.name.startsWith('INDEX ') && !o.name.startsWith('INDEX ATTACH ');
  if (!(plainIndex || o.name.startsWith('CONSTRAINT '))) return false;
  const t = loadable.get(o.table);
  return t !== undefined && objectSection(o.sql).section === 'post-data';
}

interface ParallelSteps {
  /** Pre-data and data objects and the tables' CREATE statements, in dump order: one transaction, first. */
  readonly early: readonly { rank: number; order: number; run: (c: PgClient) => Promise<void> }[];
  /** Table-local post-data by table name: run as soon as that table's rows are in. */
  readonly local: ReadonlyMap<string, readonly SchemaObject[]>;
  /** The remaining post-data, in dump order, on one connection, last. */
  readonly tail: readonly SchemaObject[];
}

/** Sorts the request's tables and objects into the three phases of a parallel restore. */
function parallelSteps(
  request: RestoreRequest,
  loadable: ReadonlyMap<string, RestoreTable>,
  existingSchemas: Set<string>,
): ParallelSteps {
  const early = request.tables
    .filter((t) => t.table.attributes.kind !== 'lo' && t.table.attributes.extensionConfig !== true)
    .map((t) => ({
      rank: 0,
      order: Number(t.table.attributes.order ?? 0),
      run: (c: PgClient) => exec(c, t.table.createSql, `creating ${t.table.name}`),
    }));
  const local = new Map<string, SchemaObject[]>();
  const tail: { rank: number; order: number; o: SchemaObject }[] = [];
  for (const o of request.objects) {
    const { section, order } = objectSection(o.sql);
    if (section === 'refresh' && request.schemaOnly) continue;
    if (section === 'pre-data' || section === 'data')
      early.push({ rank: RANK[section], order, run: (c) => runObject(c, o, existingSchemas, request) });
    else if (tableLocal(o, loadable)) local.set(o.table, [...(local.get(o.table) ?? []), o]);
    else tail.push({ rank: RANK[section], order, o });
  }
  early.sort((a, b) => a.rank - b.rank || a.order - b.order);
  tail.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return { early, local, tail: tail.map((x) => x.o) };
}

async function restoreParallel(
  conn: PgConnection,
  first: PgClient,
  request: RestoreRequest,
): Promise<number> {
  const existingSchemas = new Set(
    (await first.query<{ n: string }>('SELECT nspname AS n FROM pg_catalog.pg_namespace')).rows.map(
      (r) => r.n,
    ),
  );
  // Only regular tables load rows, and only they get table-local post-data in parallel (a partitioned
  // parent's indexes wait for the sequential tail, after every partition's).
  const loadable = new Map(
    request.tables
      .filter((t) => t.table.attributes.kind === 'r' || t.table.attributes.kind === 'lo')
      .map((t) => [t.table.name, t]),
  );
  const { early, local, tail } = parallelSteps(request, loadable, existingSchemas);

  // 1. Types, tables, sequences... committed, on the first connection; the others connect meanwhile.
  const others = Array.from({ length: LOAD_CONNECTIONS - 1 }, () =>
    openRestoreClient(conn, request.database),
  );
  const clients: PgClient[] = [first];
  try {
    await pgCall(() => first.query('BEGIN'));
    for (const s of early) {
      checkAborted(request.signal);
      await s.run(first);
    }
    await pgCall(() => first.query('COMMIT'), 'committing the schema');
    for (const r of await Promise.allSettled(others)) {
      if (r.status === 'fulfilled') clients.push(r.value);
      else throw r.reason;
    }

    // 2. Rows and table-local post-data, largest tables first, on every connection.
    const rows = await loadTablesAndIndexes(clients, loadable, local, existingSchemas, request);

    // 3. Foreign keys, triggers, attachments, comments, refreshes: in dump order, on one connection.
    for (const o of tail) {
      checkAborted(request.signal);
      await runObject(first, o, existingSchemas, request);
    }
    return rows;
  } finally {
    for (const c of clients.slice(1)) await closeQuietly(c);
    for (const r of await Promise.allSettled(others))
      if (r.status === 'fulfilled' && !clients.includes(r.value)) await closeQuietly(r.value);
  }
}

/**
 * Loads the tables, largest first, on every connection; as soon as a table's rows are in, its table-local
 * post-data is ready for the next free connection (a worker with nothing ready waits for those).
 */
async function loadTablesAndIndexes(
  clients: readonly PgClient[],
  loadable: ReadonlyMap<string, RestoreTable>,
  local: ReadonlyMap<string, readonly SchemaObject[]>,
  existingSchemas: Set<string>,
  request: RestoreRequest,
): Promise<number> {
  const loads: RestoreTable[] = request.schemaOnly
    ? []
    : [...loadable.values()].sort(
        (a, b) =>
          Number(b.table.attributes.estimatedRows ?? 0) - Number(a.table.attributes.estimatedRows ?? 0),
      );
  const objectTask =
    (o: SchemaObject): PoolTask<PgClient> =>
    (c) =>
      runObject(c, o, existingSchemas, request);
  // Tables without rows to load have their indexes ready at once.
  const ready: PoolTask<PgClient>[] = [];
  for (const [table, objs] of local)
    if (!loads.some((t) => t.table.name === table)) ready.push(...objs.map(objectTask));
  let rows = 0;
  const loadTask =
    (t: RestoreTable): PoolTask<PgClient> =>
    async (c) => {
      // Not `rows += await …`: that reads `rows` before the load, losing the other loader's rows.
      const loaded = await loadFrozen(c, t, request);
      rows += loaded;
      ready.push(...(local.get(t.table.name) ?? []).map(objectTask));
    };
  const next = (): PoolTask<PgClient> | undefined => {
    const task = ready.shift() ?? (loads.length > 0 ? loadTask(loads.shift() as RestoreTable) : undefined);
    if (task === undefined) return undefined;
    return (c, signal) => {
      checkAborted(request.signal);
      return task(c, signal);
    };
  };
  await runPool(clients, next);
  return rows;
}

/** Loads one table in its own transaction; truncating it first lets COPY write the rows frozen. */
async function loadFrozen(client: PgClient, t: RestoreTable, request: RestoreRequest): Promise<number> {
  const name = qualified(tableAttr(t, 'schema'), tableAttr(t, 'relname'));
  const lo = t.table.attributes.kind === 'lo';
  // An extension's configuration table holds the rows its extension script wrote: added to, not frozen.
  const added = lo || t.table.attributes.extensionConfig === true;
  await pgCall(
    () => client.query(added ? 'BEGIN' : `BEGIN; TRUNCATE ONLY ${name}`),
    `loading ${t.table.name}`,
  );
  try {
    const n = lo ? await loadLargeObjects(client, t, request) : await loadTable(client, t, request, !added);
    await pgCall(() => client.query('COMMIT'), `loading ${t.table.name}`);
    return n;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
