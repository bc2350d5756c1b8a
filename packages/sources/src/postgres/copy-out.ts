// A lean `COPY … TO STDOUT` reader. While the COPY runs it takes the connection's socket from node-postgres
// (as pg-copy-streams does) and copies the CopyData payloads straight into ~512 KiB chunks: no Buffer or
// object per row. The server sends exactly one CopyData message per row (protocol docs, "COPY
// Operations"), so rows are counted by message and every chunk ends on a row boundary. In binary format
// the file header (in the first row's message) and the trailer (a message of its own) are dropped, so a
// span's bytes are its rows only and spans concatenate; the restore adds one header and one trailer.
// On CopyDone or an ErrorResponse the socket goes back to node-postgres, which reads CommandComplete /
// the error and ReadyForQuery as usual.
import { StrongroomError } from '@strongroom/errors';
import { CHUNK_BUFFER_BYTES, takeChunkBuffer } from '../chunk-buffers.js';
import type { SpanChunk } from '../types.js';
import type { PgClient } from './connect.js';

/** Chunks handed to the engine hold about this much (whole rows; a larger row makes a larger chunk). */
export const COPY_CHUNK_BYTES = CHUNK_BUFFER_BYTES;

/** `PGCOPY\n\377\r\n\0`, then flags (int32) and the header-extension length (int32). */
export const BINARY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
export const BINARY_HEADER = Buffer.concat([BINARY_SIGNATURE, Buffer.alloc(8)]);
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

export interface CopyOutFormat {
  readonly binary: boolean;
  /** Fields per row (binary rows are checked against it). */
  readonly columns: number;
}

interface Socket {
  read(): Buffer | null;
  pause(): void;
  resume(): void;
  on(event: 'readable' | 'data', fn: (...args: never[]) => void): void;
  removeListener(event: 'readable' | 'data', fn: (...args: never[]) => void): void;
  listeners(event: 'data'): ((b: Buffer) => void)[];
}
interface PgProtocolConnection {
  readonly stream: Socket;
  query(text: string): void;
}

const MSG_COPY_DATA = 0x64; // d
const MSG_COPY_DONE = 0x63; // c
const MSG_ERROR = 0x45; // E

/** The submittable node-postgres runs: it hands over the socket and reports the end of the command. */
class CopyOutQuery {
  socket: Socket | undefined;
  #pgData: ((b: Buffer) => void) | undefined;
  #wake: (() => void) | undefined;
  error: unknown;
  finished = false;
  readonly #onReadable = (): void => this.wake();

  constructor(readonly text: string) {}

  submit(connection: PgProtocolConnection): void {
    const socket = connection.stream;
    const [handler] = socket.listeners('data');
    if (handler === undefined) throw new Error('node-postgres connection has no data listener');
    this.#pgData = handler;
    socket.removeListener('data', handler);
    socket.pause();
    socket.on('readable', this.#onReadable);
    this.socket = socket;
    connection.query(this.text);
    this.wake();
  }

  /** Gives the socket back to node-postgres, with the bytes after the COPY data. */
  detach(rest: Buffer): void {
    const socket = this.socket;
    const handler = this.#pgData;
    if (socket === undefined || handler === undefined) return;
    this.#pgData = undefined;
    socket.removeListener('readable', this.#onReadable);
    socket.on('data', handler);
    if (rest.length > 0) handler(rest);
    process.nextTick(() => socket.resume());
  }

  wake(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  handleError(err: unknown): void {
    this.error ??= err;
    this.wake();
  }
  handleReadyForQuery(): void {
    this.finished = true;
    this.wake();
  }
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}
  handlePortalSuspended(): void {}
}

/** A chunk over a buffer of its own, which the engine may transfer (not copy) to a worker thread. */
function chunkOf(out: Buffer, size: number, rows: number): SpanChunk {
  return { data: out.subarray(0, size), rows, owned: true };
}

/**
 * Runs `sql` (a COPY … TO STDOUT in `format`) and yields its rows in chunks of whole rows. The consumer
 * drives the reads (backpressure). Returns only once the connection is ready for the next query.
 */
export async function* copyOut(
  client: PgClient,
  sql: string,
  format: CopyOutFormat,
  signal?: AbortSignal,
  chunkBytes = COPY_CHUNK_BYTES,
): AsyncGenerator<SpanChunk> {
  const q = new CopyOutQuery(sql);
  const onAbort = (): void => q.handleError(new StrongroomError('CANCELED', 'canceled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    client.query(q as unknown as Parameters<PgClient['query']>[0]);
    const fresh = (): Buffer =>
      chunkBytes === CHUNK_BUFFER_BYTES ? takeChunkBuffer() : Buffer.allocUnsafeSlow(chunkBytes);
    let out = fresh();
    let pos = 0;
    let rows = 0;
    // The message being read: its code and payload bytes still to come; a split 5-byte header.
    const head = Buffer.alloc(5);
    let headLen = 0;
    let code = 0;
    let remaining = -1;
    let rowStart = 0;
    let first = format.binary;
    let copying = true;
    while (copying) {
      if (q.error !== undefined) throw q.error;
      const buf = q.socket?.read() ?? null;
      if (buf === null) {
        await q.wait();
        continue;
      }
      let i = 0;
      while (i < buf.length) {
        if (remaining < 0 && headLen === 0 && !first) {
          // Fast path: the whole CopyData rows at i are moved together in place (dropping their 5-byte
          // message headers), then copied into the chunk at once.
          const start = i;
          let w = i;
          let n = 0;
          let more = 0;
          while (i + 5 <= buf.length && buf[i] === MSG_COPY_DATA) {
            n = buf.readUInt32BE(i + 1) - 4;
            if (i + 5 + n > buf.length || pos + (w - start) + n > chunkBytes) break;
            if (format.binary) {
              if (n < 2 || buf.readInt16BE(i + 5) !== format.columns) break; // the trailer, or an error below
            } else if (n < 1 || buf[i + 4 + n] !== 0x0a) break;
            buf.copyWithin(w, i + 5, i + 5 + n);
            w += n;
            i += 5 + n;
            more++;
          }
          if (more > 0) {
            buf.copy(out, pos, start, w);
            pos += w - start;
            rows += more;
            if (pos >= chunkBytes) {
              yield chunkOf(out, pos, rows);
              out = fresh();
              pos = 0;
              rows = 0;
            }
            if (i >= buf.length) break;
          }
        }
        if (remaining < 0) {
          // A new message: code and length.
          let msgStart = i;
          if (headLen === 0 && buf.length - i >= 5) {
            code = buf[i] as number;
            remaining = buf.readUInt32BE(i + 1) - 4;
            i += 5;
          } else {
            const n = Math.min(5 - headLen, buf.length - i);
            buf.copy(head, headLen, i, i + n);
            headLen += n;
            i += n;
            if (headLen < 5) break;
            headLen = 0;
            msgStart = -1;
            code = head[0] as number;
            remaining = head.readUInt32BE(1) - 4;
          }
          if (code === MSG_ERROR || code === MSG_COPY_DONE) {
            // node-postgres reads the error or the command's end from here on.
            const from = msgStart >= 0 ? buf.subarray(msgStart) : Buffer.concat([head, buf.subarray(i)]);
            q.detach(from);
            copying = false;
            break;
          }
          if (code === MSG_COPY_DATA) {
            if (pos > 0 && pos + remaining > out.length) {
              yield chunkOf(out, pos, rows);
              out = remaining > chunkBytes ? Buffer.allocUnsafeSlow(remaining) : fresh();
              pos = 0;
              rows = 0;
            } else if (remaining > out.length) out = Buffer.allocUnsafeSlow(remaining);
            rowStart = pos;
          }
        }
        const n = Math.min(remaining, buf.length - i);
        if (code === MSG_COPY_DATA) {
          buf.copy(out, pos, i, i + n);
          pos += n;
        }
        i += n;
        remaining -= n;
        if (remaining > 0) continue;
        remaining = -1;
        if (code !== MSG_COPY_DATA) continue; // CopyOutResponse, notices, parameter status
        if (format.binary) {
          if (first) {
            pos = stripHeader(out, rowStart, pos);
            first = false;
            if (pos === rowStart) continue;
          }
          const fields = out.readInt16BE(rowStart);
          if (fields === -1 && pos - rowStart === 2) {
            pos = rowStart; // the trailer
            continue;
          }
          if (fields !== format.columns || pos - rowStart < 2)
            throw new StrongroomError(
              'SOURCE_ERROR',
              `COPY sent a row of ${fields} fields, not ${format.columns}`,
            );
        } else if (out[pos - 1] !== 0x0a) {
          throw new StrongroomError('SOURCE_ERROR', 'COPY sent a message that is not one whole row');
        }
        rows++;
        if (pos >= chunkBytes) {
          yield chunkOf(out, pos, rows);
          out = fresh();
          pos = 0;
          rows = 0;
        }
      }
    }
    while (!q.finished) {
      if (q.error !== undefined) throw q.error;
      await q.wait();
    }
    if (q.error !== undefined) throw q.error;
    if (pos > 0) yield chunkOf(out, pos, rows);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Removes the binary COPY header at `start` (in place); the new end. */
function stripHeader(out: Buffer, start: number, end: number): number {
  if (end - start < 19 || !out.subarray(start, start + 11).equals(BINARY_SIGNATURE))
    throw new StrongroomError('SOURCE_ERROR', 'COPY BINARY output has no valid header');
  const length = 19 + out.readUInt32BE(start + 15);
  out.copyWithin(start, start + length, end);
  return end - length;
}

/** Counts binary COPY rows across arbitrary chunking (for progress during a restore). */
export class BinaryRowCounter {
  #skip = 0; // bytes to skip before the next structural field
  #need: 'count' | 'length' = 'count';
  #fields = 0; // fields left in the current row
  readonly #part = Buffer.alloc(4);
  #partLen = 0;

  /** Rows that end in `buf`. */
  feed(buf: Uint8Array): number {
    let rows = 0;
    let i = 0;
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    while (i < b.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, b.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      const width = this.#need === 'count' ? 2 : 4;
      let v: number;
      if (this.#partLen === 0 && b.length - i >= width) {
        v = width === 2 ? b.readInt16BE(i) : b.readInt32BE(i);
        i += width;
      } else {
        const n = Math.min(width - this.#partLen, b.length - i);
        b.copy(this.#part, this.#partLen, i, i + n);
        this.#partLen += n;
        i += n;
        if (this.#partLen < width) break;
        this.#partLen = 0;
        v = width === 2 ? this.#part.readInt16BE(0) : this.#part.readInt32BE(0);
      }
      if (this.#need === 'count') {
        if (v <= 0) {
          if (v === 0) rows++;
          continue;
        }
        this.#fields = v;
        this.#need = 'length';
      } else {
        if (v > 0) this.#skip = v;
        if (--this.#fields === 0) {
          this.#need = 'count';
          // The row ends after its last field's bytes, which may lie in a later chunk; count it now.
          rows++;
        }
      }
    }
    return rows;
  }
}

/**
 * Built-in types (fixed OIDs) whose binary send/receive format is stable across server versions and
 * exact: integers, numeric, floats (IEEE bits), text types, bytea, bool, dates and times (int64 µs),
 * uuid, json (its text) and jsonb (version byte + text), and one-dimensional-or-more arrays of these
 * (array binary names the element type by OID, which is fixed for built-ins).
 */
const BINARY_SAFE_TYPES = new Set([
  16, 17, 20, 21, 23, 25, 114, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 1700, 2950, 3802,
  // their array types
  1000, 1001, 1016, 1005, 1007, 1009, 199, 1021, 1022, 1014, 1015, 1182, 1183, 1115, 1185, 1187, 1270, 1231,
  2951, 3807,
]);

/** Whether a table's rows are read and loaded as COPY BINARY (every column of a binary-safe type). */
export function binaryCopyable(typeOids: readonly number[]): boolean {
  return typeOids.length > 0 && typeOids.every((oid) => BINARY_SAFE_TYPES.has(oid));
}
