// Maps what `pg` throws to StrongroomError by SQLSTATE class. Server messages name objects, never the
// connection's password; connection failures are retryable unavailability.
import { isStrongroomError, StrongroomError } from '@strongroom/errors';

export function toPgError(err: unknown, context?: string): StrongroomError {
  if (isStrongroomError(err)) return err;
  const e = err as { message?: unknown; code?: unknown; detail?: unknown } | null;
  const message = `${context ? `${context}: ` : ''}${typeof e?.message === 'string' ? e.message : String(err)}`;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code === '3D000')
    return new StrongroomError('DATABASE_NOT_FOUND', message, { cause: err, detail: code });
  if (code === '42P07' || code === '42710' || code === '42P04')
    return new StrongroomError('TARGET_EXISTS', message, { cause: err, detail: code });
  if (code === '57014') return new StrongroomError('CANCELED', message, { cause: err, detail: code });
  if (
    code === undefined
      ? /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection terminated/.test(message)
      : code.startsWith('08') || code === '57P01' || code === '57P03' || code === '53300'
  )
    return new StrongroomError('SOURCE_UNAVAILABLE', message, {
      cause: err,
      detail: code,
    });
  // The server's own SQLSTATE (and position) reach the client unchanged.
  const position = Number((err as { position?: unknown } | null)?.position);
  return new StrongroomError('SOURCE_ERROR', message, {
    cause: err,
    detail: code,
    sqlstate: code,
    ...(Number.isInteger(position) && position > 0
      ? { position: { offset: position - 1, line: 0, column: 0 } }
      : {}),
  });
}

/**
 * A failed COPY FROM STDIN of a restore. Its data is a backup's span stream, never a user's file, so data
 * the server cannot read as COPY (22P04 bad_copy_file_format: cut short, garbled) is a corrupted backup,
 * as the SQLite source reports it; rows the server rejects (constraints, types) stay SOURCE_ERROR.
 */
export function toLoadError(err: unknown, context: string): StrongroomError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === '22P04') {
    const message = `${context}: the backup's data is not valid COPY data (${String((err as Error).message)})`;
    return new StrongroomError('CORRUPTED', message, { cause: err, detail: code });
  }
  return toPgError(err, context);
}

/** Runs `fn`, rethrowing anything as a StrongroomError. */
export async function pgCall<T>(fn: () => Promise<T>, context?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toPgError(err, context);
  }
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StrongroomError('CANCELED', 'canceled', { cause: signal.reason });
}
