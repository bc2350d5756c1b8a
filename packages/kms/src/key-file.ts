// Reading and creating `local://` key files: 32 raw bytes, or 64 hex characters with an optional
// trailing newline. Errors name the file and its size, never a byte of its content.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StrongroomError } from '@strongroom/errors';

export const KEY_BYTES = 32;
// Anything bigger than hex + CRLF is not a key file; do not read it into memory.
const MAX_FILE_BYTES = 2 * KEY_BYTES + 2;

/** Reads the 32-byte key held in `path` (absolute). */
export async function readKeyFile(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    const st = await stat(path);
    if (!st.isFile()) {
      throw new StrongroomError('INVALID_PARAMETER', `local KMS key ${path} is not a regular file`);
    }
    if (st.size > MAX_FILE_BYTES) throw badFormat(path, st.size);
    bytes = await readFile(path);
  } catch (err) {
    throw fsError(err, path);
  }
  const key = decodeKey(bytes);
  if (!key) {
    const size = bytes.length;
    bytes.fill(0);
    throw badFormat(path, size);
  }
  return key;
}

/** The key in `bytes`, or undefined when they are in neither format. */
export function decodeKey(bytes: Uint8Array): Buffer | undefined {
  if (bytes.length === KEY_BYTES) return Buffer.from(bytes);
  let text = Buffer.from(bytes).toString('latin1');
  if (text.endsWith('\r\n')) text = text.slice(0, -2);
  else if (text.endsWith('\n')) text = text.slice(0, -1);
  if (!/^[0-9a-fA-F]{64}$/.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}

/**
 * Writes a new random key as 64 hex characters and a newline, readable by the owner only (0600).
 * Never overwrites: returns false, touching nothing, when `path` already exists.
 */
export async function generateKeyFile(path: string): Promise<boolean> {
  const key = randomBytes(KEY_BYTES);
  try {
    // Key directories are private to their owner, like ~/.ssh.
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, `${key.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsError(err, path);
  } finally {
    key.fill(0);
  }
}

function badFormat(path: string, size: number): StrongroomError {
  return new StrongroomError(
    'INVALID_PARAMETER',
    `local KMS key file ${path} must hold exactly 32 raw bytes or 64 hexadecimal characters (it has ${size} bytes)`,
    { hint: 'create one with `strongroom keygen <path>`' },
  );
}

function fsError(err: unknown, path: string): StrongroomError {
  if (err instanceof StrongroomError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new StrongroomError('KMS_KEY_NOT_FOUND', `local KMS key file not found: ${path}`, { cause: err });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new StrongroomError('KMS_ACCESS_DENIED', `permission denied reading local KMS key file ${path}`, {
      cause: err,
    });
  }
  return new StrongroomError(
    'KMS_UNAVAILABLE',
    `cannot read local KMS key file ${path}: ${code ?? 'error'}`,
    {
      cause: err,
    },
  );
}
