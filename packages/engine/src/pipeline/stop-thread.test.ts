import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { SpanChunk } from '@strongroom/sources';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { encodeSpan } from './compress-pool.js';
import { decodeSpan } from './decode-pool.js';
import { threadsStopped } from './stop-thread.js';

// A thread abandoned mid-span is asked to stop and exits by itself (exit code 0), between two tasks: a
// `worker.terminate()` (exit code 1) could land inside a zstd-napi call and abort the process.
const key = randomBytes(32);
const exits = new Map<Worker, number>();
const started: Worker[] = [];
const onWorker = (w: Worker): void => {
  started.push(w);
  w.once('exit', (code) => exits.set(w, code));
};

/** Compressible row-like bytes, 1 MiB a chunk: `chunks` of them (without end by default). */
async function* rowBytes(chunks = Number.POSITIVE_INFINITY): AsyncGenerator<SpanChunk> {
  for (let i = 0; i < chunks; i++) {
    const data = Buffer.alloc(1 << 20);
    for (let o = 0; o < data.length; o += 64)
      data.write(`row ${i}-${o}\t${randomBytes(8).toString('hex')}\n`, o);
    yield { data, rows: data.length / 64 };
  }
}

describe('threads stopped mid-span', () => {
  beforeEach(() => {
    process.on('worker', onWorker);
  });
  afterEach(() => {
    process.off('worker', onWorker);
  });

  it('an encoder abandoned mid-span exits by itself, and threadsStopped waits for it', async () => {
    const enc = encodeSpan(key, 'stop-test/encode', rowBytes(), () => undefined);
    let pieces = 0;
    for await (const _ of enc.output) {
      if (++pieces === 3) break; // the consumer stops: the span is abandoned while the thread still encodes
    }
    await threadsStopped();
    const stopped = started.filter((w) => exits.has(w));
    assert.ok(stopped.length >= 1, 'the abandoned encoder thread has exited');
    for (const w of stopped) assert.equal(exits.get(w), 0, 'it exited itself, not terminated');
  });

  it('a decoder whose stored bytes fail midway exits by itself', async () => {
    // Stored bytes of a real span, cut short by a read error after its first pieces.
    const enc = encodeSpan(key, 'stop-test/decode', rowBytes(12), () => undefined);
    const stored: Uint8Array[] = [];
    for await (const piece of enc.output) stored.push(piece);
    async function* failing(): AsyncGenerator<Uint8Array> {
      for (const piece of stored.slice(0, 4)) yield piece;
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('read failed');
    }
    const exitedBefore = new Set(exits.keys());
    await assert.rejects(decodeSpan(failing(), key, 'stop-test/decode', 'zstd'), /read failed/);
    await threadsStopped();
    const stopped = [...exits.keys()].filter((w) => !exitedBefore.has(w));
    assert.equal(stopped.length, 1, 'the decoder thread of the failed span was retired');
    assert.equal(exits.get(stopped[0] as Worker), 0, 'it exited itself, not terminated');
  });
});
