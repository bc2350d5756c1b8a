// SDK failures → the error catalogue, for the three clouds' storage and KMS clients alike. Storage
// messages use only the HTTP status and the service's short error code (the SDK's free text may quote
// request URLs or headers); KMS messages keep the SDK's words, scrubbed of every secret the provider
// knows, because KMS services explain refusals there.
import { isStrongroomError, StrongroomError } from '@strongroom/errors';

// ─── what an SDK error says ─────────────────────────────────────────────────────────────────────────

interface ErrorShape {
  $metadata?: { httpStatusCode?: number };
  statusCode?: number;
  status?: number;
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** HTTP status of an SDK error, if it carries one. */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as ErrorShape | null;
  if (!e || typeof e !== 'object') return undefined;
  const s =
    e.$metadata?.httpStatusCode ??
    e.statusCode ??
    e.status ??
    (typeof e.code === 'number' ? e.code : undefined);
  return typeof s === 'number' && s >= 100 ? s : undefined;
}

const GENERIC_NAMES = new Set(['Error', 'RestError', 'ApiError']);

/** The short code of one error object: its string `code`, its first `errors[].reason`, or its name. */
function ownCodeOf(e: ErrorShape): string | undefined {
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  const reason = Array.isArray(e.errors)
    ? (e.errors[0] as { reason?: unknown } | undefined)?.reason
    : undefined;
  if (typeof reason === 'string' && reason !== '') return reason;
  if (typeof e.name === 'string' && e.name !== '' && !GENERIC_NAMES.has(e.name)) return e.name;
  return undefined;
}

/** The service's or socket's short error code (`NoSuchKey`, `ECONNRESET`, …), looking through causes. */
export function errorCodeOf(err: unknown): string | undefined {
  let e = err as ErrorShape | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = ownCodeOf(e);
    if (code !== undefined) return code;
    e = e.cause as ErrorShape | undefined;
  }
  return undefined;
}

const NETWORK_CODE =
  /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR_.*|ERR_STREAM_PREMATURE_CLOSE|REQUEST_SEND_ERROR)$/;

/** Whether one error object (not its causes) is a network-level failure. */
function isOwnNetworkError(e: ErrorShape): boolean {
  if (NETWORK_CODE.test(String(e.code ?? ''))) return true;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
  return typeof e.message === 'string' && /ECONNREFUSED|socket hang up|ECONNRESET/.test(e.message);
}

/** Network-level failures (refused, reset, DNS, timeout) seen through any SDK, causes included. */
export function isNetworkError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const x = e as ErrorShape;
    if (isOwnNetworkError(x)) return true;
    if (Array.isArray(x.errors) && x.errors.some(isNetworkError)) return true;
    e = x.cause;
  }
  return false;
}

// ─── secrets ────────────────────────────────────────────────────────────────────────────────────────

/** `text` with every secret (and its URI-encoded form) replaced; values under 4 characters are left. */
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
  const e = err as ErrorShape | null;
  const name = typeof e?.name === 'string' && e.name !== 'Error' ? `${e.name}: ` : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return scrub(`${name}${message}`, secrets).slice(0, 300);
}

// ─── KMS ────────────────────────────────────────────────────────────────────────────────────────────

export type KmsFailure = 'unavailable' | 'not-found' | 'disabled' | 'denied' | 'wrong-key' | 'other';

const KMS_FAILURES = {
  unavailable: { code: 'KMS_UNAVAILABLE', says: 'the KMS is unreachable' },
  'not-found': { code: 'KMS_KEY_NOT_FOUND', says: 'the key does not exist' },
  disabled: { code: 'KMS_KEY_DISABLED', says: 'the key is disabled or scheduled for deletion' },
  denied: { code: 'KMS_ACCESS_DENIED', says: 'access denied' },
  'wrong-key': { code: 'WRONG_KEY', says: 'the data key was not encrypted with this key' },
  // An unexpected service error counts as unavailable: CockroachDB marks every KMS failure KMSInaccessible.
  other: { code: 'KMS_UNAVAILABLE', says: undefined },
} as const;

/**
 * A StrongroomError for a failed KMS call. Unavailable (and `other`) is retryable and says the KMS
 * could not be reached. The SDK's message is kept, scrubbed of `secrets`; the SDK error itself is not
 * attached, as its fields may hold request headers.
 */
export function kmsError(
  kind: KmsFailure,
  action: 'encrypt' | 'decrypt',
  redactedUri: string,
  err: unknown,
  secrets: readonly string[],
): StrongroomError {
  const detail = describeCause(err, secrets);
  const { code, says } = KMS_FAILURES[kind];
  const what = `failed to ${action} with KMS ${redactedUri}`;
  const retryable = code === 'KMS_UNAVAILABLE';
  return new StrongroomError(code, says ? `${what}: ${says} (${detail})` : `${what}: ${detail}`, {
    retryable,
    hint: retryable
      ? 'check the network path and endpoint of the KMS; the operation can be retried'
      : undefined,
  });
}

// ─── storage ────────────────────────────────────────────────────────────────────────────────────────

const STORAGE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'TimeoutError',
  'RequestTimeout',
  'REQUEST_SEND_ERROR',
]);
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestTimeTooSkewed',
  'ServerBusy',
  'OperationTimedOut',
  'InternalError',
  'rateLimitExceeded',
]);
const EXISTS = new Set(['PreconditionFailed', 'BlobAlreadyExists', 'ConditionNotMet', 'conditionNotMet']);
const MISSING = new Set(['NoSuchKey', 'NotFound', 'BlobNotFound']);
const NO_BUCKET = new Set(['NoSuchBucket', 'ContainerNotFound']);

/** Throttling, 5xx, 408/429, dropped connections — and a failure with neither status nor code. */
function isTransient(status: number | undefined, code: string | undefined): boolean {
  if (status === undefined) return code === undefined || STORAGE_NETWORK.has(code) || THROTTLED.has(code);
  return status === 408 || status === 429 || status >= 500 || (code !== undefined && THROTTLED.has(code));
}

type StorageFailure = 'canceled' | 'exists' | 'no-bucket' | 'missing' | 'transient' | 'denied' | 'other';

/** What a storage SDK failure means; `creating`: the request was a conditional create. */
function classifyStorageFailure(
  err: unknown,
  status: number | undefined,
  code: string | undefined,
  creating: boolean,
): StorageFailure {
  const has = (set: ReadonlySet<string>) => code !== undefined && set.has(code);
  if (code === 'AbortError' || (err as { name?: unknown } | null)?.name === 'AbortError') return 'canceled';
  if (creating && (status === 412 || status === 409 || has(EXISTS))) return 'exists';
  if (has(NO_BUCKET)) return 'no-bucket';
  if (status === 404 || has(MISSING)) return 'missing';
  if (isTransient(status, code)) return 'transient';
  return status === 401 || status === 403 ? 'denied' : 'other';
}

/**
 * The StrongroomError for a failed `op` on `path` of the storage at `redactedUri`: missing →
 * STORAGE_NOT_FOUND; a failed create precondition (`creating`) → STORAGE_ALREADY_EXISTS; transient →
 * retryable STORAGE_UNAVAILABLE; any other 4xx → STORAGE_IO, never retried.
 */
export function storageError(
  err: unknown,
  op: string,
  path: string,
  redactedUri: string,
  creating = false,
): StrongroomError {
  if (isStrongroomError(err)) return err as StrongroomError;
  const status = httpStatusOf(err);
  const code = errorCodeOf(err);
  const where = `${path} in ${redactedUri}`;
  const why = [status === undefined ? undefined : `HTTP ${status}`, code].filter(Boolean).join(' ');
  const [catalogueCode, message] = (
    {
      canceled: ['CANCELED', `${op} of ${where} was canceled`],
      exists: ['STORAGE_ALREADY_EXISTS', `object ${where} already exists`],
      'no-bucket': ['STORAGE_IO', `cannot ${op} ${where}: the bucket or container does not exist (${why})`],
      missing: ['STORAGE_NOT_FOUND', `object ${where} not found (${why})`],
      transient: ['STORAGE_UNAVAILABLE', `cannot ${op} ${where}: ${why || 'unknown error'}`],
      denied: ['STORAGE_IO', `cannot ${op} ${where}: ${why} (access denied: check the credentials)`],
      other: ['STORAGE_IO', `cannot ${op} ${where}: ${why}`],
    } as const
  )[classifyStorageFailure(err, status, code, creating)];
  return new StrongroomError(catalogueCode, message, { cause: err });
}
