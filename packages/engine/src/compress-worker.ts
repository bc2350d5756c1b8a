// Worker thread of compress-pool.ts: compresses (zstd frames), fingerprints (SHA-256 of the frames) and
// encrypts one span at a time, so the main thread only moves bytes between the source and the storage; or,
// for an incremental's comparison, only fingerprints. Messages: see compress-pool.ts.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { encryptStream } from '@strongroom/crypto';
import { FINGERPRINT_PREFIX, isOwnFrame, zstdFrames } from './compress.js';
import type { ToMain, ToWorker } from './compress-pool.js';

const port = parentPort;
if (port === null) throw new Error('compress-worker runs as a worker thread');

/** Output pieces are sent in batches of about this size. */
const BATCH_BYTES = 256 * 1024;

let queue: (Uint8Array | null)[] = [];
let wake: (() => void) | undefined;
const post = (m: ToMain, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

port.on('message', (m: ToWorker) => {
  if (m.t === 'start') void run(m.key, m.path, m.output, m.recycleBytes);
  else {
    queue.push(m.t === 'data' ? m.buf : null);
    wake?.();
  }
});

async function run(
  key: Uint8Array | null,
  path: string,
  output: boolean,
  recycleBytes: number,
): Promise<void> {
  queue = [];
  const hash = createHash('sha256');
  // A chunk over a whole recyclable buffer (recycleBytes) that is a frame of its own (isOwnFrame) is
  // compressed before the next chunk is asked for, so its buffer goes back to the main thread,
  // for reuse, with the ack of that moment. Smaller chunks may wait in regroup: they are not handed back.
  async function* source(): AsyncGenerator<Uint8Array> {
    let lent: Uint8Array | undefined;
    try {
      for (;;) {
        if (lent !== undefined) {
          post({ t: 'ack', buf: lent }, [lent.buffer as ArrayBuffer]);
          lent = undefined;
        }
        while (queue.length === 0) await new Promise<void>((r) => (wake = r));
        const buf = queue.shift() as Uint8Array | null;
        if (buf === null) return;
        const own = buf.byteOffset === 0 && buf.buffer.byteLength === recycleBytes;
        if (own && isOwnFrame(buf)) lent = buf;
        else post({ t: 'ack' });
        yield buf;
      }
    } finally {
      if (lent !== undefined) post({ t: 'ack' });
    }
  }
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
    } else {
      const out = key ? encryptStream(key, path, frames()) : frames();
      let batch: Uint8Array[] = [];
      let size = 0;
      const flush = (): void => {
        if (size === 0) return;
        // A buffer of its own, transferred rather than copied to the main thread.
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
    post({ t: 'done', fingerprint: `${FINGERPRINT_PREFIX}${hash.digest('hex')}` });
  } catch (err) {
    post({ t: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}
