// Restores tables and objects into one PostgreSQL database on one connection and in one transaction:
// name clashes are checked before anything is written, then pre-data (types, functions, tables, in dump
// order), the rows with COPY FROM, sequence values, post-data (constraints, indexes, triggers, foreign
// keys) and materialized-view refreshes. Any failure rolls back, and drops a database this call created.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrongroomError } from '@strongroom/errors';
import { from as copyFrom } from 'pg-copy-streams';
import type { RestoreRequest, RestoreTable, SchemaObject } from '../types.js';
import {
  CANONICAL_SETTINGS,
  closeQuietly,
  connect,
  type PgClient,
  qualified,
  quoteIdent,
} from './connect.js';
import { checkAborted, pgCall, toPgError } from './errors.js';
import { objectSection, type Section } from './schema.js';
import type { PgConnection } from './uri.js';

/** Not yet part of RestoreRequest: the engine passes RESTORE's skip_missing_foreign_keys here. */
export type PgRestoreRequest = RestoreRequest & { readonly skipMissingForeignKeys?: boolean };

const RESTORE_SETTINGS =
  "SELECT pg_catalog.set_config('search_path', '', false); SET check_function_bodies = false; " +
  'SET client_min_messages = warning; SET standard_conforming_strings = on; SET row_security = off';

function tableAttr(t: RestoreTable, name: string): string {
  const v = t.table.attributes[name];
  if (typeof v !== 'string' || v === '')
    throw new StrongroomError('CORRUPTED', `table ${t.table.name}: missing attribute ${name}`);
  return v;
}

export async function restoreDatabase(
  conn: PgConnection,
  admin: PgClient,
  request: PgRestoreRequest,
): Promise<number> {
  const { database } = request;
  if (request.createDatabase) {
    const exists = await admin.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [database]);
    if (exists.rowCount) throw new StrongroomError('TARGET_EXISTS', `database "${database}" already exists`);
    await pgCall(
      () => admin.query(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE template0`),
      'creating the database',
    );
  }
  let client: PgClient | undefined;
  try {
    client = await connect(conn, database);
    await pgCall(() => client!.query(`${CANONICAL_SETTINGS}; ${RESTORE_SETTINGS}`));
    await checkNoClash(client, request);
    await pgCall(() => client!.query('BEGIN'));
    const rows = await restoreInTransaction(client, request);
    await pgCall(() => client!.query('COMMIT'), 'committing the restore');
    return rows;
  } catch (err) {
    await client?.query('ROLLBACK').catch(() => undefined);
    await closeQuietly(client);
    client = undefined;
    if (request.createDatabase)
      await admin
        .query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`)
        .catch(() => undefined);
    throw toPgError(err, 'restore');
  } finally {
    await closeQuietly(client);
  }
}

async function checkNoClash(client: PgClient, request: RestoreRequest): Promise<void> {
  const wanted: [string, string, string][] = request.tables.map((t) => [
    tableAttr(t, 'schema'),
    tableAttr(t, 'relname'),
    `table ${t.table.name}`,
  ]);
  for (const o of request.objects) {
    const m = /^(?:INDEX|VIEW|MATERIALIZED VIEW|SEQUENCE) ([^.]+)\.(.+)$/.exec(o.name);
    if (m && (o.type === 'index' || o.type === 'view' || o.type === 'sequence'))
      wanted.push([m[1] ?? '', m[2] ?? '', o.name.toLowerCase()]);
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

const RANK: Record<Section, number> = { 'pre-data': 0, data: 2, 'post-data': 3, refresh: 4 };

async function restoreInTransaction(client: PgClient, request: PgRestoreRequest): Promise<number> {
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
    steps.push({ rank: 0, order, run: () => exec(client, t.table.createSql, `creating ${t.table.name}`) });
    if (!request.schemaOnly && t.table.attributes.kind === 'r')
      steps.push({
        rank: 1,
        order,
        run: async () => {
          rows += await loadTable(client, t, request);
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
  request: PgRestoreRequest,
): Promise<void> {
  // Schemas the target already has (public, or one an earlier restore created) are kept as they are.
  const schema = /^SCHEMA (.+)$/.exec(o.name)?.[1];
  if (schema !== undefined && existingSchemas.has(schema)) return;
  if (o.name.startsWith('FK CONSTRAINT ')) {
    const target = FK_TARGET.exec(o.sql)?.[1];
    if (target !== undefined) {
      const r = await client.query<{ t: string | null }>('SELECT pg_catalog.to_regclass($1)::text AS t', [
        target,
      ]);
      if (r.rows[0]?.t == null) {
        if (request.skipMissingForeignKeys) return;
        throw new StrongroomError(
          'TARGET_NOT_FOUND',
          `cannot restore ${o.name.slice('FK CONSTRAINT '.length)}: the referenced table ${target} is not restored and does not exist`,
          { hint: 'restore it too, or use WITH skip_missing_foreign_keys' },
        );
      }
    }
  }
  await exec(client, o.sql, `creating ${o.name}`);
}

async function loadTable(client: PgClient, t: RestoreTable, request: RestoreRequest): Promise<number> {
  const columns = JSON.parse(tableAttr(t, 'copyColumns')) as string[];
  const name = qualified(tableAttr(t, 'schema'), tableAttr(t, 'relname'));
  const sql = `COPY ${name} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
  const sink = client.query(copyFrom(sql));
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of t.data()) {
      checkAborted(request.signal);
      const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let n = 0;
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
      request.onRows?.(n, buf.length);
      yield buf;
    }
  }
  try {
    await pipeline(Readable.from(counted()), sink);
  } catch (err) {
    throw toPgError(err, `loading ${t.table.name}`);
  }
  return sink.rowCount;
}
