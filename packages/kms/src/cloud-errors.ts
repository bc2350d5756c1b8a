// Shared by the cloud providers: maps an SDK failure to the catalogue's KMS codes and scrubs every
// secret the provider knows out of the SDK's message, so no credential reaches an error text.
import { StrongroomError } from '@strongroom/errors';

export type KmsFailure = 'unavailable' | 'not-found' | 'disabled' | 'denied' | 'wrong-key' | 'other';

const CODE = {
  unavailable: 'KMS_UNAVAILABLE',
  'not-found': 'KMS_KEY_NOT_FOUND',
  disabled: 'KMS_KEY_DISABLED',
  denied: 'KMS_ACCESS_DENIED',
  'wrong-key': 'WRONG_KEY',
  other: 'KMS_UNAVAILABLE',
} as const;

/** `text` with every secret (and its URI-encoded form) replaced. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    out = out.split(s).join('redacted').split(encodeURIComponent(s)).join('redacted');
  }
  return out;
}

/** The SDK error's own words, scrubbed and shortened. */
export function describeCause(err: unknown, secrets: readonly string[]): string {
  const e = err as { name?: unknown; code?: unknown; message?: unknown };
  const name = typeof e?.name === 'string' && e.name !== 'Error' ? `${e.name}: ` : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return scrub(`${name}${message}`, secrets).slice(0, 300);
}

/**
 * A StrongroomError for a failed KMS call. Unavailable is retryable and says the KMS could not be
 * reached; `other` (an unexpected service error) is reported as unavailable too, as CockroachDB marks
 * every KMS failure KMSInaccessible. The SDK error is kept as `cause` for debugging only after its
 * message was checked not to hold a secret.
 */
export function kmsError(
  kind: KmsFailure,
  action: 'encrypt' | 'decrypt',
  redactedUri: string,
  err: unknown,
  secrets: readonly string[],
): StrongroomError {
  const detail = describeCause(err, secrets);
  const what = `failed to ${action} with KMS ${redactedUri}`;
  const message =
    kind === 'unavailable'
      ? `${what}: the KMS is unreachable (${detail})`
      : kind === 'not-found'
        ? `${what}: the key does not exist (${detail})`
        : kind === 'disabled'
          ? `${what}: the key is disabled or scheduled for deletion (${detail})`
          : kind === 'denied'
            ? `${what}: access denied (${detail})`
            : kind === 'wrong-key'
              ? `${what}: the data key was not encrypted with this key (${detail})`
              : `${what}: ${detail}`;
  const hint =
    kind === 'unavailable' || kind === 'other'
      ? 'check the network path and endpoint of the KMS; the operation can be retried'
      : undefined;
  return new StrongroomError(CODE[kind], message, {
    retryable: kind === 'unavailable' || kind === 'other',
    ...(hint ? { hint } : {}),
  });
}

/** Network-level failures (refused, reset, DNS, timeout) seen through any SDK. */
export function isNetworkError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const x = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    const code = String(x.code ?? '');
    if (
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR_.*)$/.test(
        code,
      )
    )
      return true;
    if (x.name === 'TimeoutError' || x.name === 'AbortError') return true;
    if (typeof x.message === 'string' && /ECONNREFUSED|socket hang up|ECONNRESET/.test(x.message))
      return true;
    if (Array.isArray(x.errors) && x.errors.some(isNetworkError)) return true;
    e = x.cause;
  }
  return false;
}

export function invalidKmsUri(kind: string, redacted: string, why: string, hint?: string): StrongroomError {
  return new StrongroomError('INVALID_URI', `invalid ${kind} KMS URI ${JSON.stringify(redacted)}: ${why}`, {
    ...(hint ? { hint } : {}),
  });
}

/** AUTH: '' or 'specified' → specified; 'implicit'; anything else is an error (CockroachDB compares raw). */
export function parseAuth(
  value: string | undefined,
  kind: string,
  disableImplicit: boolean | undefined,
): 'specified' | 'implicit' {
  const auth = value ?? '';
  if (auth === '' || auth === 'specified') return 'specified';
  if (auth === 'implicit') {
    if (disableImplicit)
      throw new StrongroomError(
        'INVALID_PARAMETER',
        `implicit credentials disallowed for ${kind} due to --external-io-disable-implicit-credentials flag`,
      );
    return 'implicit';
  }
  throw new StrongroomError('INVALID_PARAMETER', `unsupported value ${JSON.stringify(auth)} for AUTH`, {
    hint: 'AUTH must be specified or implicit',
  });
}
