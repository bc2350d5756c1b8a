// Strict parsing of a storage, KMS or source URI into scheme, host, decoded path and a consuming
// parameter reader. Anything malformed fails with INVALID_URI and a message that shows the URI only
// redacted, since the unparseable part may well be a secret.
import { StrongroomError } from '@strongroom/errors';
import { redactUri } from './redact-uri.js';
import { decodeComponent, splitQuery, splitUri } from './split-uri.js';
import { UriParams } from './uri-params.js';

export interface ExternalUri {
  /** Lower-cased scheme, e.g. `s3`, `nodelocal`, `local`. */
  readonly scheme: string;
  /** Decoded host, with `:port` if given; '' when absent (`local:///x`). */
  readonly host: string;
  /** Decoded user name of `user:password@`, if any. */
  readonly username: string | undefined;
  /** Decoded password of `user:password@`, if any. A secret: never print it. */
  readonly password: string | undefined;
  /** Decoded path, '' or starting with '/'. */
  readonly path: string;
  /** The query parameters, to be consumed by the provider's parser. */
  readonly params: UriParams;
  /** The whole URI, redacted (with SECRET_URI_PARAMS only), for messages. */
  readonly redacted: string;
}

type Bad = (why: string) => StrongroomError;

/** Parses `uri`; `extraSecretParams` only widen the redaction of the error messages and `redacted`. */
export function parseExternalUri(uri: string, extraSecretParams: readonly string[] = []): ExternalUri {
  const redacted = redactUri(uri, extraSecretParams);
  const bad: Bad = (why) =>
    new StrongroomError('INVALID_URI', `invalid URI ${JSON.stringify(redacted)}: ${why}`);

  if (uri === '') throw bad('empty');
  // Whitespace and control characters are never part of a valid URI; they must be percent-encoded.
  if (/[\u0000-\u0020\u007f]/.test(uri)) throw bad('contains whitespace or control characters');
  const raw = splitUri(uri);
  if (!raw) throw bad('expected scheme://host/path');
  if (raw.fragment !== undefined) throw bad("a '#' must be percent-encoded as %23");
  const path = decodeComponent(raw.path);
  if (path === undefined) throw bad('invalid percent-encoding in path');
  return {
    scheme: raw.scheme.toLowerCase(),
    ...authorityOf(raw.authority, bad),
    path,
    params: new UriParams(queryOf(raw.query ?? '', bad)),
    redacted,
  };
}

/** Host and user info of `[user[:password]@]host[:port]`, decoded; '' host when there is no authority. */
function authorityOf(
  authority: string | undefined,
  bad: Bad,
): Pick<ExternalUri, 'host' | 'username' | 'password'> {
  if (authority === undefined) return { host: '', username: undefined, password: undefined };
  const at = authority.lastIndexOf('@');
  const host = decodeComponent(authority.slice(at + 1));
  if (host === undefined) throw bad('invalid percent-encoding in host');
  if (at < 0) return { host, username: undefined, password: undefined };
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  const username = decodeComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = colon < 0 ? undefined : decodeComponent(userinfo.slice(colon + 1));
  if (username === undefined || (colon >= 0 && password === undefined))
    throw bad('invalid percent-encoding in user info');
  return { host, username, password };
}

/** The decoded `name=value` pairs of a query, each name once. */
function queryOf(query: string, bad: Bad): Map<string, string> {
  const values = new Map<string, string>();
  for (const pair of splitQuery(query)) {
    if (pair.raw === '') continue;
    if (pair.rawValue === undefined) throw bad('query parameters must be written name=value');
    const name = decodeComponent(pair.rawName);
    const value = decodeComponent(pair.rawValue);
    if (name === undefined || value === undefined) throw bad('invalid percent-encoding in query');
    if (name === '') throw bad('empty query parameter name');
    if (values.has(name)) throw bad(`query parameter ${name} is given more than once`);
    values.set(name, value);
  }
  return values;
}
