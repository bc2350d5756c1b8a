// BinaryRowCounter (restore progress over COPY BINARY rows) under arbitrary chunking, and the choice of
// COPY BINARY by column types.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryRowCounter, binaryCopyable } from './copy-out.js';

/** Header-less COPY BINARY rows: each a list of fields, null for NULL. */
function encode(rows: (Buffer | null)[][]): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const f of row) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f === null ? -1 : f.length);
      parts.push(len);
      if (f !== null) parts.push(f);
    }
  }
  return Buffer.concat(parts);
}

describe('BinaryRowCounter', () => {
  const rows = [
    [Buffer.from('abc'), null, Buffer.alloc(0)],
    [Buffer.alloc(70_000, 7), Buffer.from([1, 2, 3, 4]), null],
    [null, null, null],
    [Buffer.from('x'), Buffer.from('yy'), Buffer.from('zzz')],
  ];
  const data = encode(rows);

  it('counts rows in one chunk', () => {
    assert.equal(new BinaryRowCounter().feed(data), rows.length);
  });

  it('counts rows however the stream is cut', () => {
    for (const size of [1, 2, 3, 5, 7, 4096, 65_537]) {
      const counter = new BinaryRowCounter();
      let n = 0;
      for (let i = 0; i < data.length; i += size) n += counter.feed(data.subarray(i, i + size));
      assert.equal(n, rows.length, `chunks of ${size}`);
    }
  });

  it('counts zero-column rows', () => {
    assert.equal(new BinaryRowCounter().feed(encode([[], []])), 2);
  });
});

describe('binaryCopyable', () => {
  it('takes built-in types and their arrays, not user types', () => {
    assert.equal(binaryCopyable([20, 25, 1700, 1184, 3802, 17, 1007]), true);
    assert.equal(binaryCopyable([20, 16_385]), false);
    assert.equal(binaryCopyable([]), false);
  });
});
