// Byte layout of an encrypted file (see FORMAT.md, "Encrypted file format"): header, chunk sizes,
// nonce and associated-data derivation. Pure functions over bytes; no cipher calls live here.
import { StrongroomError } from '@strongroom/errors';
import { corrupted, notEncrypted } from './crypto-errors.js';

/** ASCII `SRENC`: lets a reader tell an encrypted file from a plaintext one. */
export const MAGIC = Buffer.from('SRENC', 'ascii');
export const FORMAT_VERSION = 1;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** magic(5) ‖ version(1) ‖ chunk size BE32(4) ‖ IV(12). */
export const HEADER_BYTES = MAGIC.length + 1 + 4 + IV_BYTES;
export const MIN_CHUNK_SIZE = 64 * 1024;
export const MAX_CHUNK_SIZE = 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
/** Domain separation: these bytes start every chunk's associated data. */
export const CHUNK_AAD_DOMAIN = Buffer.from('strongroom-file-v1\0', 'ascii');

export interface FileHeader {
  readonly chunkSize: number;
  readonly iv: Buffer;
  /** The exact header bytes, bound into every chunk's associated data. */
  readonly bytes: Buffer;
}

/** Allowed chunk sizes are the powers of two from 64 KiB to 1 MiB. */
export function isValidChunkSize(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_CHUNK_SIZE && n <= MAX_CHUNK_SIZE && (n & (n - 1)) === 0;
}

export function assertChunkSize(n: number): void {
  if (!isValidChunkSize(n)) {
    throw new StrongroomError(
      'INVALID_PARAMETER',
      `encryption chunk size ${n} is invalid: use a power of two from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}`,
    );
  }
}

export function encodeHeader(chunkSize: number, iv: Uint8Array): Buffer {
  assertChunkSize(chunkSize);
  if (iv.length !== IV_BYTES) throw new StrongroomError('INTERNAL', `IV must be ${IV_BYTES} bytes`);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[MAGIC.length] = FORMAT_VERSION;
  header.writeUInt32BE(chunkSize, MAGIC.length + 1);
  header.set(iv, MAGIC.length + 5);
  return header;
}

/** True when `bytes` starts with the magic; says nothing about integrity. */
export function appearsEncrypted(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.equals(bytes.subarray(0, MAGIC.length));
}

/**
 * Checks the first `available` bytes against the magic so a plaintext file is reported as
 * NOT_ENCRYPTED as soon as its first bytes arrive, before the rest of the header.
 */
export function checkMagicPrefix(bytes: Uint8Array, available: number, path: string): void {
  const n = Math.min(available, MAGIC.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== MAGIC[i]) throw notEncrypted(path);
}

/** Parses a complete header; NOT_ENCRYPTED without the magic, CORRUPTED for any bad field. */
export function decodeHeader(bytes: Uint8Array, path: string): FileHeader {
  checkMagicPrefix(bytes, bytes.length, path);
  if (bytes.length < HEADER_BYTES) throw corrupted(path, 'header');
  const header = Buffer.from(bytes.subarray(0, HEADER_BYTES));
  const version = header[MAGIC.length]!;
  if (version !== FORMAT_VERSION) {
    throw new StrongroomError('CORRUPTED', `file ${path} has unknown encryption format version ${version}`, {
      hint: 'the file is damaged or was written by a newer strongroom',
    });
  }
  const chunkSize = header.readUInt32BE(MAGIC.length + 1);
  if (!isValidChunkSize(chunkSize)) throw corrupted(path, 'header');
  return { chunkSize, iv: header.subarray(MAGIC.length + 5), bytes: header };
}

/** Total encrypted size of a plaintext of `plaintextBytes` bytes. */
export function encryptedSize(plaintextBytes: number, chunkSize = DEFAULT_CHUNK_SIZE): number {
  assertChunkSize(chunkSize);
  if (!Number.isSafeInteger(plaintextBytes) || plaintextBytes < 0) {
    throw new StrongroomError('INTERNAL', `invalid plaintext size ${plaintextBytes}`);
  }
  // Every chunk carries a tag; the final chunk is always shorter than chunkSize, possibly empty.
  return HEADER_BYTES + plaintextBytes + TAG_BYTES * (Math.floor(plaintextBytes / chunkSize) + 1);
}

/**
 * Plaintext size of a well-formed encrypted file of `encryptedBytes` bytes, or undefined when no
 * well-formed file has that size (the chunk size comes from the file's header).
 */
export function plaintextSize(encryptedBytes: number, chunkSize: number): number | undefined {
  const body = encryptedBytes - HEADER_BYTES;
  const stride = chunkSize + TAG_BYTES;
  if (!isValidChunkSize(chunkSize) || body < TAG_BYTES) return undefined;
  const full = Math.floor(body / stride);
  const last = body - full * stride;
  if (last < TAG_BYTES) return undefined;
  return full * chunkSize + last - TAG_BYTES;
}
