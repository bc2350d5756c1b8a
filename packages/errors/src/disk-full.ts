// A write that failed because the device (or the user's quota) is full: node's ENOSPC and EDQUOT, and
// SQLite's SQLITE_FULL. Each package names what it was writing; this says why it failed, one way everywhere.
import { StrongroomError } from './strongroom-error.js';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && FULL.has(code);
}

/** DISK_FULL for `err` (isDiskFull), saying what could not be written (`what`, e.g. "write x in nodelocal://1/c"). */
export function diskFullError(err: unknown, what: string): StrongroomError {
  const code = String((err as { code?: unknown } | null)?.code);
  return new StrongroomError('DISK_FULL', `cannot ${what}: no space left on the device (${code})`, {
    cause: err,
    hint: 'free space there (or choose another location) and run the statement again: nothing partial was kept',
  });
}
