// Worker thread of decode-pool.ts: decrypts and decompresses one stored span at a time, so that a restore
// decodes spans on other cores while the main thread reads files. Frames are decoded into arena slots the
// main thread grants (nothing allocated per frame); without a granted slot, into a buffer of its own that
// is transferred. Page spans given a target file are written there by this thread instead (page-runs.ts),
// from a few buffers of its own: nothing goes back to the main thread but the page count. Messages: see
// decode-pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { decryptStream } from '@strongroom/crypto';
import { isStrongroomError } from '@strongroom/errors';
import { PageRunWriter } from '@strongroom/sources/page-runs';
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
  if (m.t === 'start') {
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

async function* input(waitForGrants: boolean): AsyncGenerator<Uint8Array> {
  for (;;) {
    const next = queue.shift();
    if (next === null) return;
    if (next !== undefined) {
      for (let at = 0; at < next.length; at += PIECE) {
        // Grants arrive as messages, handled only between tasks: let them in before decoding on.
        if (waitForGrants && granted.length < 2) await new Promise((r) => setImmediate(r));
        yield next.subarray(at, at + PIECE);
      }
      continue;
    }
    await new Promise<void>((r) => (wake = r));
    wake = undefined;
  }
}

function decoded(m: Extract<ToDecoder, { t: 'start' }>, out: OutputBuffers): AsyncGenerator<Uint8Array> {
  const raw = input(m.pages === null);
  return decompressOf(m.key ? decryptStream(m.key, m.path, raw) : raw, m.compression, m.path, out);
}

/** Sends each decoded frame to the main thread: its arena slot, or its buffer transferred. */
async function sendFrames(m: Extract<ToDecoder, { t: 'start' }>): Promise<void> {
  for await (const out of decoded(m, buffers)) {
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

/** Writes each decoded frame's pages into the target file; the page count once the span is complete. */
async function writeFrames(
  m: Extract<ToDecoder, { t: 'start' }>,
  target: NonNullable<Extract<ToDecoder, { t: 'start' }>['pages']>,
): Promise<number> {
  const writer = new PageRunWriter(target.fd, target.pageSize, target.pageCount);
  for await (const out of decoded(m, ownBuffers)) {
    writer.write(out);
    ownBuffers.give(out);
  }
  writer.end();
  return writer.pages;
}

async function run(m: Extract<ToDecoder, { t: 'start' }>): Promise<void> {
  try {
    if (m.pages === null) {
      await sendFrames(m);
      port?.postMessage({ t: 'done', pages: 0 } satisfies FromDecoder);
    } else {
      const pages = await writeFrames(m, m.pages);
      port?.postMessage({ t: 'done', pages } satisfies FromDecoder);
    }
  } catch (err) {
    port?.postMessage({
      t: 'error',
      code: isStrongroomError(err) ? err.code : 'INTERNAL',
      message: err instanceof Error ? err.message : String(err),
    } satisfies FromDecoder);
  }
}
