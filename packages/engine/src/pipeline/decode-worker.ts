// Worker thread of decode-pool.ts: decrypts and decompresses stored spans, so that a restore decodes spans
// on other cores while the main thread reads files. A streamed span's frames are decoded into arena slots
// the main thread grants (nothing allocated per frame); without a granted slot, into a buffer of its own
// that is transferred. A page span handed over with its target file ('pages') is written there by this
// thread instead (page-runs.ts), from a few buffers of its own: nothing goes back to the main thread but
// the page count. Its stored bytes come with it, or, from local storage, this thread reads the file
// itself. Page spans queue up, so the next one is here (and its file read) before this thread finishes
// the current one. Messages: see decode-pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { decryptStream } from '@strongroom/crypto';
import { diskFullError, isDiskFull, isStrongroomError } from '@strongroom/errors';
import { PageRunWriter } from '@strongroom/sources/page-runs';
import { readLocalFile } from '@strongroom/storage/local-file';
import { decompressOf, type OutputBuffers } from './compress.js';
import type { DecoderSetup, FromDecoder, ToDecoder } from './decode-pool.js';

const port = parentPort;
if (port === null) throw new Error('decode-worker runs as a worker thread');
const { arena, slotBytes } = workerData as DecoderSetup;

let queue: (Uint8Array | null)[] = [];
let wake: (() => void) | undefined;
/** Granted arena slots not in use (kept from span to span). */
const granted: number[] = [];

port.on('message', (m: ToDecoder) => {
  if (m.t === 'stop') process.exit(0); // between two tasks, outside any native call (stop-thread.ts)
  if (m.t === 'pages') {
    pageJobs.push({ ...m, stored: storedBytes(m) });
    if (pageJobs.length === 1) void writePageJobs();
  } else if (m.t === 'start') {
    queue = [];
    void run(m);
  } else if (m.t === 'grant') granted.push(m.slot);
  else {
    queue.push(m.t === 'end' ? null : m.buf);
    wake?.();
  }
});

const slotOf = (data: Uint8Array): number =>
  data.buffer === arena && data.byteOffset % slotBytes === 0 ? data.byteOffset / slotBytes : -1;

const buffers: OutputBuffers = {
  bytes: slotBytes,
  take: () => {
    const slot = granted.pop();
    return slot === undefined
      ? Buffer.allocUnsafeSlow(slotBytes)
      : Buffer.from(arena, slot * slotBytes, slotBytes);
  },
  give: (data) => {
    const slot = slotOf(data);
    if (slot >= 0) granted.push(slot);
  },
};

/** Stored bytes are decoded this much at a time: at most a frame or two of output each. */
const PIECE = 64 * 1024;

/** Buffers of this thread's own for frames written straight into a file (reused from frame to frame). */
const own: Buffer[] = [];
const ownBuffers: OutputBuffers = {
  bytes: slotBytes,
  take: () => own.pop() ?? Buffer.allocUnsafeSlow(slotBytes),
  give: (data) => {
    if (data.byteOffset === 0 && data.buffer.byteLength === slotBytes && data.buffer !== arena)
      own.push(Buffer.from(data.buffer, 0, slotBytes));
  },
};

/** A streamed span's stored bytes, PIECE at a time, as the main thread sends them. */
async function* input(): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = queue.shift();
    if (next === null) return;
    if (next !== undefined) {
      for (let at = 0; at < next.length; at += PIECE) {
        // Grants arrive as messages, handled only between tasks: let them in before decoding on.
        if (granted.length < 2) await new Promise((r) => setImmediate(r));
        yield next.subarray(at, at + PIECE);
      }
      continue;
    }
    await new Promise<void>((r) => (wake = r));
    wake = undefined;
  }
}

type Decodable = Pick<Extract<ToDecoder, { t: 'start' }>, 'key' | 'path' | 'compression'>;

function decoded(
  m: Decodable,
  raw: AsyncIterable<Uint8Array>,
  out: OutputBuffers,
): AsyncGenerator<Uint8Array> {
  return decompressOf(m.key ? decryptStream(m.key, m.path, raw) : raw, m.compression, m.path, out);
}

/** A whole span's stored bytes, PIECE at a time. */
async function* pieces(stored: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const buf of stored) for (let at = 0; at < buf.length; at += PIECE) yield buf.subarray(at, at + PIECE);
}

/** Sends each decoded frame to the main thread: its arena slot, or its buffer transferred. */
async function sendFrames(m: Extract<ToDecoder, { t: 'start' }>): Promise<void> {
  for await (const out of decoded(m, input(), buffers)) {
    const slot = slotOf(out);
    if (slot >= 0) port?.postMessage({ t: 'out', slot, length: out.length } satisfies FromDecoder);
    else {
      const own =
        out.byteOffset === 0 && out.byteLength === out.buffer.byteLength && out.buffer instanceof ArrayBuffer
          ? out
          : new Uint8Array(out);
      port?.postMessage({ t: 'out', buf: own } satisfies FromDecoder, [own.buffer as ArrayBuffer]);
    }
  }
}

type PageJob = Extract<ToDecoder, { t: 'pages' }> & { readonly stored: Promise<readonly Uint8Array[]> };
/** Page spans handed over, in order; the first is the one being written. */
const pageJobs: PageJob[] = [];
/** Buffers that held local files already written out, for the next ones (at most PAGE_DEPTH are in use). */
const spareFileBuffers: Buffer[] = [];

/**
 * A page span's stored bytes: as sent, or its local file, read from the moment the span arrives, so the
 * next span's file is read while this thread writes the current one.
 */
function storedBytes(m: Extract<ToDecoder, { t: 'pages' }>): Promise<readonly Uint8Array[]> {
  if ('bytes' in m.from) return Promise.resolve(m.from.bytes);
  const read = readLocalFile(m.from.file, m.path, m.from.redactedUri, spareFileBuffers.pop()).then((b) => [
    b,
  ]);
  // Awaited when the span's turn comes; failing before then must not be an unhandled rejection.
  read.catch(() => undefined);
  return read;
}

/** Writes one page span's pages into its target file; the page count once the span is complete. */
async function writePages(job: PageJob): Promise<number> {
  const stored = await job.stored;
  const writer = new PageRunWriter(job.target.fd, job.target.pageSize, job.target.pageCount);
  for await (const out of decoded(job, pieces(stored), ownBuffers)) {
    writer.write(out);
    ownBuffers.give(out);
  }
  writer.end();
  if ('file' in job.from)
    for (const b of stored) spareFileBuffers.push(Buffer.from(b.buffer, 0, b.buffer.byteLength));
  return writer.pages;
}

/** Works through the queued page spans, answering each with 'done' or 'error' in the order given. */
async function writePageJobs(): Promise<void> {
  while (pageJobs.length > 0) {
    const job = pageJobs[0] as PageJob;
    try {
      port?.postMessage({ t: 'done', pages: await writePages(job) } satisfies FromDecoder);
    } catch (err) {
      port?.postMessage(failure(err));
    }
    pageJobs.shift();
  }
}

function failure(err: unknown): FromDecoder {
  const e = isDiskFull(err) ? diskFullError(err, 'write the restored database file') : err;
  if (!isStrongroomError(e))
    return { t: 'error', code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
  return { t: 'error', code: e.code, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) };
}

async function run(m: Extract<ToDecoder, { t: 'start' }>): Promise<void> {
  try {
    await sendFrames(m);
    port?.postMessage({ t: 'done', pages: 0 } satisfies FromDecoder);
  } catch (err) {
    port?.postMessage(failure(err));
  }
}
