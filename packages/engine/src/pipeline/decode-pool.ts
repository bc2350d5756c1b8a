// Off-main-thread decoding of stored spans for restores: a small pool of worker threads
// (decode-worker.ts), each decrypting and decompressing spans, either one at a time into slots of the shared
// chunk arena that this side grants it (up to GRANTS held by a worker, one more for each frame received), or,
// for page spans restored into a file (writePageSpans), queued PAGE_DEPTH deep and written into that file
// by the thread itself. Only for
// spans whose decoded size is bounded (SQLite page windows, a few MiB): in the first mode a span's whole
// output is held until it is consumed, so memory is (spans in flight) × (decoded span size).
import { Worker } from 'node:worker_threads';
import { compiledEntry, type ErrorCode, StrongroomError } from '@strongroom/errors';
import {
  CHUNK_BUFFER_BYTES,
  chunkArena,
  chunkSlotOf,
  freeChunkSlots,
  giveChunkSlot,
  type PageFileTarget,
  releaseChunk,
  takeChunkBuffer,
} from '@strongroom/sources';
import type { Compression } from './compress.js';
import { type StopRequest, stopThread } from './stop-thread.js';

export interface DecoderSetup {
  readonly arena: SharedArrayBuffer;
  readonly slotBytes: number;
}

export type ToDecoder =
  | {
      readonly t: 'start';
      readonly key: Uint8Array | null;
      readonly path: string;
      readonly compression: Compression | undefined;
    }
  /** A whole page span, to be written into `target`; queued behind the page spans given before it. */
  | {
      readonly t: 'pages';
      readonly key: Uint8Array | null;
      readonly path: string;
      readonly compression: Compression | undefined;
      readonly target: PageFileTarget;
      /** The stored bytes, or the local file the thread reads them from itself (StoredPageSpan.local). */
      readonly from:
        | { readonly bytes: readonly Uint8Array[] }
        | { readonly file: string; readonly redactedUri: string };
    }
  | StopRequest
  | { readonly t: 'data'; readonly buf: Uint8Array }
  | { readonly t: 'grant'; readonly slot: number }
  | { readonly t: 'end' };

export type FromDecoder =
  /** A decoded frame: in a granted arena slot, or a buffer of its own. */
  | { readonly t: 'out'; readonly slot: number; readonly length: number }
  | { readonly t: 'out'; readonly buf: Uint8Array }
  /** The span is decoded and authenticated; `pages`: the pages written (a 'pages' span). */
  | { readonly t: 'done'; readonly pages: number }
  | { readonly t: 'error'; readonly code: string; readonly message: string; readonly hint?: string };

/** The error a decoder thread reported, as it was there (its code, message and hint). */
function decoderError(m: Extract<FromDecoder, { t: 'error' }>): StrongroomError {
  return new StrongroomError(m.code as ErrorCode, m.message, m.hint === undefined ? {} : { hint: m.hint });
}

/** Decoder threads: the cores a restore has besides the main thread's. */
const THREADS = 2;
/** Arena slots granted to a decoder ahead of its frames (an idle decoder keeps them). */
const GRANTS = 3;
/** Slots left to everyone else: a decoder is granted none below this. */
const RESERVE = 8;

/** An arena slot, when one is free beyond RESERVE. */
function grantable(): number | undefined {
  if (freeChunkSlots() <= RESERVE) return undefined;
  const slot = chunkSlotOf(takeChunkBuffer());
  return slot >= 0 ? slot : undefined;
}
const idle: Worker[] = [];
/** Arena slots granted to each worker and not yet sent back as frames. */
const lentTo = new WeakMap<Worker, Set<number>>();

/** Tops a worker's granted slots up to GRANTS, as far as the arena allows. */
function topUp(worker: Worker): void {
  const lent = lentTo.get(worker) ?? new Set<number>();
  lentTo.set(worker, lent);
  while (lent.size < GRANTS) {
    const slot = grantable();
    if (slot === undefined) return;
    lent.add(slot);
    worker.postMessage({ t: 'grant', slot } satisfies ToDecoder);
  }
}
let started = 0;
const waiting: ((w: Worker) => void)[] = [];

function newDecoder(): Worker {
  started++;
  const workerData: DecoderSetup = { arena: chunkArena(), slotBytes: CHUNK_BUFFER_BYTES };
  const worker = new Worker(compiledEntry(import.meta.url, './decode-worker.js'), { workerData });
  // A thread in use reports its failure to the listeners of the span it works on; one that fails while
  // idle must neither crash the process (an 'error' event nobody listens to throws) nor be handed out
  // dead: it leaves the pool, and the next acquire starts another.
  worker.on('error', () => undefined);
  worker.once('exit', () => {
    const at = idle.indexOf(worker);
    if (at < 0) return;
    idle.splice(at, 1);
    started--;
  });
  return worker;
}

/**
 * Starts the decoder threads ahead of need (each takes ~0.1 s to load its modules), so a restore's first
 * spans do not wait for them; they wait idle, not keeping the process alive.
 */
export function prewarmDecoders(): void {
  while (started < THREADS) {
    const worker = newDecoder();
    worker.unref();
    idle.push(worker);
  }
}

async function acquire(): Promise<Worker> {
  const w = idle.pop();
  if (w) return w;
  if (started < THREADS) return newDecoder();
  return new Promise((resolve) => waiting.push(resolve));
}

function release(w: Worker, _clean: true): void {
  const next = waiting.shift();
  if (next) next(w);
  else {
    w.unref();
    idle.push(w);
  }
}

/**
 * The decoded bytes of one stored span (`raw`: its stored bytes), decrypted under `key` and decompressed
 * on a decoder thread. Errors keep their code (CORRUPTED, a failed authentication…).
 */
export async function decodeSpan(
  raw: AsyncIterable<Uint8Array>,
  key: Uint8Array | undefined,
  path: string,
  compression: Compression | undefined,
): Promise<Uint8Array[]> {
  const worker = await acquire();
  worker.ref();
  const out: Uint8Array[] = [];
  let clean = false;
  // Named, so that only these are removed afterwards (the pool keeps listeners of its own on every thread).
  let onMessage: ((m: FromDecoder) => void) | undefined;
  let onError: ((err: unknown) => void) | undefined;
  let onExit: ((code: number) => void) | undefined;
  try {
    const finished = new Promise<void>((resolve, reject) => {
      onMessage = (m: FromDecoder) => {
        if (m.t === 'out') {
          if ('slot' in m) {
            lentTo.get(worker)?.delete(m.slot);
            out.push(Buffer.from(chunkArena(), m.slot * CHUNK_BUFFER_BYTES, m.length));
          } else out.push(m.buf);
          topUp(worker);
        } else if (m.t === 'done') resolve();
        else reject(decoderError(m));
      };
      onError = reject;
      // A thread that exits mid-span without an error event must not leave the span waiting for ever.
      onExit = (code) => reject(new StrongroomError('INTERNAL', `a decoder thread exited (code ${code})`));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    topUp(worker);
    worker.postMessage({ t: 'start', key: key ?? null, path, compression } satisfies ToDecoder);
    // The stored bytes are small (compressed): read ahead without waiting for the decoder.
    const reading = (async () => {
      for await (const chunk of raw) {
        const buf = new Uint8Array(chunk); // a copy with its own ArrayBuffer: a Buffer slice is a view
        worker.postMessage({ t: 'data', buf } satisfies ToDecoder, [buf.buffer as ArrayBuffer]);
      }
      worker.postMessage({ t: 'end' } satisfies ToDecoder);
    })();
    await Promise.all([reading, finished]);
    clean = true;
    return out;
  } finally {
    if (onMessage) worker.off('message', onMessage);
    if (onError) worker.off('error', onError);
    if (onExit) worker.off('exit', onExit);
    if (clean) release(worker, true);
    else {
      for (const c of out) releaseChunk(c);
      void retire(worker);
    }
  }
}

/**
 * Stops a worker that failed or was abandoned mid-span; settles once it is gone. Its slots are reused only
 * then, once it has stopped writing into them (and so are the files it was writing pages into).
 */
function retire(worker: Worker): Promise<void> {
  const slots = [...(lentTo.get(worker) ?? [])];
  started--;
  const gone = stopThread(worker);
  const next = waiting.shift();
  if (next) void acquire().then(next);
  return gone.finally(() => {
    for (const slot of slots) giveChunkSlot(slot);
  });
}

/** A stored page span: its file read whole (it is small, compressed), and how to decode it. */
export interface StoredPageSpan {
  readonly read: () => AsyncIterable<Uint8Array>;
  /**
   * A span in local storage: its file (confinement checked), which the decoder thread reads itself, and
   * the store's redacted URI for its errors. The main thread then passes no bytes along.
   */
  readonly local?: { readonly file: () => Promise<string>; readonly redactedUri: string };
  readonly key: Uint8Array | undefined;
  readonly path: string;
  readonly compression: Compression | undefined;
}

/** Page spans handed to a decoder thread at a time: the one it writes and the next, already read. */
const PAGE_DEPTH = 2;

/**
 * Writes the pages of `spans` into `target` (PageFileTarget in @strongroom/sources): each span decoded on a
 * decoder thread that writes its pages at their places itself, so the main thread only reads the stored
 * files. Each thread is handed the next span before it finishes the one it is writing (PAGE_DEPTH), so it
 * never waits on the main thread between spans. Resolves with the pages written; on the first failure no
 * further span is started, and the promise rejects only once no thread writes into the file any more.
 */
export async function writePageSpans(
  spans: readonly StoredPageSpan[],
  target: PageFileTarget,
): Promise<number> {
  let next = 0;
  let pages = 0;
  let failure: { readonly err: unknown } | undefined;
  /** Hands spans to one thread until none is left or a lane has failed; the pages it wrote. */
  const feed = async (worker: Worker, answers: ReturnType<typeof pageAnswers>): Promise<number> => {
    let written = 0;
    const inflight: Promise<number>[] = [];
    while (failure === undefined && next < spans.length) {
      const span = spans[next++] as StoredPageSpan;
      const from = await storedFrom(span);
      // Another lane failed while this one was reading: hand nothing more over.
      if (failure !== undefined) break;
      inflight.push(handOver(worker, answers, span, from, target));
      if (inflight.length >= PAGE_DEPTH) written += await (inflight.shift() as Promise<number>);
    }
    for (const answer of inflight) written += await answer;
    return written;
  };
  const lane = async (): Promise<void> => {
    let worker: Worker | undefined;
    let answers: ReturnType<typeof pageAnswers> | undefined;
    let clean = false;
    try {
      worker = await acquire();
      worker.ref();
      answers = pageAnswers(worker);
      const written = await feed(worker, answers);
      pages += written; // not `pages += await …`, which would read `pages` before the other lane adds to it
      clean = true;
    } catch (err) {
      failure ??= { err };
    } finally {
      answers?.stop();
      if (worker !== undefined && clean) release(worker, true);
      else if (worker !== undefined) await retire(worker);
    }
  };
  await Promise.all(Array.from({ length: Math.min(THREADS, spans.length) }, lane));
  if (failure !== undefined) throw failure.err;
  return pages;
}

type PageSource = Extract<ToDecoder, { t: 'pages' }>['from'];

/** Where a page span's thread gets its stored bytes: its local file's name, or the bytes, read here. */
async function storedFrom(span: StoredPageSpan): Promise<PageSource> {
  if (span.local !== undefined) return { file: await span.local.file(), redactedUri: span.local.redactedUri };
  const bytes: Uint8Array[] = [];
  // A copy with its own ArrayBuffer (a Buffer slice is a view), transferred to the thread.
  for await (const chunk of span.read()) bytes.push(new Uint8Array(chunk));
  return { bytes };
}

/** Queues a page span on `worker`; its answer (the pages written, or the span's error). */
function handOver(
  worker: Worker,
  answers: ReturnType<typeof pageAnswers>,
  span: StoredPageSpan,
  from: PageSource,
  target: PageFileTarget,
): Promise<number> {
  const { key, path, compression } = span;
  const answer = answers.next();
  worker.postMessage(
    { t: 'pages', key: key ?? null, path, compression, target, from } satisfies ToDecoder,
    'bytes' in from ? from.bytes.map((b) => b.buffer as ArrayBuffer) : [],
  );
  return answer;
}

/**
 * A worker's answers to the page spans handed to it, in order: `next()` is the answer to the next span
 * handed over (its page count, or its error; a crashed thread fails every span still waiting).
 */
function pageAnswers(worker: Worker): { next: () => Promise<number>; stop: () => void } {
  const waiting: { resolve: (pages: number) => void; reject: (err: unknown) => void }[] = [];
  const onMessage = (m: FromDecoder): void => {
    const w = waiting.shift();
    if (m.t === 'done') w?.resolve(m.pages);
    else if (m.t === 'error') w?.reject(decoderError(m));
  };
  // A thread that failed or exited answers nothing more: what waits, and what is handed over later, fails.
  let dead: unknown;
  const onError = (err: unknown): void => {
    dead ??= err;
    for (const w of waiting.splice(0)) w.reject(err);
  };
  const onExit = (code: number): void =>
    onError(new StrongroomError('INTERNAL', `a decoder thread exited (code ${code})`));
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  return {
    next: () => {
      const answer =
        dead === undefined
          ? new Promise<number>((resolve, reject) => waiting.push({ resolve, reject }))
          : Promise.reject(dead);
      // Awaited in order; one failing while an earlier one is awaited must not go unhandled.
      answer.catch(() => undefined);
      return answer;
    },
    stop: () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    },
  };
}

/**
 * The decoded bytes of `spans` in order, up to `depth` spans decoded ahead (spans are `() => raw bytes`
 * with what decodeSpan needs). Chunks may lie in arena slots, which the consumer gives back (releaseChunk).
 */
export async function* decodeSpansAhead(
  spans: readonly (() => Promise<Uint8Array[]>)[],
  depth = 2,
): AsyncGenerator<Uint8Array> {
  const inflight: Promise<Uint8Array[]>[] = [];
  let next = 0;
  const start = (): void => {
    const p = (spans[next++] as () => Promise<Uint8Array[]>)();
    // Awaited in order below; a later one failing first must not be an unhandled rejection.
    p.catch(() => undefined);
    inflight.push(p);
  };
  let current: Uint8Array[] = [];
  try {
    while (next < spans.length && inflight.length < depth) start();
    while (inflight.length > 0) {
      current = await (inflight.shift() as Promise<Uint8Array[]>);
      if (next < spans.length) start();
      while (current.length > 0) yield current.shift() as Uint8Array;
    }
  } finally {
    // A consumer that stopped early: the arena slots of what it never got go back.
    for (const c of current) releaseChunk(c);
    for (const p of inflight)
      void p.then(
        (chunks) => chunks.forEach(releaseChunk),
        () => undefined,
      );
  }
}
