// Off-main-thread span encoding: a small pool of worker threads (compress-worker.ts), each encoding one
// span at a time (zstd frames, their SHA-256 as the span's fingerprint, AES-GCM chunked encryption). The
// main thread reads the source and writes the storage. A chunk in the shared chunk arena is passed as its
// slot number (the thread reads the same memory; the slot comes back with the ack once compressed); any
// other chunk is transferred, or copied when the source keeps it.
// At most CREDITS source chunks are in a worker's queue, and output is only produced as fast as the
// storage takes it, so memory stays bounded per span in flight.
import { Worker } from 'node:worker_threads';
import { compiledEntry, StrongroomError } from '@strongroom/errors';
import {
  CHUNK_BUFFER_BYTES,
  chunkArena,
  chunkSlotOf,
  giveChunkSlot,
  releaseChunk,
  type SpanChunk,
} from '@strongroom/sources';
import { type StopRequest, stopThread } from './stop-thread.js';

export type ToWorker =
  | {
      readonly t: 'start';
      readonly key: Uint8Array | null;
      readonly path: string;
      readonly output: boolean;
    }
  /** Row bytes: a buffer of the thread's own, or `length` bytes at the start of arena slot `slot`. */
  | StopRequest
  | { readonly t: 'data'; readonly buf: Uint8Array }
  | { readonly t: 'data'; readonly slot: number; readonly length: number }
  | { readonly t: 'end' };

/** What a worker thread is started with. */
export interface WorkerSetup {
  /** The shared chunk arena (chunkArena) and the size of its slots (CHUNK_BUFFER_BYTES). */
  readonly arena: SharedArrayBuffer;
  readonly slotBytes: number;
}
export type ToMain =
  /** A data message is done with; `slot`, when given, is an arena slot no longer read. */
  | { readonly t: 'ack'; readonly slot?: number }
  | { readonly t: 'out'; readonly buf: Uint8Array }
  | { readonly t: 'done'; readonly fingerprint: string }
  | { readonly t: 'error'; readonly message: string };

/** Source chunks (up to 1 MiB each, from PostgreSQL) queued in a worker at most. */
const CREDITS = 8;
/** Idle workers kept for the next span. */
const KEEP_IDLE = 4;

const idle: Worker[] = [];

function newWorker(): Worker {
  const workerData: WorkerSetup = { arena: chunkArena(), slotBytes: CHUNK_BUFFER_BYTES };
  const worker = new Worker(compiledEntry(import.meta.url, './compress-worker.js'), { workerData });
  // As in decode-pool.ts: a thread that fails while idle neither crashes the process nor is handed out.
  worker.on('error', () => undefined);
  worker.once('exit', () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  });
  return worker;
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
 * `owned` chunk in an arena slot is passed by slot and its slot given back once compressed; another
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
  const tally = { rows: 0, logicalBytes: 0 };
  const start: ToWorker = { t: 'start', key: key ?? null, path, output: keepOutput };
  return {
    output: encodeOnThread(start, chunks, tally, onChunk, (f) => {
      fingerprint = f;
    }),
    result: () => {
      if (fingerprint === undefined) throw new StrongroomError('INTERNAL', `${path}: span not encoded`);
      return { fingerprint, ...tally };
    },
  };
}

/** The span's encoded output from a worker thread; `done` gets its fingerprint once it is complete. */
async function* encodeOnThread(
  start: ToWorker & { readonly t: 'start' },
  chunks: AsyncIterable<SpanChunk>,
  tally: { rows: number; logicalBytes: number },
  onChunk: (rows: number, bytes: number) => void,
  done: (fingerprint: string) => void,
): AsyncGenerator<Uint8Array> {
  const thread = new EncoderThread(start.path);
  const it = chunks[Symbol.asyncIterator]();
  let sourceDone = false;
  let clean = false;
  try {
    thread.post(start);
    for (;;) {
      thread.throwIfFailed();
      const piece = thread.out.shift();
      if (piece !== undefined) yield piece;
      else if (thread.fingerprint !== undefined) break;
      else if (!sourceDone && thread.inflight < CREDITS) sourceDone = await feed(it, thread, tally, onChunk);
      else await thread.changed();
    }
    done(thread.fingerprint);
    clean = true;
  } finally {
    thread.detach();
    if (!sourceDone) await it.return?.();
    thread.release(clean);
  }
}

/** Sends the source's next chunk (or its end) to the worker, counting it; true at the end. */
async function feed(
  it: AsyncIterator<SpanChunk>,
  thread: EncoderThread,
  tally: { rows: number; logicalBytes: number },
  onChunk: (rows: number, bytes: number) => void,
): Promise<boolean> {
  const r = await it.next();
  if (r.done) {
    thread.post({ t: 'end' });
    return true;
  }
  // Read before the chunk is sent: a transferred buffer is detached (length 0) afterwards.
  const { rows, data } = r.value;
  const length = data.length;
  tally.rows += rows;
  tally.logicalBytes += length;
  thread.send(r.value);
  onChunk(rows, length);
  return false;
}

/** One span's use of a worker thread: what is sent to it, what came back, and its return to the pool. */
class EncoderThread {
  readonly #worker = idle.pop() ?? newWorker();
  readonly #path: string;
  /** Encoded output not yet yielded. */
  readonly out: Uint8Array[] = [];
  /** Data messages the worker has not acknowledged. */
  inflight = 0;
  /** Set when the worker is done with the span. */
  fingerprint: string | undefined;
  // Arena slots the worker may still read: given back on their ack, or once a stopped worker is gone.
  readonly #lent = new Set<number>();
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #onMessage = (m: ToMain): void => {
    if (m.t === 'ack') {
      this.inflight--;
      if (m.slot !== undefined && this.#lent.delete(m.slot)) giveChunkSlot(m.slot);
    } else if (m.t === 'out') this.out.push(m.buf);
    else if (m.t === 'done') this.fingerprint = m.fingerprint;
    else this.#failure = new StrongroomError('INTERNAL', `encoding ${this.#path}: ${m.message}`);
    this.#wake?.();
  };
  readonly #onError = (err: Error): void => {
    this.#failure = err;
    this.#wake?.();
  };

  constructor(path: string) {
    this.#path = path;
    this.#worker.ref();
    this.#worker.on('message', this.#onMessage);
    this.#worker.on('error', this.#onError);
  }

  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.#worker.postMessage(m, transfer);
  }

  throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }

  /** Resolves on the worker's next message or error. */
  async changed(): Promise<void> {
    await new Promise<void>((r) => (this.#wake = r));
    this.#wake = undefined;
  }

  /**
   * Hands one chunk to the worker before anything else can throw: from then on its slot (or buffer) comes
   * back with the ack, or once a stopped worker is gone.
   */
  send(c: SpanChunk): void {
    const slot = c.owned === true ? chunkSlotOf(c.data) : -1;
    if (c.data.length === 0) releaseChunk(c.data);
    else if (slot >= 0) {
      this.inflight++;
      this.#lent.add(slot);
      this.post({ t: 'data', slot, length: c.data.length });
    } else {
      this.inflight++;
      // A chunk that does not own its whole ArrayBuffer is copied before its buffer is transferred: a
      // Buffer's `slice` is a view, and transferring a shared pool would detach every Buffer in it (Node
      // 22 refuses to, with a DataCloneError).
      const buf = c.owned === true || owns(c.data) ? c.data : new Uint8Array(c.data);
      this.post({ t: 'data', buf }, [buf.buffer as ArrayBuffer]);
    }
  }

  detach(): void {
    this.#worker.off('message', this.#onMessage);
    this.#worker.off('error', this.#onError);
  }

  /** A worker stopped mid-span has state; only a clean one is reused. */
  release(clean: boolean): void {
    const worker = this.#worker;
    if (clean && idle.length < KEEP_IDLE) {
      worker.unref();
      idle.push(worker);
    } else if (clean) void stopThread(worker);
    else {
      // Slots it was still reading are reused only once it has stopped.
      const slots = [...this.#lent];
      this.#lent.clear();
      void stopThread(worker).finally(() => {
        for (const slot of slots) giveChunkSlot(slot);
      });
    }
  }
}
