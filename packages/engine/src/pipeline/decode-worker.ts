// Worker thread of decode-pool.ts: decrypts and decompresses one stored span at a time, so that a restore
// decodes spans on other cores while the main thread reads files and writes pages. Frames are decoded into
// arena slots the main thread grants (nothing allocated per frame); without a granted slot, into a buffer
// of its own that is transferred. Messages: see decode-pool.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { decryptStream } from '@strongroom/crypto';
import { isStrongroomError } from '@strongroom/errors';
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

async function run(m: Extract<ToDecoder, { t: 'start' }>): Promise<void> {
  try {
    const raw = input();
    const plain = decompressOf(
      m.key ? decryptStream(m.key, m.path, raw) : raw,
      m.compression,
      m.path,
      buffers,
    );
    for await (const out of plain) {
      const slot = slotOf(out);
      if (slot >= 0) port?.postMessage({ t: 'out', slot, length: out.length } satisfies FromDecoder);
      else {
        const own =
          out.byteOffset === 0 &&
          out.byteLength === out.buffer.byteLength &&
          out.buffer instanceof ArrayBuffer
            ? out
            : new Uint8Array(out);
        port?.postMessage({ t: 'out', buf: own } satisfies FromDecoder, [own.buffer as ArrayBuffer]);
      }
    }
    port?.postMessage({ t: 'done' } satisfies FromDecoder);
  } catch (err) {
    port?.postMessage({
      t: 'error',
      code: isStrongroomError(err) ? err.code : 'INTERNAL',
      message: err instanceof Error ? err.message : String(err),
    } satisfies FromDecoder);
  }
}
