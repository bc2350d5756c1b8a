// Worker thread of compress-pool.ts: compresses (zstd frames), fingerprints (SHA-256 of the frames) and
// encrypts one span at a time, so the main thread only moves bytes between the source and the storage; or,
// for an incremental's comparison, only fingerprints. Messages: see compress-pool.ts.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { encryptStream } from '@strongroom/crypto';
import { FINGERPRINT_PREFIX, isOwnFrame, zstdFrames } from './compress.js';
import type { ToMain, ToWorker, WorkerSetup } from './compress-pool.js';

const port = parentPort;
if (port === null) throw new Error('compress-worker runs as a worker thread');
const { arena, slotBytes } = workerData as WorkerSetup;

/** Row bytes to encode: a buffer of this thread's own, or a view of an arena slot (slot ≥ 0). */
interface Piece {
  readonly buf: Buffer;
  readonly slot: number;
}

/** Output pieces are sent in batches of about this size. */
const BATCH_BYTES = 256 * 1024;

let queue: (Piece | null)[] = [];
let wake: (() => void) | undefined;
const post = (m: ToMain, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

port.on('message', (m: ToWorker) => {
  if (m.t === 'stop') process.exit(0); // between two tasks, outside any native call (stop-thread.ts)
  if (m.t === 'start') void run(m.key, m.path, m.output);
  else {
    if (m.t === 'end') queue.push(null);
    else if ('slot' in m) queue.push({ buf: Buffer.from(arena, m.slot * slotBytes, m.length), slot: m.slot });
    else queue.push({ buf: Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength), slot: -1 });
    wake?.();
  }
});

async function run(key: Uint8Array | null, path: string, output: boolean): Promise<void> {
  queue = [];
  const hash = createHash('sha256');
  async function* frames(): AsyncGenerator<Uint8Array> {
    for await (const frame of zstdFrames(source())) {
      hash.update(frame);
      yield frame;
    }
  }
  try {
    if (!output) {
      for await (const _ of frames()) {
        // fingerprint only
      }
    } else await sendBatched(key ? encryptStream(key, path, frames()) : frames());
    post({ t: 'done', fingerprint: `${FINGERPRINT_PREFIX}${hash.digest('hex')}` });
  } catch (err) {
    post({ t: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * The queued row bytes, acknowledged as they are taken. An arena slot that is a frame of its own
 * (isOwnFrame) is compressed before the next chunk is asked for, so the slot goes back to the main thread
 * with the ack of that moment. A smaller piece may wait in regroup: a slot's is copied first, so its slot
 * goes back at once.
 */
async function* source(): AsyncGenerator<Uint8Array> {
  let lent = -1;
  try {
    for (;;) {
      if (lent >= 0) {
        post({ t: 'ack', slot: lent });
        lent = -1;
      }
      const piece = await nextPiece();
      if (piece === null) return;
      if (piece.slot >= 0 && isOwnFrame(piece.buf)) lent = piece.slot;
      yield taken(piece);
    }
  } finally {
    // Stopped early: the slot is no longer read.
    if (lent >= 0) post({ t: 'ack', slot: lent });
  }
}

async function nextPiece(): Promise<Piece | null> {
  while (queue.length === 0) await new Promise<void>((r) => (wake = r));
  return queue.shift() as Piece | null;
}

/**
 * A piece's bytes, acknowledged unless it is a slot kept until compressed (`lent`): a buffer of this
 * thread's own is acked at once, a slot too small for a frame of its own is copied and its slot acked.
 */
function taken(piece: Piece): Buffer {
  if (piece.slot < 0) {
    post({ t: 'ack' });
    return piece.buf;
  }
  if (isOwnFrame(piece.buf)) return piece.buf;
  const copy = Buffer.from(piece.buf);
  post({ t: 'ack', slot: piece.slot });
  return copy;
}

/** Output to the main thread in batches of about BATCH_BYTES, each a buffer of its own, transferred. */
async function sendBatched(out: AsyncIterable<Uint8Array>): Promise<void> {
  let batch: Uint8Array[] = [];
  let size = 0;
  const flush = (): void => {
    if (size === 0) return;
    const buf = Buffer.allocUnsafeSlow(size);
    let at = 0;
    for (const piece of batch) {
      buf.set(piece, at);
      at += piece.length;
    }
    post({ t: 'out', buf }, [buf.buffer as ArrayBuffer]);
    batch = [];
    size = 0;
  };
  for await (const piece of out) {
    batch.push(piece);
    size += piece.length;
    if (size >= BATCH_BYTES) flush();
  }
  flush();
}
