// Maps what better-sqlite3 throws to StrongroomError: SQLITE_BUSY/LOCKED are retryable unavailability,
// everything else is SOURCE_ERROR with SQLite's message and code (SQLite messages carry no secrets).
import { isStrongroomError, StrongroomError } from '@strongroom/errors';

export function toSourceError(err: unknown): StrongroomError {
  if (isStrongroomError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : undefined;
  if (detail !== undefined && /^SQLITE_(BUSY|LOCKED)/.test(detail)) {
    return new StrongroomError('SOURCE_UNAVAILABLE', message, { cause: err, detail });
  }
  return new StrongroomError(
    'SOURCE_ERROR',
    message,
    detail === undefined ? { cause: err } : { cause: err, detail },
  );
}

/** Runs `fn`, rethrowing anything as a StrongroomError. */
export function sqliteCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toSourceError(err);
  }
}

/** Throws CANCELED when the signal was aborted. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StrongroomError('CANCELED', 'canceled', { cause: signal.reason });
}
