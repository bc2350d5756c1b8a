// Off-main-thread span encoding: a small pool of worker threads (compress-worker.ts), each encoding one
// span at a time (zstd frames, their SHA-256 as the span's fingerprint, AES-GCM chunked encryption). The
// main thread reads the source and writes the storage; the span's row bytes are transferred, not copied.
// At most CREDITS source chunks are in a worker's queue, and output is only produced as fast as the
// storage takes it, so memory stays bounded per span in flight.
import { Worker } from 'node:worker_threads';
import { StrongroomError } from '@strongroom/errors';
import { CHUNK_BUFFER_BYTES, giveChunkBuffer, type SpanChunk } from '@strongroom/sources';

export type ToWorker =
  | {
      readonly t: 'start';
      readonly key: Uint8Array | null;
      readonly path: string;
      readonly output: boolean;
      /** Size of the recycled chunk buffers (CHUNK_BUFFER_BYTES), handed back with their acks. */
      readonly recycleBytes: number;
    }
  | { readonly t: 'data'; readonly buf: Uint8Array }
  | { readonly t: 'end' };
export type ToMain =
  /** A data message is done with; `buf`, when given, is its memory handed back for reuse. */
  | { readonly t: 'ack'; readonly buf?: Uint8Array }
  | { readonly t: 'out'; readonly buf: Uint8Array }
  | { readonly t: 'done'; readonly fingerprint: string }
  | { readonly t: 'error'; readonly message: string };

/** Source chunks (~256 KiB each) queued in a worker at most. */
const CREDITS = 8;
/** Idle workers kept for the next span. */
const KEEP_IDLE = 4;

const idle: Worker[] = [];

function newWorker(): Worker {
  return new Worker(new URL('./compress-worker.js', import.meta.url));
}

/**
 * Starts up to `n` encoder threads ahead of need (a thread takes ~0.1 s to load its modules), so a backup's
 * first spans do not wait for them; they wait idle, not keeping the process alive.
 */
export function prewarmEncoders(n: number): void {
  while (idle.length < Math.min(n, KEEP_IDLE)) {
    const worker = newWorker();
    worker.unref();
    idle.push(worker);
  }
}

function owns(buf: Uint8Array): boolean {
  return (
    buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer
  );
}

export interface EncodedSpan {
  /** The stored bytes; iterate once. */
  readonly output: AsyncIterable<Uint8Array>;
  /** After output is exhausted: the span's fingerprint (FINGERPRINT_PREFIX), rows and bytes. */
  readonly result: () => { fingerprint: string; rows: number; logicalBytes: number };
}

/**
 * Encodes one span's chunks on a worker thread: zstd frames, then encryption when `key` is given. An
 * `owned` chunk, or one whose Uint8Array spans its whole ArrayBuffer, is transferred (the caller must not
 * reuse it); others are copied.
 */
export function encodeSpan(
  key: Uint8Array | undefined,
  path: string,
  chunks: AsyncIterable<SpanChunk>,
  onChunk: (rows: number, bytes: number) => void,
): EncodedSpan {
  return encode(key, path, chunks, onChunk, true);
}

/**
 * The fingerprint and rows of a span, computed on a worker thread without keeping its output (the first
 * pass of an incremental).
 */
export async function fingerprintSpan(
  chunks: AsyncIterable<SpanChunk>,
): Promise<{ fingerprint: string; rows: number }> {
  const enc = encode(undefined, 'fingerprint', chunks, () => undefined, false);
  for await (const _ of enc.output) {
    // a fingerprint-only encode yields nothing
  }
  const { fingerprint, rows } = enc.result();
  return { fingerprint, rows };
}

function encode(
  key: Uint8Array | undefined,
  path: string,
  chunks: AsyncIterable<SpanChunk>,
  onChunk: (rows: number, bytes: number) => void,
  keepOutput: boolean,
): EncodedSpan {
  let fingerprint: string | undefined;
  let rows = 0;
  let logicalBytes = 0;
  async function* output(): AsyncGenerator<Uint8Array> {
    const worker = idle.pop() ?? newWorker();
    worker.ref();
    const out: Uint8Array[] = [];
    let inflight = 0;
    let failure: Error | undefined;
    let finished = false;
    let wake: (() => void) | undefined;
    const onMessage = (m: ToMain): void => {
      if (m.t === 'ack') {
        inflight--;
        if (m.buf !== undefined) giveChunkBuffer(m.buf.buffer as ArrayBuffer);
      } else if (m.t === 'out') out.push(m.buf);
      else if (m.t === 'done') {
        fingerprint = m.fingerprint;
        finished = true;
      } else failure = new StrongroomError('INTERNAL', `encoding ${path}: ${m.message}`);
      wake?.();
    };
    const onError = (err: Error): void => {
      failure = err;
      wake?.();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    const it = chunks[Symbol.asyncIterator]();
    let sourceDone = false;
    let clean = false;
    try {
      worker.postMessage({
        t: 'start',
        key: key ?? null,
        path,
        output: keepOutput,
        recycleBytes: CHUNK_BUFFER_BYTES,
      } satisfies ToWorker);
      for (;;) {
        if (failure) throw failure;
        const piece = out.shift();
        if (piece !== undefined) {
          yield piece;
          continue;
        }
        if (finished) break;
        if (!sourceDone && inflight < CREDITS) {
          const r = await it.next();
          if (r.done) {
            sourceDone = true;
            worker.postMessage({ t: 'end' } satisfies ToWorker);
            continue;
          }
          const c = r.value;
          rows += c.rows;
          logicalBytes += c.data.length;
          onChunk(c.rows, c.data.length);
          if (c.data.length === 0) continue;
          const buf = c.owned === true || owns(c.data) ? c.data : c.data.slice();
          inflight++;
          worker.postMessage({ t: 'data', buf } satisfies ToWorker, [buf.buffer as ArrayBuffer]);
          continue;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
      clean = true;
    } finally {
      worker.off('message', onMessage);
      worker.off('error', onError);
      if (!sourceDone) await it.return?.();
      // A worker stopped mid-span has state; only a clean one is reused.
      if (clean && idle.length < KEEP_IDLE) {
        worker.unref();
        idle.push(worker);
      } else void worker.terminate();
    }
  }
  return {
    output: output(),
    result: () => {
      if (fingerprint === undefined) throw new StrongroomError('INTERNAL', `${path}: span not encoded`);
      return { fingerprint, rows, logicalBytes };
    },
  };
}
