// A lean `COPY … TO STDOUT` reader. While the COPY runs it takes the connection's reads from node-postgres
// (as pg-copy-streams does) and copies the CopyData payloads straight into 1 MiB chunks (slots of the
// shared chunk arena): no Buffer or object per row, and, on a DirectReadSocket, none per read either. The server sends exactly one CopyData message per row (protocol docs, "COPY
// Operations"), so rows are counted by message and every chunk ends on a row boundary. In binary format
// the file header (in the first row's message) and the trailer (a message of its own) are dropped, so a
// span's bytes are its rows only and spans concatenate; the restore adds one header and one trailer.
// On CopyDone or an ErrorResponse the socket goes back to node-postgres, which reads CommandComplete /
// the error and ReadyForQuery as usual.
import { StrongroomError } from '@strongroom/errors';
import { CHUNK_BUFFER_BYTES, releaseChunk, takeChunkBuffer } from '../chunk-buffers.js';
import type { SpanChunk } from '../types.js';
import type { PgClient } from './connect.js';
import { DirectReadSocket } from './direct-read-socket.js';
import { Submittable } from './submittable.js';

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
  pause(): void;
  resume(): void;
  on(event: 'data', fn: (b: Buffer) => void): void;
  removeListener(event: 'data', fn: (b: Buffer) => void): void;
  listeners(event: 'data'): ((b: Buffer) => void)[];
}
interface PgProtocolConnection {
  readonly stream: Socket;
  query(text: string): void;
}

const MSG_COPY_DATA = 0x64; // d
const MSG_COPY_DONE = 0x63; // c
const MSG_ERROR = 0x45; // E

/** Chunks parsed but not yet taken by the consumer, at most, before the socket is paused. */
const READY_CHUNKS = 2;

/**
 * The COPY data of one command, parsed as the bytes arrive: CopyData payloads are copied into chunks of
 * whole rows (`ready`), until CopyDone or an ErrorResponse, whose bytes onwards (`rest`) belong to
 * node-postgres. `feed` never keeps a reference to its buffer, which may be reused after it returns.
 */
class CopyOutParser {
  readonly ready: SpanChunk[] = [];
  /** Set once the COPY data has ended: the bytes from the ending message on. */
  rest: Buffer | undefined;
  error: unknown;
  #out: Buffer;
  #pos = 0;
  #rows = 0;
  // The message being read: its code and payload bytes still to come; a split 5-byte header.
  readonly #head = Buffer.alloc(5);
  #headLen = 0;
  #code = 0;
  #remaining = -1;
  #rowStart = 0;
  #first: boolean;

  constructor(
    private readonly format: CopyOutFormat,
    private readonly chunkBytes: number,
  ) {
    this.#first = format.binary;
    this.#out = this.#fresh();
  }

  #fresh(): Buffer {
    return this.chunkBytes === CHUNK_BUFFER_BYTES
      ? takeChunkBuffer()
      : Buffer.allocUnsafeSlow(this.chunkBytes);
  }

  /** Hands the chunk being filled to `ready`. */
  #handOut(): void {
    this.ready.push({ data: this.#out.subarray(0, this.#pos), rows: this.#rows, owned: true });
    this.#pos = 0;
    this.#rows = 0;
  }

  /** Hands the chunk being filled to `ready`; the next one is a fresh buffer of at least `need` bytes. */
  #emit(need = 0): void {
    this.#handOut();
    this.#out = need > this.chunkBytes ? Buffer.allocUnsafeSlow(need) : this.#fresh();
  }

  /** The rows still in the chunk being filled, once the COPY has ended (no next buffer is taken). */
  finish(): void {
    if (this.#pos === 0) return;
    this.#handOut();
    this.#out = Buffer.alloc(0);
  }

  /** Gives back the arena slots of every chunk never handed out. */
  release(): void {
    for (const c of this.ready.splice(0)) releaseChunk(c.data);
    releaseChunk(this.#out);
    this.#out = Buffer.alloc(0);
  }

  feed(buf: Buffer): void {
    if (this.rest !== undefined || this.error !== undefined) return;
    try {
      this.#feed(buf);
    } catch (err) {
      this.error = err;
    }
  }

  #feed(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      if (this.#remaining < 0 && this.#headLen === 0 && !this.#first) {
        i = this.#copyWholeRows(buf, i);
        if (i >= buf.length) break;
      }
      if (this.#remaining < 0) {
        i = this.#readMessageHead(buf, i);
        if (i < 0) return;
      }
      i = this.#readPayload(buf, i);
    }
  }

  /** The current message's payload bytes at `i` (CopyData's into the chunk; others skipped); the new `i`. */
  #readPayload(buf: Buffer, i: number): number {
    const n = Math.min(this.#remaining, buf.length - i);
    if (this.#code === MSG_COPY_DATA) {
      buf.copy(this.#out, this.#pos, i, i + n);
      this.#pos += n;
    }
    this.#remaining -= n;
    if (this.#remaining > 0) return i + n;
    this.#remaining = -1;
    // Other messages (CopyOutResponse, notices, parameter status) are skipped.
    if (this.#code === MSG_COPY_DATA) this.#endRow();
    return i + n;
  }

  /**
   * The fast path, at a message boundary: the whole CopyData rows at `i` are moved together in place
   * (dropping their 5-byte message headers), then copied into the chunk at once. Returns where it stopped:
   * at a row split across reads, a row that does not fit the chunk, or another message.
   */
  #copyWholeRows(buf: Buffer, i: number): number {
    const { binary, columns } = this.format;
    const start = i;
    let at = i;
    let w = i;
    let more = 0;
    const room = this.chunkBytes - this.#pos;
    while (at + 5 <= buf.length && buf[at] === MSG_COPY_DATA) {
      const n = buf.readUInt32BE(at + 1) - 4;
      if (at + 5 + n > buf.length || w - start + n > room) break;
      // Not a plain row (binary: the trailer, or a row the slow path reports): left to the slow path.
      const plain = binary
        ? n >= 2 && buf.readInt16BE(at + 5) === columns
        : n >= 1 && buf[at + 4 + n] === 0x0a;
      if (!plain) break;
      buf.copyWithin(w, at + 5, at + 5 + n);
      w += n;
      at += 5 + n;
      more++;
    }
    if (more === 0) return i;
    buf.copy(this.#out, this.#pos, start, w);
    this.#pos += w - start;
    this.#rows += more;
    if (this.#pos >= this.chunkBytes) this.#emit();
    return at;
  }

  /**
   * A new message's code and length at `i` (or completing a header split across reads); where its payload
   * starts, or -1 when the header is still incomplete or the COPY data has ended (then `rest` is set).
   */
  #readMessageHead(buf: Buffer, i: number): number {
    // Where the message starts in `buf`, or -1 when its header began in an earlier read (in #head).
    let msgStart = i;
    let next: number;
    if (this.#headLen === 0 && buf.length - i >= 5) {
      this.#code = buf[i] as number;
      this.#remaining = buf.readUInt32BE(i + 1) - 4;
      next = i + 5;
    } else {
      const n = Math.min(5 - this.#headLen, buf.length - i);
      buf.copy(this.#head, this.#headLen, i, i + n);
      this.#headLen += n;
      if (this.#headLen < 5) return -1;
      this.#headLen = 0;
      this.#code = this.#head[0] as number;
      this.#remaining = this.#head.readUInt32BE(1) - 4;
      msgStart = -1;
      next = i + n;
    }
    if (this.#code === MSG_ERROR || this.#code === MSG_COPY_DONE) {
      // node-postgres reads the error or the command's end from here on (a copy: `buf` may be reused).
      this.rest = Buffer.concat(msgStart >= 0 ? [buf.subarray(msgStart)] : [this.#head, buf.subarray(next)]);
      return -1;
    }
    if (this.#code === MSG_COPY_DATA) this.#startRow();
    return next;
  }

  /** Room in the chunk for a row of `#remaining` bytes: a fresh chunk when it does not fit, or a larger one. */
  #startRow(): void {
    if (this.#pos > 0 && this.#pos + this.#remaining > this.#out.length) this.#emit(this.#remaining);
    else if (this.#remaining > this.#out.length) {
      releaseChunk(this.#out);
      this.#out = Buffer.allocUnsafeSlow(this.#remaining);
    }
    this.#rowStart = this.#pos;
  }

  /** A CopyData message is complete: checked as one whole row (the binary header and trailer dropped). */
  #endRow(): void {
    const out = this.#out;
    const rowStart = this.#rowStart;
    if (this.format.binary) {
      if (this.#first) {
        this.#pos = stripHeader(out, rowStart, this.#pos);
        this.#first = false;
        if (this.#pos === rowStart) return;
      }
      const fields = out.readInt16BE(rowStart);
      if (fields === -1 && this.#pos - rowStart === 2) {
        this.#pos = rowStart; // the trailer
        return;
      }
      if (fields !== this.format.columns || this.#pos - rowStart < 2)
        throw new StrongroomError(
          'SOURCE_ERROR',
          `COPY sent a row of ${fields} fields, not ${this.format.columns}`,
        );
    } else if (out[this.#pos - 1] !== 0x0a) {
      throw new StrongroomError('SOURCE_ERROR', 'COPY sent a message that is not one whole row');
    }
    this.#rows++;
    if (this.#pos >= this.chunkBytes) this.#emit();
  }
}

/**
 * The submittable node-postgres runs: while the COPY data flows it takes the socket's reads (a
 * DirectReadSocket's reused read buffer, else the socket's 'data' events instead of the driver's parser),
 * pausing the socket while READY_CHUNKS chunks wait; then it gives the socket back, and node-postgres
 * reports the end of the command.
 */
class CopyOutQuery extends Submittable {
  #socket: Socket | undefined;
  #pgData: ((b: Buffer) => void) | undefined;
  #paused = false;

  constructor(
    readonly text: string,
    private readonly parser: CopyOutParser,
  ) {
    super();
  }

  /** Takes one read; whether the socket may go on reading. */
  readonly #onData = (buf: Buffer): boolean => {
    const parser = this.parser;
    parser.feed(buf);
    if (parser.rest !== undefined) this.#detach(parser.rest);
    const more = parser.error === undefined && parser.ready.length < READY_CHUNKS;
    if (parser.ready.length > 0 || parser.rest !== undefined || parser.error !== undefined) this.wake();
    if (!more && this.#pgData !== undefined) this.#paused = true;
    return more || this.#pgData === undefined;
  };

  readonly #onEvent = (buf: Buffer): void => {
    if (!this.#onData(buf)) this.#socket?.pause();
  };

  submit(connection: PgProtocolConnection): void {
    const socket = connection.stream;
    const [handler] = socket.listeners('data');
    if (handler === undefined) throw new Error('node-postgres connection has no data listener');
    this.#pgData = handler;
    this.#socket = socket;
    if (socket instanceof DirectReadSocket) socket.divert(this.#onData);
    else {
      socket.removeListener('data', handler);
      socket.on('data', this.#onEvent);
    }
    connection.query(this.text);
  }

  /** The consumer took the ready chunks: reading goes on. */
  resume(): void {
    if (!this.#paused || this.#pgData === undefined) return;
    this.#paused = false;
    this.#socket?.resume();
  }

  /** Gives the socket back to node-postgres, with the bytes after the COPY data. */
  #detach(rest: Buffer): void {
    const socket = this.#socket;
    const handler = this.#pgData;
    if (socket === undefined || handler === undefined) return;
    this.#pgData = undefined;
    if (socket instanceof DirectReadSocket) socket.divert(undefined);
    else {
      socket.removeListener('data', this.#onEvent);
      socket.on('data', handler);
    }
    if (rest.length > 0) handler(rest);
    if (this.#paused) {
      this.#paused = false;
      process.nextTick(() => socket.resume());
    }
  }
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
  const parser = new CopyOutParser(format, chunkBytes);
  const q = new CopyOutQuery(sql, parser);
  const onAbort = (): void => q.handleError(new StrongroomError('CANCELED', 'canceled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    client.query(q as unknown as Parameters<PgClient['query']>[0]);
    for (;;) {
      if (q.error !== undefined) throw q.error;
      if (parser.error !== undefined) throw parser.error;
      const chunk = parser.ready.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (parser.rest !== undefined) break;
      q.resume();
      await q.wait();
    }
    while (!q.finished) {
      if (q.error !== undefined) throw q.error;
      await q.wait();
    }
    if (q.error !== undefined) throw q.error;
    parser.finish();
    yield* parser.ready.splice(0);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    parser.release();
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
  #value = 0; // the count or length last read

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
      i = this.#readField(b, i);
      if (i < 0) break;
      if (this.#fieldEnds()) rows++;
    }
    return rows;
  }

  /** The int16 field count or int32 field length at `i` (or completing one split across chunks) into #value. */
  #readField(b: Buffer, i: number): number {
    const width = this.#need === 'count' ? 2 : 4;
    if (this.#partLen === 0 && b.length - i >= width) {
      this.#value = width === 2 ? b.readInt16BE(i) : b.readInt32BE(i);
      return i + width;
    }
    const n = Math.min(width - this.#partLen, b.length - i);
    b.copy(this.#part, this.#partLen, i, i + n);
    this.#partLen += n;
    if (this.#partLen < width) return -1;
    this.#partLen = 0;
    this.#value = width === 2 ? this.#part.readInt16BE(0) : this.#part.readInt32BE(0);
    return i + n;
  }

  /** Takes the value read; whether a row ends with it. */
  #fieldEnds(): boolean {
    const v = this.#value;
    if (this.#need === 'count') {
      // -1 is the trailer; a row of no fields ends at once.
      if (v <= 0) return v === 0;
      this.#fields = v;
      this.#need = 'length';
      return false;
    }
    if (v > 0) this.#skip = v;
    if (--this.#fields > 0) return false;
    // The row ends after its last field's bytes, which may lie in a later chunk; counted now.
    this.#need = 'count';
    return true;
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
