// `external://name[/subpath]`: a storage or KMS URI by the name of an external connection. The storage and
// KMS registries get an `external` provider that looks the name up in the state store each time a URI is
// opened and opens the stored URI (with the subpath appended) through the same registry; what it returns
// shows `external://name/subpath` as its redacted URI, so messages, job records and SHOW name the
// connection and never what it holds. A KMS keeps the master key id of the key behind it, so
// `external://k` and the key's own URI are interchangeable for decryption (as in CockroachDB).
import { StrongroomError } from '@strongroom/errors';
import type { Kms, KmsContext, KmsProvider, KmsRegistry } from '@strongroom/kms';
import type { ExternalStorage, StorageContext, StorageProvider, StorageRegistry } from '@strongroom/storage';
import type { ConnectionRecord } from '../state/state-store.js';

export const EXTERNAL_SCHEME = 'external';

/** Looks a connection up by name (the state store's `connection`). */
export type ConnectionLookup = (name: string) => Promise<ConnectionRecord | undefined>;

export interface ExternalRef {
  readonly name: string;
  /** '' or a path without leading or trailing '/'. */
  readonly subpath: string;
}

const EXTERNAL_RE = /^external:\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/i;

/** Parses `external://name[/subpath]`; no query parameters (COCKROACH_LOCALITY is stripped before). */
export function parseExternalRef(uri: string): ExternalRef {
  const m = EXTERNAL_RE.exec(uri);
  const bad = (why: string): StrongroomError =>
    new StrongroomError('INVALID_URI', `invalid URI ${JSON.stringify(uri)}: ${why}`);
  if (m === null) throw bad('expected external://<connection name>[/path]');
  if (m[3] !== undefined && m[3] !== '?')
    throw bad('external:// URIs take no parameters: they belong in the connection');
  let name: string;
  try {
    name = decodeURIComponent(m[1]!);
  } catch {
    throw bad('invalid percent-encoding in the connection name');
  }
  if (name === '') throw bad('the connection name is missing');
  const subpath = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { name, subpath };
}

/** `uri` with `subpath` appended to its path, before its query. */
export function appendPath(uri: string, subpath: string): string {
  if (subpath === '') return uri;
  const q = uri.search(/[?#]/);
  const base = q < 0 ? uri : uri.slice(0, q);
  const rest = q < 0 ? '' : uri.slice(q);
  return `${base.replace(/\/+$/, '')}/${subpath}${rest}`;
}

function notFound(name: string): StrongroomError {
  return new StrongroomError(
    'CONNECTION_NOT_FOUND',
    `external connection ${JSON.stringify(name)} does not exist`,
    {
      hint: 'SHOW EXTERNAL CONNECTIONS lists them; CREATE EXTERNAL CONNECTION makes one',
    },
  );
}

/** The stored URI `uri` names, checked to be of the wanted type. */
export async function resolveExternal(
  uri: string,
  lookup: ConnectionLookup,
  want: 'STORAGE' | 'KMS',
): Promise<string> {
  const ref = parseExternalRef(uri);
  const c = await lookup(ref.name);
  if (c === undefined) throw notFound(ref.name);
  if (c.type !== want)
    throw new StrongroomError(
      'INVALID_URI',
      `external connection ${JSON.stringify(ref.name)} is a ${c.type} connection, not a ${want} one`,
    );
  if (want === 'KMS' && ref.subpath !== '')
    throw new StrongroomError('INVALID_URI', `a KMS connection takes no path: ${JSON.stringify(uri)}`);
  return appendPath(c.uri, ref.subpath);
}

function shown(uri: string): string {
  const ref = parseExternalRef(uri);
  return `external://${encodeURIComponent(ref.name)}${ref.subpath === '' ? '' : `/${ref.subpath}`}`;
}

/** The `external` storage provider over `inner` (the registry it is registered in). */
export function externalStorageProvider(
  lookup: ConnectionLookup,
  inner: () => StorageRegistry,
): StorageProvider {
  return {
    schemes: [EXTERNAL_SCHEME],
    secretParams: [],
    validate: (uri) => void parseExternalRef(uri),
    async open(uri: string, ctx: StorageContext): Promise<ExternalStorage> {
      const target = await resolveExternal(uri, lookup, 'STORAGE');
      if (target.toLowerCase().startsWith(`${EXTERNAL_SCHEME}:`))
        throw new StrongroomError('INVALID_URI', 'an external connection cannot name another one');
      const s = await inner().open(target, ctx);
      const out: ExternalStorage = {
        redactedUri: shown(uri),
        write: (p, d, o) => s.write(p, d, o),
        read: (p, o) => s.read(p, o),
        readAll: (p, o) => s.readAll(p, o),
        size: (p, sig) => s.size(p, sig),
        list: (p, o) => s.list(p, o),
        delete: (p, sig) => s.delete(p, sig),
        // `close` and `localFile` are optional in ExternalStorage: present only when the opened store has them.
        ...(s.close ? { close: () => s.close!() } : {}),
        ...(s.localFile ? { localFile: (p: string, sig?: AbortSignal) => s.localFile!(p, sig) } : {}),
      };
      return out;
    },
  };
}

/** The `external` KMS provider over `inner`. */
export function externalKmsProvider(lookup: ConnectionLookup, inner: () => KmsRegistry): KmsProvider {
  return {
    schemes: [EXTERNAL_SCHEME],
    secretParams: [],
    validate: (uri) => void parseExternalRef(uri),
    async open(uri: string, ctx: KmsContext): Promise<Kms> {
      const target = await resolveExternal(uri, lookup, 'KMS');
      if (target.toLowerCase().startsWith(`${EXTERNAL_SCHEME}:`))
        throw new StrongroomError('INVALID_URI', 'an external connection cannot name another one');
      const k = await inner().open(target, ctx);
      return {
        masterKeyId: k.masterKeyId,
        redactedUri: shown(uri),
        encrypt: (p, sig) => k.encrypt(p, sig),
        decrypt: (c, sig) => k.decrypt(c, sig),
        ...(k.close ? { close: () => k.close!() } : {}),
      };
    },
  };
}
