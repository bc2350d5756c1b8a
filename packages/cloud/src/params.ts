// The URI parameters every cloud shares, parsed one way for storage and KMS alike (CockroachDB's
// pkg/cloud does the same for its providers): AUTH, the refusal of implicit credentials, explicit
// credentials that must be complete, endpoints, and ASSUME_ROLE chains.
import { StrongroomError } from '@strongroom/errors';
import type { ExternalUri } from '@strongroom/uri';

export type AuthMode = 'specified' | 'implicit';

/** What parsing needs from the caller's environment (KmsContext and StorageContext both fit). */
export interface CloudContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Forbid AUTH=implicit (CockroachDB's --external-io-disable-implicit-credentials). */
  readonly disableImplicitCredentials?: boolean;
  /**
   * Validation (`strongroom check`, a provider's validate): the URI's form only. What the environment must
   * provide when the URI is used (GOOGLE_APPLICATION_CREDENTIALS for AUTH=implicit) is not required here:
   * a statement file may be checked on another machine than the one that runs it.
   */
  readonly syntaxOnly?: boolean;
}

/** INVALID_URI naming the URI (redacted) and what is wrong with it. */
export function invalidUri(u: ExternalUri, why: string, hint?: string): StrongroomError {
  return new StrongroomError('INVALID_URI', `invalid ${u.scheme} URI ${JSON.stringify(u.redacted)}: ${why}`, {
    hint,
  });
}

/**
 * Consumes AUTH: '' or `specified` (the default) or `implicit`, compared as written like CockroachDB.
 * `kind` names the provider in the refusal of implicit credentials.
 */
export function consumeAuth(u: ExternalUri, kind: string, ctx: CloudContext): AuthMode {
  const auth = u.params.consume('AUTH') ?? '';
  if (auth === '' || auth === 'specified') return 'specified';
  if (auth !== 'implicit') {
    throw new StrongroomError('INVALID_PARAMETER', `unsupported value ${JSON.stringify(auth)} for AUTH`, {
      hint: 'AUTH is "specified" (the default) or "implicit"',
    });
  }
  if (ctx.disableImplicitCredentials) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `implicit credentials disallowed for ${kind} due to --external-io-disable-implicit-credentials flag`,
    );
  }
  return 'implicit';
}

/** CockroachDB's text for explicit credentials left out: `AUTH is set to 'specified', but X is not set`. */
export function missingCredential(name: string): StrongroomError {
  return new StrongroomError('MISSING_PARAMETER', `AUTH is set to 'specified', but ${name} is not set`);
}

/**
 * AUTH=implicit with explicit credentials too is refused rather than silently ignoring them: whoever
 * wrote both believes the explicit ones are used.
 */
export function refuseExplicitWithImplicit(given: Readonly<Record<string, unknown>>): void {
  const names = Object.keys(given).filter((name) => given[name] !== undefined);
  if (names.length === 0) return;
  throw new StrongroomError('INVALID_PARAMETER', `AUTH=implicit does not take ${names.join(', ')}`, {
    hint: 'remove the explicit credentials, or drop AUTH=implicit to use them',
  });
}

/**
 * Consumes an `http(s)://host[:port][/path]` endpoint parameter; `https://` is prepended when no
 * scheme is given, a trailing '/' is dropped. Undefined when absent or empty.
 */
export function consumeEndpoint(u: ExternalUri, param: string): string | undefined {
  const value = u.params.consume(param);
  if (!value) return undefined;
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

/**
 * The elements of an ASSUME_ROLE chain, delegates first and the role finally assumed last
 * (CockroachDB's role chaining). Absent or '' is no chain; an empty element (`a,,b`, `a,`) is an error,
 * as a chain with a hole is a typo, never a shorter chain.
 */
export function splitRoleChain(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const roles = value.split(',').map((r) => r.trim());
  if (roles.some((r) => r === '')) {
    throw new StrongroomError('INVALID_PARAMETER', 'ASSUME_ROLE has an empty role in its chain', {
      hint: 'roles are separated by single commas, the delegates first and the role assumed last',
    });
  }
  return roles;
}

/** The value of a base64 JSON object parameter (a key file); the value is never echoed. */
export function decodeJsonObject(param: string, base64: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    json = undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `decoding value of ${param}: not the base64 encoding of a JSON key file`,
    );
  }
  return json as Record<string, unknown>;
}
