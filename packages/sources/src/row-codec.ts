// The row codec of span streams: length-prefixed frames, each a msgpack array of rows, each row an array
// of exact values. Frames let a stream be re-chunked arbitrarily and decoded incrementally; the same rows
// always give the same bytes, because frame boundaries depend only on the encoded row sizes.
import { StrongroomError } from '@strongroom/errors';
import { addExtension, Packr, Unpackr } from 'msgpackr';

/**
 * One value of a row. The kind is the storage class: bigint is an integer (always, whatever its size),
 * number is a float (REAL; never an integer), string is text, Uint8Array is a blob.
 */
export type RowValue = null | bigint | number | string | Uint8Array;
export type Row = readonly RowValue[];

/** A frame is flushed once its rows reach this size, so a frame holds ≈512 KiB plus at most one row. */
export const FRAME_TARGET_BYTES = 512 * 1024;
/** Frames above this are taken as corruption rather than allocated. */
const MAX_FRAME_BYTES = 1 << 30;
/** u32 payload length, then the payload's own array32 header (0xdd + u32 row count). */
const HEADER_BYTES = 9;

// msgpack has one integer family and msgpackr writes integral floats as integers, which would turn a REAL
// 5.0 into an INTEGER 5. So integers are packed as bigint (always int64, decoded back as bigint) and floats
// as numbers (decoded as numbers whatever format msgpackr chose). The one float msgpackr cannot carry is
// -0.0 (packed as integer 0), which SQLite keeps in untyped columns: it gets a one-byte extension.
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();
const NEGATIVE_ZERO_EXT = 0x7a;
let extensionAdded = false;

function codecs(): { packr: Packr; unpackr: Unpackr } {
  if (!extensionAdded) {
    // msgpackr keeps extensions in a module-wide table; the class is private to this module, so no
    // other user of msgpackr ever packs it, and the type code is not one msgpackr uses itself.
    addExtension({
      Class: NegativeZero,
      type: NEGATIVE_ZERO_EXT,
      pack: () => Buffer.from([0]),
      unpack: () => -0,
    });
    extensionAdded = true;
  }
  return {
    packr: new Packr({ useRecords: false, moreTypes: false }),
    unpackr: new Unpackr({ useRecords: false, int64AsType: 'bigint', mapsAsObjects: true }),
  };
}

function hasNegativeZero(row: Row): boolean {
  for (const v of row) if (v === 0 && Object.is(v, -0)) return true;
  return false;
}

/** Builds frames from rows. Memory: one frame buffer, grown only for a row larger than a frame. */
export class RowFrameEncoder {
  readonly #packr = codecs().packr;
  #buffer = Buffer.allocUnsafe(FRAME_TARGET_BYTES * 2);
  #position = HEADER_BYTES;
  #rows = 0;

  /** Adds a row; returns a finished frame when this row filled one. */
  add(row: Row): SpanFrame | undefined {
    const packed = this.#packr.pack(
      hasNegativeZero(row) ? row.map((v) => (Object.is(v, -0) ? NEGATIVE_ZERO : v)) : row,
    );
    if (this.#position + packed.length > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#position + packed.length));
      this.#buffer.copy(grown, 0, 0, this.#position);
      this.#buffer = grown;
    }
    this.#position += packed.copy(this.#buffer, this.#position);
    this.#rows++;
    return this.#position - HEADER_BYTES >= FRAME_TARGET_BYTES ? this.flush() : undefined;
  }

  /** The rows added since the last frame, as a frame; undefined when there are none. */
  flush(): SpanFrame | undefined {
    if (this.#rows === 0) return undefined;
    const data = Buffer.allocUnsafe(this.#position);
    this.#buffer.copy(data, 0, 0, this.#position);
    data.writeUInt32BE(this.#position - 4, 0);
    data[4] = 0xdd;
    data.writeUInt32BE(this.#rows, 5);
    const frame = { data, rows: this.#rows };
    this.#position = HEADER_BYTES;
    this.#rows = 0;
    return frame;
  }
}

export interface SpanFrame {
  readonly data: Uint8Array;
  readonly rows: number;
}

/** Splits an arbitrarily chunked byte stream back into frame payloads. */
export class FrameSplitter {
  #chunks: Buffer[] = [];
  #bytes = 0;

  /** Adds bytes; returns every payload completed by them. */
  push(chunk: Uint8Array): Buffer[] {
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.#bytes += chunk.length;
    }
    const payloads: Buffer[] = [];
    for (;;) {
      if (this.#bytes < 4) return payloads;
      const head = this.#chunks[0]!.length >= 4 ? this.#chunks[0]! : this.#merge();
      const length = head.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) throw new StrongroomError('CORRUPTED', `row frame of ${length} bytes`);
      if (this.#bytes < 4 + length) return payloads;
      const all = this.#merge();
      payloads.push(all.subarray(4, 4 + length));
      const rest = all.subarray(4 + length);
      this.#chunks = rest.length > 0 ? [rest] : [];
      this.#bytes = rest.length;
    }
  }

  /** Call at the end of the stream: fails when it stopped inside a frame. */
  end(): void {
    if (this.#bytes > 0) {
      throw new StrongroomError('CORRUPTED', `row stream ends inside a frame (${this.#bytes} bytes left)`);
    }
  }

  #merge(): Buffer {
    const merged = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = [merged];
    return merged;
  }
}

export interface RowBatch {
  readonly rows: readonly Row[];
  /** Encoded size of the frame, header included. */
  readonly bytes: number;
}

/** Decodes a stream of frames (re-chunked arbitrarily), one batch of rows per frame. */
export async function* decodeRowBatches(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<RowBatch> {
  const { unpackr } = codecs();
  const splitter = new FrameSplitter();
  for await (const chunk of stream) {
    for (const payload of splitter.push(chunk)) {
      let rows: unknown;
      try {
        rows = unpackr.unpack(payload);
      } catch (err) {
        throw new StrongroomError('CORRUPTED', 'undecodable row frame', { cause: err });
      }
      if (!Array.isArray(rows)) throw new StrongroomError('CORRUPTED', 'row frame is not an array of rows');
      yield { rows: rows as Row[], bytes: payload.length + 4 };
    }
  }
  splitter.end();
}

/** Decodes a stream of frames into rows, one array of values per row (for tests and other packages). */
export async function* decodeRows(
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Row> {
  for await (const batch of decodeRowBatches(stream)) yield* batch.rows;
}
