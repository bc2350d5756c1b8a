import assert from 'node:assert/strict';
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { decryptStream } from '@strongroom/crypto';
import { StrongroomError } from '@strongroom/errors';
import {
  CHUNK_BUFFER_BYTES,
  chunkSlotOf,
  freeChunkSlots,
  giveChunkSlot,
  type SpanChunk,
  takeChunkBuffer,
} from '@strongroom/sources';
import { describe, it } from 'vitest';
import { compressOf, decompressOf, FINGERPRINT_PREFIX, FRAME_BYTES, zstdFrameSize } from './compress.js';
import { encodeSpan, fingerprintSpan } from './compress-pool.js';

async function* from(pieces: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of pieces) yield p;
}

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of src) out.push(c);
  return Buffer.concat(out);
}

/** Row-like bytes: compressible text with some random bytes, in pieces of varied sizes. */
function sample(total: number): Buffer[] {
  const out: Buffer[] = [];
  let n = 0;
  let i = 0;
  while (n < total) {
    const size = Math.min(total - n, 1000 + ((i * 7919) % 300_000));
    const piece = Buffer.alloc(size);
    for (let o = 0; o < size; o += 64) piece.write(`row ${i}-${o}\t${randomBytes(8).toString('hex')}\n`, o);
    out.push(piece);
    n += size;
    i++;
  }
  return out;
}

describe('span compression', () => {
  it('round-trips zstd frames and recognises the codec from the data', async () => {
    const pieces = sample(3 * FRAME_BYTES + 12345);
    const plain = Buffer.concat(pieces);
    const z = await collect(compressOf('zstd', from(pieces)));
    assert.ok(z.length < plain.length);
    assert.deepEqual(z.subarray(0, 4), Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    assert.ok((await collect(decompressOf(from([z])))).equals(plain));
    assert.ok((await collect(decompressOf(from([z]), 'zstd'))).equals(plain));
    // Split at awkward places, including inside the magic.
    const split = [z.subarray(0, 1), z.subarray(1, 3), z.subarray(3, 100_000), z.subarray(100_000)];
    assert.ok((await collect(decompressOf(from(split)))).equals(plain));
  });

  it('still reads gzip spans (written before zstd), told or not', async () => {
    const plain = Buffer.concat(sample(200_000));
    const gz = gzipSync(plain, { level: 1 });
    assert.ok((await collect(decompressOf(from([gz])))).equals(plain));
    assert.ok((await collect(decompressOf(from([gz]), 'gzip'))).equals(plain));
    assert.ok((await collect(decompressOf(compressOf('gzip', from([plain]))))).equals(plain));
  });

  it('is empty for an empty span, and CORRUPTED for truncated or foreign data', async () => {
    assert.equal((await collect(decompressOf(from([])))).length, 0);
    const z = await collect(compressOf('zstd', from([Buffer.concat(sample(100_000))])));
    const isCorrupted = (err: unknown): boolean => err instanceof StrongroomError && err.code === 'CORRUPTED';
    await assert.rejects(collect(decompressOf(from([z.subarray(0, z.length - 5)]))), isCorrupted);
    await assert.rejects(collect(decompressOf(from([Buffer.from('plain text')]))), isCorrupted);
  });

  it("decodes zstd frame by frame however the stored bytes are cut, and finds each frame's end", async () => {
    // Compressed, raw (random) and run-length blocks, frames of several sizes, and a skippable frame.
    const pieces = [
      ...sample(FRAME_BYTES + 999),
      randomBytes(FRAME_BYTES),
      Buffer.alloc(FRAME_BYTES + 5, 7),
      Buffer.from('tail'),
    ];
    const plain = Buffer.concat(pieces);
    const frames = await collect(compressOf('zstd', from(pieces)));
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
    const z = Buffer.concat([frames, skippable]);
    let at = 0;
    let count = 0;
    while (at < z.length) {
      const size = zstdFrameSize(z.subarray(at));
      assert.ok(size !== undefined && size > 0);
      assert.equal(
        zstdFrameSize(z.subarray(at, at + size - 1)),
        undefined,
        'an incomplete frame has no size',
      );
      at += size;
      count++;
    }
    assert.equal(at, z.length);
    assert.ok(count >= 5, `${count} frames`);
    for (const cut of [13, 4096, 100_000, z.length]) {
      const cuts: Buffer[] = [];
      for (let i = 0; i < z.length; i += cut) cuts.push(z.subarray(i, i + cut));
      assert.ok((await collect(decompressOf(from(cuts)))).equals(plain), `pieces of ${cut}`);
    }
    // A flipped byte inside a frame fails its decoding or its checksum.
    const bad = Buffer.from(z);
    const flip = Math.floor(frames.length / 2);
    bad[flip] = (bad[flip] as number) ^ 0x55;
    await assert.rejects(
      collect(decompressOf(from([bad]))),
      (err: unknown) => err instanceof StrongroomError && err.code === 'CORRUPTED',
    );
  });

  it('encodes spans on a worker thread: fingerprint, rows and encrypted zstd output', async () => {
    const key = randomBytes(32);
    const pieces = sample(2 * FRAME_BYTES + 777);
    const plain = Buffer.concat(pieces);
    // Chunks that do and do not own their memory (one is a view into a larger buffer).
    const big = Buffer.concat([Buffer.alloc(10), pieces[0] as Buffer]);
    const chunks: SpanChunk[] = [
      { data: big.subarray(10), rows: 3 },
      ...pieces.slice(1).map((p) => ({ data: Buffer.from(p), rows: 2 })),
    ];
    let reported = 0;
    async function* src(): AsyncGenerator<SpanChunk> {
      yield* chunks;
    }
    const enc = encodeSpan(key, 'data/1.sst', src(), (_r, b) => {
      reported += b;
    });
    const stored = await collect(enc.output);
    const r = enc.result();
    assert.equal(r.rows, 3 + 2 * (pieces.length - 1));
    assert.equal(r.logicalBytes, plain.length);
    assert.equal(reported, plain.length);
    const back = await collect(decompressOf(decryptStream(key, 'data/1.sst', from([stored]))));
    assert.ok(back.equals(plain));
    // Without a key the output is the zstd stream itself; an empty span is empty.
    // (The first encode took ownership of the chunks' memory: give the second its own.)
    async function* fresh(): AsyncGenerator<SpanChunk> {
      for (const p of pieces) yield { data: Buffer.from(p), rows: 1 };
    }
    const bare = encodeSpan(undefined, 'data/2.sst', fresh(), () => undefined);
    const frames = await collect(bare.output);
    assert.ok((await collect(decompressOf(from([frames])))).equals(plain));
    // The fingerprint is the SHA-256 of the zstd frames: the same with or without encryption, and from a
    // fingerprint-only pass; other rows give another.
    const fingerprint = FINGERPRINT_PREFIX + createHash('sha256').update(frames).digest('hex');
    assert.equal(bare.result().fingerprint, fingerprint);
    assert.equal(r.fingerprint, fingerprint);
    assert.deepEqual(await fingerprintSpan(fresh()), { fingerprint, rows: pieces.length });
    async function* changed(): AsyncGenerator<SpanChunk> {
      for (const p of pieces) yield { data: Buffer.from(p), rows: 1 };
      yield { data: Buffer.from('one more row'), rows: 1 };
    }
    assert.notEqual((await fingerprintSpan(changed())).fingerprint, fingerprint);
    const empty = encodeSpan(undefined, 'data/3.sst', from([]) as AsyncIterable<never>, () => undefined);
    assert.equal((await collect(empty.output)).length, 0);
    assert.equal(empty.result().rows, 0);
  });

  it('hands chunk buffers back for reuse only once compressed, whatever the chunk sizes', async () => {
    // Owned chunks in arena slots: full, half, tiny (which waits in regroup) and in between. Meanwhile a
    // scribbler overwrites every free slot as often as it can: a slot given back before the encoder has
    // read it corrupts the output.
    const sizes = [
      CHUNK_BUFFER_BYTES,
      10_000,
      CHUNK_BUFFER_BYTES / 2,
      300,
      CHUNK_BUFFER_BYTES - 7,
      5,
      700_000,
    ];
    const expected: Buffer[] = [];
    async function* src(): AsyncGenerator<SpanChunk> {
      for (let round = 0; round < 30; round++)
        for (const size of sizes) {
          // Four random bits a byte: quick to make, slow to compress, so the scribbler runs often
          // while the encoder works.
          const buf = takeChunkBuffer();
          randomFillSync(buf, 0, size);
          const words = new Uint32Array(buf.buffer, buf.byteOffset, size >> 2);
          for (let w = 0; w < words.length; w++) words[w] = (words[w] as number) & 0x0f0f0f0f;
          const data = buf.subarray(0, size);
          expected.push(Buffer.from(data));
          yield { data, rows: 1, owned: true };
        }
    }
    const freeBefore = freeChunkSlots();
    let scribbling = true;
    const scribble = (): void => {
      const taken: Buffer[] = [];
      for (let n = freeChunkSlots(); n > 0; n--) taken.push(takeChunkBuffer().fill(0xee));
      for (const b of taken) giveChunkSlot(chunkSlotOf(b));
      if (scribbling) setImmediate(scribble);
    };
    scribble();
    const enc = encodeSpan(undefined, 'data/6.sst', src(), () => undefined);
    const stored = await collect(enc.output);
    scribbling = false;
    const back = await collect(decompressOf(from([stored])));
    assert.ok(back.equals(Buffer.concat(expected)));
    assert.equal(enc.result().rows, 30 * sizes.length);
    assert.equal(freeChunkSlots(), freeBefore, 'every slot back');
  });

  it('stops the source and fails when the source fails mid-span', async () => {
    let closed = false;
    async function* failing(): AsyncGenerator<SpanChunk> {
      try {
        yield { data: Buffer.alloc(300_000, 1), rows: 1 };
        throw new StrongroomError('SOURCE_ERROR', 'source broke');
      } finally {
        closed = true;
      }
    }
    const enc = encodeSpan(randomBytes(32), 'data/4.sst', failing(), () => undefined);
    await assert.rejects(collect(enc.output), /source broke/);
    assert.ok(closed);
    // The consumer stopping early closes the source too.
    closed = false;
    async function* endless(): AsyncGenerator<SpanChunk> {
      try {
        for (;;) yield { data: randomBytes(256 * 1024), rows: 1 };
      } finally {
        closed = true;
      }
    }
    const enc2 = encodeSpan(undefined, 'data/5.sst', endless(), () => undefined);
    for await (const _ of enc2.output) break;
    assert.ok(closed);
  });
});
