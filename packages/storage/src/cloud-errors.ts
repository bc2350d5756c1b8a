// Maps errors of the three cloud SDKs (and of the sockets under them) to catalogue codes: missing →
// STORAGE_NOT_FOUND, a failed create precondition → STORAGE_ALREADY_EXISTS, throttling, 5xx and
// dropped connections → retryable STORAGE_UNAVAILABLE, any other 4xx → STORAGE_IO (never retried).
// Messages say which object and why using only the status and the service's error code, never the
// SDK's free-text message (it may quote request URLs or headers).
import { isStrongroomError, StrongroomError } from '@strongroom/errors';

const NETWORK = new Set([
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

interface ErrorShape {
  $metadata?: { httpStatusCode?: number };
  statusCode?: number;
  status?: number;
  code?: unknown;
  name?: string;
  cause?: unknown;
  errors?: { reason?: string }[];
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

/** The service's or socket's short error code (`NoSuchKey`, `ECONNRESET`, …), if any. */
export function errorCodeOf(err: unknown): string | undefined {
  for (let e = err as ErrorShape | undefined, depth = 0; e && depth < 4; e = e.cause as ErrorShape, depth++) {
    if (typeof e !== 'object') return undefined;
    if (typeof e.code === 'string' && e.code !== '') return e.code;
    const reason = e.errors?.[0]?.reason;
    if (reason) return reason;
    if (e.name && e.name !== 'Error' && e.name !== 'RestError' && e.name !== 'ApiError') return e.name;
  }
  return undefined;
}

/**
 * The StrongroomError for a failed `op` on `path` of the storage at `redactedUri`. `creating`: the
 * request was a conditional create, so a failed precondition means the object exists.
 */
export function cloudError(
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
  const why =
    [status === undefined ? undefined : `HTTP ${status}`, code].filter(Boolean).join(' ') || 'unknown error';
  if (code === 'AbortError' || (err as { name?: string } | null)?.name === 'AbortError') {
    return new StrongroomError('CANCELED', `${op} of ${where} was canceled`, { cause: err });
  }
  if (creating && (status === 412 || status === 409 || (code !== undefined && EXISTS.has(code)))) {
    return new StrongroomError('STORAGE_ALREADY_EXISTS', `object ${where} already exists`, { cause: err });
  }
  if (code !== undefined && NO_BUCKET.has(code)) {
    return new StrongroomError(
      'STORAGE_IO',
      `cannot ${op} ${where}: the bucket or container does not exist (${why})`,
      {
        cause: err,
      },
    );
  }
  if (status === 404 || (code !== undefined && MISSING.has(code))) {
    return new StrongroomError('STORAGE_NOT_FOUND', `object ${where} not found (${why})`, { cause: err });
  }
  const transient =
    status === undefined
      ? code !== undefined && (NETWORK.has(code) || THROTTLED.has(code))
      : status === 408 || status === 429 || status >= 500 || (code !== undefined && THROTTLED.has(code));
  if (transient || (status === undefined && code === undefined)) {
    return new StrongroomError('STORAGE_UNAVAILABLE', `cannot ${op} ${where}: ${why}`, { cause: err });
  }
  const denied = status === 401 || status === 403 ? ' (access denied: check the credentials)' : '';
  return new StrongroomError('STORAGE_IO', `cannot ${op} ${where}: ${why}${denied}`, { cause: err });
}
