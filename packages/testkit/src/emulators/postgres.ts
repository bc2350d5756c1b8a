// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temp directory, the server on a
// free 127.0.0.1 port (trust auth, fsync off), stopped and removed by stop(). Binaries come from
// $PG_BIN or Debian's /usr/lib/postgresql/<newest>/bin (scripts/setup/postgres.sh installs them).
// As root, the cluster runs as the `postgres` user, since initdb refuses to run as root.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { selfSignedCertificate } from './certificate.js';
import { freePort, outputTail, unavailable } from './launch.js';

export interface PostgresCluster {
  readonly port: number;
  readonly binDir: string;
  readonly dataDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  uri(database?: string): string;
  /** Recent server log lines, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** The directory with initdb and postgres, or undefined when PostgreSQL is not installed. */
export function postgresBinDir(): string | undefined {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'postgres'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function accepts(port: number): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface StartPostgresOptions {
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** TLS on (a throwaway self-signed certificate); clients may still connect without it. */
  readonly tls?: boolean;
}

/** initdb of a cluster in `<dataDir>/data`: trust auth, UTF-8, no fsync. */
function initCluster(binDir: string, dataDir: string, ids: { uid?: number; gid?: number }): void {
  const args = ['-D', join(dataDir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8'];
  try {
    execFileSync(join(binDir, 'initdb'), [...args, '--locale=C.UTF-8', '--no-sync'], {
      ...ids,
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dataDir,
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${(err as Error).message}\n${stderr}`);
  }
}

/** Server settings for TLS with a throwaway self-signed certificate the server (maybe `user`) owns. */
function tlsSettings(
  dataDir: string,
  user: { uid: number; gid: number } | undefined,
): Record<string, string> {
  const cert = selfSignedCertificate(dataDir);
  // The server refuses a key file that others can read, or that it does not own.
  chmodSync(cert.keyFile, 0o600);
  if (user) for (const f of [cert.keyFile, cert.certFile]) chownSync(f, user.uid, user.gid);
  return { ssl: 'on', ssl_cert_file: cert.certFile, ssl_key_file: cert.keyFile };
}

/** Starts a fresh cluster. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const binDir = postgresBinDir();
  if (binDir === undefined) throw new Error('PostgreSQL is not installed (run scripts/setup/postgres.sh)');
  const user = runAs();
  const dataDir = mkdtempSync(join(tmpdir(), 'strongroom-pg-'));
  if (user) chownSync(dataDir, user.uid, user.gid);
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const cleanup = (): void => rmSync(dataDir, { recursive: true, force: true });
  try {
    initCluster(binDir, dataDir, ids);
  } catch (err) {
    cleanup();
    throw err;
  }
  const tls = options.tls ? tlsSettings(dataDir, user) : {};
  const port = await freePort();
  const settings: Record<string, string> = {
    ...tls,
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dataDir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '60',
    ...options.settings,
  };
  const args = [
    '-D',
    join(dataDir, 'data'),
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const child: ChildProcess = spawn(join(binDir, 'postgres'), args, {
    ...ids,
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, note } = outputTail(child);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.once('error', (err) => {
    note(String(err));
  });
  const kill = (): void => {
    if (!exited) child.kill('SIGKILL');
    cleanup();
  };
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', kill);
    if (!exited) {
      child.kill('SIGINT'); // fast shutdown
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(t);
    }
    cleanup();
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`PostgreSQL did not start on port ${port}:\n${output()}`);
    }
    await sleep(100);
  }
  return {
    port,
    binDir,
    dataDir: join(dataDir, 'data'),
    uri: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    output,
    stop,
  };
}

/**
 * A throwaway cluster for a test file, or why there is none (`skip`; with CI=true, `unavailable` throws
 * instead). Setting up the cluster's databases is the caller's: its failures are test failures.
 */
export async function startPostgresForTests(
  options: StartPostgresOptions = {},
): Promise<{ cluster?: PostgresCluster; skip?: string }> {
  if (postgresBinDir() === undefined)
    return { skip: unavailable('PostgreSQL', 'not installed (scripts/setup/postgres.sh)') };
  try {
    return { cluster: await startPostgres(options) };
  } catch (err) {
    return { skip: unavailable('PostgreSQL', (err as Error).message) };
  }
}

/** Runs SQL on a database of the cluster (a fresh connection each time); rows as arrays of text. */
export async function pgQuery(
  cluster: PostgresCluster,
  database: string,
  sql: string,
  params: readonly unknown[] = [],
): Promise<(string | null)[][]> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: cluster.port,
    user: 'postgres',
    database,
    types: { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig,
  });
  // A server that ends the session (a database dropped WITH (FORCE) under a polling test) fails the
  // connect or the query, which the caller sees; the client's own 'error' event must not crash the run.
  client.on('error', () => {});
  await client.connect();
  try {
    const r = await client.query({ text: sql, values: [...params], rowMode: 'array' });
    const last = Array.isArray(r) ? r.at(-1) : r;
    return (last?.rows ?? []) as (string | null)[][];
  } finally {
    await client.end();
  }
}

/**
 * Per-table checksums computed by the server: md5 of every row's text form in sorted order, and the row
 * count, for every table, partition and materialized view outside the system schemas.
 */
export async function tableChecksums(
  cluster: PostgresCluster,
  database: string,
): Promise<Map<string, string>> {
  const rels = await pgQuery(
    cluster,
    database,
    `SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2`,
  );
  const out = new Map<string, string>();
  for (const [schema, name] of rels) {
    const q = `"${String(schema).replaceAll('"', '""')}"."${String(name).replaceAll('"', '""')}"`;
    const [row] = await pgQuery(
      cluster,
      database,
      `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '-') FROM ONLY ${q} t`,
    );
    out.set(`${schema}.${name}`, String(row?.[0]));
  }
  return out;
}

/**
 * `pg_dump --schema-only` of a database, normalised: no comment or blank lines (they carry the database
 * name and version), a fixed \restrict key, and no owner or privilege statements. pg_dump itself orders
 * objects deterministically (by type, then name), so equal schemas give equal text.
 */
export function schemaDump(cluster: PostgresCluster, database: string): string {
  const text = execFileSync(
    join(cluster.binDir, 'pg_dump'),
    [
      '--schema-only',
      '--no-owner',
      '--no-privileges',
      '--restrict-key=strongroom',
      '-h',
      '127.0.0.1',
      '-p',
      String(cluster.port),
      '-U',
      'postgres',
      database,
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('--'))
    .join('\n');
}
