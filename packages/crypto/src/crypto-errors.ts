// The errors an encrypted file can raise. Messages name the collection-relative path (never a key)
// so "which file is damaged" reaches the user; "wrong key" is raised by key unwrapping, not here.
import { StrongroomError } from '@strongroom/errors';

export function notEncrypted(path: string): StrongroomError {
  return new StrongroomError('NOT_ENCRYPTED', `file ${path} does not appear to be encrypted`);
}

/** `where` is `header` or `chunk N`. */
export function corrupted(path: string, where: string, cause?: unknown): StrongroomError {
  return new StrongroomError('CORRUPTED', `file ${path} is corrupted or has been tampered with (${where})`, {
    cause,
  });
}
