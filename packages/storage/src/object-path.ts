// Object names are '/'-separated, relative, and never climb out of the storage root; checking them
// once here keeps every provider from having to think about `..` or absolute paths.
import { StrongroomError } from '@strongroom/errors';

/** Throws INVALID_PARAMETER unless `path` is a relative object name (no '', '.', '..' segments). */
export function checkObjectPath(path: string, what = 'object name'): string {
  const segments = path.split('/');
  const ok =
    path !== '' &&
    !path.includes('\0') &&
    !path.includes('\\') &&
    segments.every((s) => s !== '' && s !== '.' && s !== '..');
  if (!ok) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `invalid ${what} ${JSON.stringify(path)}: expected a relative '/'-separated path without '.' or '..'`,
    );
  }
  return path;
}

/** A listing prefix: '' or an object-path prefix (it may end with '/' or in the middle of a name). */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  checkObjectPath(body, 'listing prefix');
  return prefix;
}

/** Names in S3 order: by UTF-8 bytes, not UTF-16 code units. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Applies a delimiter to a sorted list of names under `prefix`: names with the delimiter after the
 * prefix are rolled up to the prefix up to and including it, each once, keeping the order.
 */
export function* rollUp(
  names: Iterable<string>,
  prefix: string,
  delimiter: string | undefined,
): Generator<string> {
  let last: string | undefined;
  for (const name of names) {
    let out = name;
    if (delimiter) {
      const at = name.indexOf(delimiter, prefix.length);
      if (at >= 0) out = name.slice(0, at + delimiter.length);
    }
    if (out !== last) yield out;
    last = out;
  }
}
