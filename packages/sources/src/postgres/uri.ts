// Parses `postgres://user:password@host:port/dbname?sslmode=…` (also `postgresql://`) into connection
// settings, strictly: unknown parameters are rejected. The password is the one secret; it never appears
// in redactedUri, errors or logs, and reaches pg_dump through the environment, never its arguments.
import { StrongroomError } from '@strongroom/errors';

export interface PgConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  /** The database the URI names (the session's database). */
  readonly database: string;
  readonly sslmode: 'disable' | 'prefer' | 'require' | 'no-verify' | undefined;
  readonly applicationName: string;
}

const SSL_MODES = new Set(['disable', 'prefer', 'require', 'no-verify']);
const PARAMS = new Set(['sslmode', 'application_name']);

export function parsePostgresUri(uri: string): PgConnection {
  const url = parseUrl(uri);
  const sslmode = checkParams(url);
  const user = decodeURIComponent(url.username) || 'postgres';
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (path.includes('/')) throw new StrongroomError('INVALID_URI', 'a postgres URI names one database');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  return {
    host,
    port: url.port === '' ? 5432 : Number(url.port),
    user,
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    database: path || user,
    sslmode: sslmode as PgConnection['sslmode'],
    applicationName: url.searchParams.get('application_name') ?? 'strongroom',
  };
}

function parseUrl(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (err) {
    throw new StrongroomError('INVALID_URI', `invalid postgres URI: ${redactPostgresUri(uri)}`, {
      cause: err,
    });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new StrongroomError('INVALID_URI', `not a postgres URI: ${url.protocol}`);
  return url;
}

/** Refuses unknown parameters and sslmode values; the sslmode given. */
function checkParams(url: URL): string | undefined {
  for (const key of url.searchParams.keys())
    if (!PARAMS.has(key))
      throw new StrongroomError('UNKNOWN_URI_PARAMETER', `unknown postgres URI parameter: ${key}`, {
        hint: `supported: ${[...PARAMS].join(', ')}`,
      });
  const sslmode = url.searchParams.get('sslmode') ?? undefined;
  if (sslmode !== undefined && !SSL_MODES.has(sslmode))
    throw new StrongroomError('INVALID_URI', `invalid sslmode: ${sslmode}`, {
      hint: `one of ${[...SSL_MODES].join(', ')}`,
    });
  return sslmode;
}

/** The URI with its password replaced by `*****` (also for URIs that do not parse). */
export function redactPostgresUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:*****@');
}
