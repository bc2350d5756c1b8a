// A local object's whole file, read into a buffer the caller reuses: for decoder threads that read the
// files they decode themselves (ExternalStorage.localFile), so the main thread neither reads nor copies
// those bytes. Errors are LocalStorage.read's.
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { StrongroomError } from '@strongroom/errors';
import { fsError } from './fs-errors.js';

/**
 * The bytes of `file` (object `path` of the store `redactedUri`): in `reuse` when it is large enough, else
 * in a buffer of their own (whose whole ArrayBuffer they are, so it can be reused in turn).
 */
export async function readLocalFile(
  file: string,
  path: string,
  redactedUri: string,
  reuse?: Buffer,
): Promise<Buffer> {
  let handle: FileHandle;
  try {
    // The file's real path (localFile): a symbolic link put in its place since is refused (ELOOP).
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw fsError(err, 'read', path, redactedUri);
  }
  try {
    const size = (await handle.stat()).size;
    const buf = reuse !== undefined && reuse.length >= size ? reuse : Buffer.allocUnsafeSlow(size);
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(buf, at, size - at, at);
      if (bytesRead === 0)
        throw new StrongroomError('STORAGE_IO', `object ${path} in ${redactedUri} shrank while being read`);
      at += bytesRead;
    }
    return buf.subarray(0, size);
  } catch (err) {
    throw fsError(err, 'read', path, redactedUri);
  } finally {
    await handle.close().catch(() => {});
  }
}
