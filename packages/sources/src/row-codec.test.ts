import assert from 'node:assert/strict';
import { test } from 'vitest';
import { decodeRows, FRAME_TARGET_BYTES, type Row, RowFrameEncoder } from './row-codec.js';

function encodeAll(rows: readonly Row[]): Uint8Array[] {
  const encoder = new RowFrameEncoder();
  const frames: Uint8Array[] = [];
  for (const row of rows) {
    const frame = encoder.add(row);
    if (frame) frames.push(frame.data);
  }
  const last = encoder.flush();
  if (last) frames.push(last.data);
  return frames;
}

async function collect(chunks: Iterable<Uint8Array>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of decodeRows(chunks)) rows.push(row);
  return rows;
}

const tricky: Row[] = [
  [null, 0n, -1n, 9223372036854775807n, -9223372036854775808n, 9007199254740993n],
  [5.0, -0, 0.1, 1e300, Number.POSITIVE_INFINITY, -(2 ** 40), Number.NaN],
  ['', 'a\0b', '😀𝄞', 'é', Buffer.alloc(0), new Uint8Array([0, 255, 1])],
];

test('values keep their kind and exact value (bigint stays bigint, 5.0 stays a float, -0 survives)', async () => {
  const rows = await collect(encodeAll(tricky));
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], tricky[0]);
  const reals = rows[1]!;
  for (const v of reals) assert.equal(typeof v, 'number');
  assert.ok(Object.is(reals[1], -0));
  assert.ok(Object.is(reals[0], 5));
  assert.ok(Number.isNaN(reals[6]));
  assert.deepEqual(reals.slice(2, 6), [0.1, 1e300, Number.POSITIVE_INFINITY, -(2 ** 40)]);
  const texts = rows[2]!;
  assert.deepEqual(texts.slice(0, 4), ['', 'a\0b', '😀𝄞', 'é']);
  assert.ok(texts[4] instanceof Uint8Array && texts[4].length === 0);
  assert.deepEqual([...(texts[5] as Uint8Array)], [0, 255, 1]);
});

test('a stream split at every offset decodes to the same rows', async () => {
  const bytes = Buffer.concat(encodeAll(tricky));
  const expected = await collect([bytes]);
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.deepEqual(await collect([bytes.subarray(0, cut), bytes.subarray(cut)]), expected);
  }
  const oneByOne = [...bytes].map((b) => Uint8Array.of(b));
  assert.deepEqual(await collect(oneByOne), expected);
});

test('frames are bounded, deterministic, and count their rows', async () => {
  const rows: Row[] = [];
  for (let i = 0; i < 30_000; i++) rows.push([BigInt(i), `row ${i} ${'x'.repeat(i % 50)}`, i / 7]);
  const a = encodeAll(rows);
  const b = encodeAll(rows);
  assert.deepEqual(a, b);
  assert.ok(a.length >= 2);
  for (const frame of a.slice(0, -1)) {
    assert.ok(
      frame.length >= FRAME_TARGET_BYTES && frame.length < FRAME_TARGET_BYTES + 1024,
      `${frame.length}`,
    );
  }
  assert.deepEqual(await collect(a), rows);
});

test('a truncated stream or garbage is reported as corrupted', async () => {
  const bytes = Buffer.concat(encodeAll(tricky));
  await assert.rejects(collect([bytes.subarray(0, bytes.length - 1)]), { code: 'CORRUPTED' });
  await assert.rejects(collect([Buffer.from([0, 0, 0, 2, 0xc1, 0xc1])]), { code: 'CORRUPTED' });
});
