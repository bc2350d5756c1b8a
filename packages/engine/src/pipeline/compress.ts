// Span compression codecs. New spans are zstd level 1: every ~512 KiB of row bytes becomes one independent
// zstd frame (with its content checksum), and the frames are concatenated, which is itself a valid zstd
// stream. Spans written before zstd are one gzip member stream. A reader that is not told the codec
// recognises it from the first bytes (zstd frame magic vs gzip magic).
import { createRequire } from 'node:module';
import { pipeline, Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { StrongroomError } from '@strongroom/errors';
import type { Compressor } from 'zstd-napi';

type ZstdNapi = { lib: typeof import('zstd-napi'); binding: typeof import('zstd-napi/binding.js') };
let zstdNapi: ZstdNapi | undefined;

/**
 * zstd-napi (and its low-level binding, which decompresses into a given buffer; CommonJS without named
 * exports), loaded on first use. A worker thread started ahead of need (a prewarmed encoder or decoder)
 * then loads no native code until it has work: a process that exits meanwhile (a detached job handed to a
 * daemon, a statement that failed while planning) never tears a thread down in the middle of an addon's
 * initialisation (a CLI on Node 22 that exited while its threads were starting once aborted with
 * "terminate called after throwing an instance of 'Napi::Error'").
 */
function zstd(): ZstdNapi {
  if (zstdNapi === undefined) {
    const require = createRequire(import.meta.url);
    zstdNapi = { lib: require('zstd-napi'), binding: require('zstd-napi/binding.js') };
  }
  return zstdNapi;
}

export type Compression = 'zstd' | 'gzip';

/** What new spans are written with. */
export const SPAN_COMPRESSION: Compression = 'zstd';
/** Row bytes per zstd frame (the last frame of a span may be shorter). */
export const FRAME_BYTES = 512 * 1024;
export const ZSTD_LEVEL = 1;
/**
 * A span's fingerprint: this prefix and the SHA-256 (hex) of its zstd frames. Equal fingerprints mean equal
 * frames, so equal rows (decompression is a function); equal rows compressed differently (another zstd
 * version, other frame cuts) only look changed, and are written again. Hashing the frames rather than the
 * rows hashes ~7x fewer bytes. Fingerprints without the prefix (older layers) are SHA-256 of the rows.
 */
export const FINGERPRINT_PREFIX = 'zstd:';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

// pipeline() owns the error handling of both streams: a failure on either side (the source throwing,
// the consumer stopping early) destroys both and surfaces once, to whoever iterates the output.
const ignore = (): void => undefined;

export function newZstdCompressor(): Compressor {
  const c = new (zstd().lib.Compressor)();
  c.setParameters({ compressionLevel: ZSTD_LEVEL, checksumFlag: true });
  return c;
}

/** Whether zstdFrames compresses `piece` as a frame of its own, before reading the next piece. */
export function isOwnFrame(piece: Uint8Array, size = FRAME_BYTES): boolean {
  return piece.length * 2 >= size;
}

/**
 * Groups pieces into runs of at least `size` bytes (the last may be shorter); small pieces are copied once.
 * A piece of at least half `size` (isOwnFrame) is a run of its own, not copied (what is pending before it
 * is a run first), and is yielded before the next piece is read.
 */
export async function* regroup(src: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let pending: Uint8Array[] = [];
  let fill = 0;
  for await (const piece of src) {
    if (piece.length === 0) continue;
    if (isOwnFrame(piece, size)) {
      if (fill > 0) yield Buffer.concat(pending, fill);
      pending = [];
      fill = 0;
      yield Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      continue;
    }
    pending.push(piece);
    fill += piece.length;
    if (fill >= size) {
      yield Buffer.concat(pending, fill);
      pending = [];
      fill = 0;
    }
  }
  if (fill > 0) yield Buffer.concat(pending, fill);
}

/** zstd frames of the row bytes, one per FRAME_BYTES run, compressed on the calling thread. */
export async function* zstdFrames(src: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const c = newZstdCompressor();
  for await (const run of regroup(src, FRAME_BYTES)) yield c.compress(run);
}

export function compressOf(codec: Compression, src: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (codec === 'zstd') return zstdFrames(src);
  return pipeline(Readable.from(src, { objectMode: false }), createGzip({ level: 1 }), ignore);
}

const ZSTD_SKIPPABLE = 0x184d2a50; // …0x184d2a5f: skippable frames

/**
 * The size of the complete zstd frame at the start of `buf` (walking its block headers, RFC 8878 §3.1),
 * or undefined while it is incomplete. Throws on bytes that are not a zstd frame.
 */
export function zstdFrameSize(buf: Uint8Array): number | undefined {
  if (buf.length < 8) return undefined;
  const magic = uint32le(buf, 0);
  if ((magic & 0xfffffff0) >>> 0 === ZSTD_SKIPPABLE) {
    const size = 8 + uint32le(buf, 4);
    return size <= buf.length ? size : undefined;
  }
  if (magic !== 0xfd2fb528) throw new Error('not a zstd frame');
  const fhd = buf[4] as number;
  const singleSegment = (fhd >> 5) & 1;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6] as number;
  const blocks = 5 + (singleSegment ? 0 : 1) + ([0, 1, 2, 4][fhd & 3] as number) + fcsBytes;
  const end = zstdBlocksEnd(buf, blocks);
  if (end === undefined) return undefined;
  const size = end + ((fhd >> 2) & 1 ? 4 : 0);
  return size <= buf.length ? size : undefined;
}

/** Little-endian unsigned 32-bit integer at `at`. */
function uint32le(buf: Uint8Array, at: number): number {
  return (
    ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16)) +
    (buf[at + 3] as number) * 2 ** 24
  );
}

/** Where a frame's blocks starting at `pos` end (after the last block), or undefined while incomplete. */
function zstdBlocksEnd(buf: Uint8Array, start: number): number | undefined {
  let pos = start;
  for (;;) {
    if (pos + 3 > buf.length) return undefined;
    const header = (buf[pos] as number) | ((buf[pos + 1] as number) << 8) | ((buf[pos + 2] as number) << 16);
    const type = (header >> 1) & 3;
    if (type === 3) throw new Error('reserved zstd block type');
    pos += 3 + (type === 1 ? 1 : header >>> 3);
    if (header & 1) return pos;
  }
}

/** Reusable output buffers for decoding (the shared chunk arena, from @strongroom/sources). */
export interface OutputBuffers {
  /** Size of every buffer `take` gives. */
  readonly bytes: number;
  take(): Buffer;
  /** Gives back a buffer (or a view of one) that was taken but is not passed on. */
  give(data: Uint8Array): void;
}

/**
 * zstd decoding frame by frame: each complete frame is decompressed in one call (its content size is in
 * its header; the frame's checksum is verified) into a buffer of its own or, when `buffers` are given and
 * it fits, into one of them, which the consumer gives back.
 */
async function* zstdDecode(
  src: AsyncIterable<Uint8Array>,
  what: string,
  buffers: OutputBuffers | undefined,
): AsyncGenerator<Uint8Array> {
  const decode = frameDecoder(buffers);
  const corrupt = (err?: unknown): StrongroomError =>
    new StrongroomError('CORRUPTED', `${what}: cannot decompress (zstd)`, { cause: err });
  const pending = new PendingBytes();
  /** The next complete frame's content, or undefined while it is incomplete. */
  const nextFrame = (): Uint8Array | undefined => {
    try {
      const size = zstdFrameSize(pending.bytes());
      if (size === undefined) return undefined;
      const out = decode(pending.bytes().subarray(0, size));
      pending.consume(size);
      return out;
    } catch (err) {
      throw corrupt(err);
    }
  };
  for await (const piece of src) {
    pending.append(piece);
    for (let out = nextFrame(); out !== undefined; out = nextFrame()) {
      if (out.length > 0) yield out;
      else buffers?.give(out);
    }
  }
  if (pending.bytes().length > 0) throw corrupt();
}

/**
 * One whole frame's content, decompressed in one call: into one of `buffers` when given and the frame's
 * content size (from its header) fits, else into a buffer of its own.
 */
function frameDecoder(buffers: OutputBuffers | undefined): (frame: Buffer) => Uint8Array {
  const d = new (zstd().lib.Decompressor)();
  const dctx = new (zstd().binding.DCtx)();
  return (frame) => {
    const size = buffers === undefined ? null : zstd().binding.getFrameContentSize(frame);
    if (buffers === undefined || size === null || size > buffers.bytes) return d.decompress(frame);
    const out = buffers.take();
    try {
      return out.subarray(0, dctx.decompress(out, frame));
    } catch (err) {
      buffers.give(out);
      throw err;
    }
  };
}

/**
 * Bytes not yet decoded, in buf[head, tail): each piece is copied in once (the source may reuse its
 * buffers), and the buffer doubles when a frame outgrows it, so any cutting of the input costs linear time.
 */
class PendingBytes {
  #buf = Buffer.allocUnsafe(1024 * 1024);
  #head = 0;
  #tail = 0;

  append(piece: Uint8Array): void {
    if (this.#tail + piece.length > this.#buf.length) this.#makeRoom(piece.length);
    this.#buf.set(piece, this.#tail);
    this.#tail += piece.length;
  }

  /** The pending bytes (a view, valid until the next append). */
  bytes(): Buffer {
    return this.#buf.subarray(this.#head, this.#tail);
  }

  consume(n: number): void {
    this.#head += n;
    if (this.#head === this.#tail) this.#head = this.#tail = 0;
  }

  #makeRoom(incoming: number): void {
    const live = this.#tail - this.#head;
    if (live + incoming > this.#buf.length / 2) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, live + incoming));
      this.#buf.copy(bigger, 0, this.#head, this.#tail);
      this.#buf = bigger;
    } else this.#buf.copyWithin(0, this.#head, this.#tail);
    this.#head = 0;
    this.#tail = live;
  }
}

function startsWith(buf: Uint8Array, magic: Buffer): boolean {
  return buf.length >= magic.length && magic.equals(buf.subarray(0, magic.length));
}

/**
 * The decompressed bytes of `src`. Without `codec`, the codec is recognised from the first bytes.
 * An empty input is an empty output. With `buffers`, zstd frames that fit are decoded into them.
 */
export async function* decompressOf(
  src: AsyncIterable<Uint8Array>,
  codec?: Compression,
  what = 'span',
  buffers?: OutputBuffers,
): AsyncGenerator<Uint8Array> {
  const it = src[Symbol.asyncIterator]();
  // Enough leading bytes to recognise the codec.
  const head: Uint8Array[] = [];
  let headLen = 0;
  let done = false;
  while (headLen < ZSTD_MAGIC.length) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    headLen += r.value.length;
  }
  const first = Buffer.concat(head, headLen);
  if (done && headLen === 0) return;
  const kind: Compression | undefined =
    codec ?? (startsWith(first, ZSTD_MAGIC) ? 'zstd' : startsWith(first, GZIP_MAGIC) ? 'gzip' : undefined);
  if (kind === undefined) throw new StrongroomError('CORRUPTED', `${what}: neither zstd nor gzip data`);
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (kind === 'zstd') {
    yield* zstdDecode(rest(), what, buffers);
    return;
  }
  const decoder = createGunzip();
  // Only the decoder's own failures mean corrupt data; the source's errors pass through as they are.
  let decoderFailed: unknown;
  decoder.once('error', (err) => {
    decoderFailed = err;
  });
  const out = pipeline(Readable.from(rest(), { objectMode: false }), decoder, ignore);
  try {
    yield* out as AsyncIterable<Uint8Array>;
  } catch (err) {
    if (err === decoderFailed && !(err instanceof StrongroomError))
      throw new StrongroomError('CORRUPTED', `${what}: cannot decompress (gzip)`, { cause: err });
    throw err;
  }
}
