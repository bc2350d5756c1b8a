// Maps node:fs errors to catalogue codes: missing → STORAGE_NOT_FOUND, transient resource shortage
// → STORAGE_UNAVAILABLE (retryable), everything else → STORAGE_IO. Messages name the object and the
// redacted storage URI, never a local secret.
import { diskFullError, isDiskFull, StrongroomError } from '@strongroom/errors';

const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ETIMEDOUT', 'EINTR']);

export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function fsError(err: unknown, op: string, path: string, redactedUri: string): StrongroomError {
  if (err instanceof StrongroomError) return err;
  const code = errnoOf(err);
  const where = `${path} in ${redactedUri}`;
  // Writing under a path one of whose parts is a file (BACKUP INTO 'nodelocal://1/dir/readme.txt'):
  // nothing is missing, the URI names a file where a collection directory belongs.
  if (op === 'write' && code === 'ENOTDIR') {
    return new StrongroomError(
      'STORAGE_IO',
      `cannot write ${where}: part of the path is a file, not a directory`,
      { cause: err, hint: 'a collection URI names a directory (new or existing), not a file' },
    );
  }
  if (isDiskFull(err)) return diskFullError(err, `${op} ${where}`);
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
    return new StrongroomError('STORAGE_NOT_FOUND', `object ${where} not found`, { cause: err });
  }
  if (code !== undefined && TRANSIENT.has(code)) {
    return new StrongroomError('STORAGE_UNAVAILABLE', `cannot ${op} ${where}: ${code}`, { cause: err });
  }
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(err));
  return new StrongroomError('STORAGE_IO', `cannot ${op} ${where}: ${why}`, { cause: err });
}

/** The error an aborted operation fails with. */
export function aborted(op: string, path: string, redactedUri: string, reason: unknown): StrongroomError {
  if (reason instanceof StrongroomError) return reason;
  return new StrongroomError('CANCELED', `${op} of ${path} in ${redactedUri} was canceled`, {
    cause: reason,
  });
}
