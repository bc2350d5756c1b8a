// Opens `pg` clients for a connection and database, with the driver's value parsers turned off (every
// value stays the server's exact text) and session settings that make text output canonical.
import pg from 'pg';
import { DirectReadSocket } from './direct-read-socket.js';
import { pgCall } from './errors.js';
import type { PgConnection } from './uri.js';

export type PgClient = pg.Client;

/** Values stay exactly as the server wrote them: no Date (µs), no JSON.parse (duplicate keys), no Buffer. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/**
 * Canonical text output for backups and exact comparison, whatever the server's or the role's defaults:
 * ISO dates, UTC times, PostgreSQL-style intervals, floats that round-trip exactly, hex bytea, UTF-8; and
 * sequential scans that start at the first page (so a span's rows come in the same order every time).
 */
export const CANONICAL_SETTINGS =
  "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; SET IntervalStyle = 'postgres'; " +
  'SET extra_float_digits = 1; SET bytea_output = hex; SET synchronize_seqscans = off; ' +
  "SET client_encoding = 'UTF8'";

export async function connect(conn: PgConnection, database: string): Promise<PgClient> {
  const client = new pg.Client({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database,
    application_name: conn.applicationName,
    types: RAW_TYPES,
    ...(conn.sslmode === undefined || conn.sslmode === 'disable' || conn.sslmode === 'prefer'
      ? { stream: () => new DirectReadSocket() }
      : { ssl: conn.sslmode === 'no-verify' ? { rejectUnauthorized: false } : true }),
  });
  // sslmode=prefer connects without TLS (node-postgres cannot fall back); require verifies nothing more.
  // An idle client whose server goes away emits 'error'; the next query reports it instead.
  client.on('error', () => undefined);
  await pgCall(() => client.connect(), `cannot connect to database "${database}"`);
  return client;
}

export async function closeQuietly(client: PgClient | undefined): Promise<void> {
  await client?.end().catch(() => undefined);
}

/** Quotes an identifier for SQL text (identifiers from users are never spliced in unquoted). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
