// Parsing steps the three cloud URI parsers share: the bucket/container host, AUTH, and the
// refusal of implicit credentials when the context disables them.
import { StrongroomError } from '@strongroom/errors';
import type { ExternalUri } from '@strongroom/uri';

export type AuthMode = 'specified' | 'implicit';

export function invalidUri(u: ExternalUri, why: string, hint?: string): StrongroomError {
  return new StrongroomError('INVALID_URI', `invalid ${u.scheme} URI ${JSON.stringify(u.redacted)}: ${why}`, {
    ...(hint ? { hint } : {}),
  });
}

/** The host as a bucket/container name: `empty host component; <kind> URI must specify a target <what>`. */
export function bucketOf(u: ExternalUri, kind: string, what: string): string {
  if (u.username !== undefined) throw invalidUri(u, 'user info is not allowed');
  if (u.host === '') {
    throw new StrongroomError(
      'INVALID_URI',
      `empty host component; ${kind} URI must specify a target ${what}`,
    );
  }
  return u.host;
}

/** Consumes AUTH: '' or `specified` (default) or `implicit` (compared as written, like CockroachDB). */
export function consumeAuth(u: ExternalUri, kind: string, disableImplicit: boolean | undefined): AuthMode {
  const auth = u.params.consume('AUTH') ?? '';
  if (auth === '' || auth === 'specified') return 'specified';
  if (auth === 'implicit') {
    if (disableImplicit) {
      throw new StrongroomError(
        'INVALID_PARAMETER',
        `implicit credentials disallowed for ${kind} due to --external-io-disable-implicit-credentials flag`,
      );
    }
    return 'implicit';
  }
  throw new StrongroomError('INVALID_PARAMETER', `unsupported value ${auth} for AUTH`, {
    hint: 'AUTH is "specified" (the default) or "implicit"',
  });
}

/** `name is set to 'specified', but X is not set` — CockroachDB's text for missing explicit credentials. */
export function missingCredential(name: string): StrongroomError {
  return new StrongroomError('MISSING_PARAMETER', `AUTH is set to 'specified', but ${name} is not set`);
}

/** An `http(s)://host[:port][/path]` endpoint parameter; `https://` is prepended when no scheme is given. */
export function endpointUrl(u: ExternalUri, param: string, value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidUri(u, `${param} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidUri(u, `${param} must be http(s)`);
  return withScheme.replace(/\/+$/, '');
}
