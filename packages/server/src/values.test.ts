import assert from 'node:assert/strict';
import { test } from 'vitest';
import { decodeParam, encodeBinary, encodeText, forwardedParamCount, wireType } from './values.js';

test('values in text format, as PostgreSQL prints them', () => {
  const t = (v: Parameters<typeof encodeText>[0]) => encodeText(v)?.toString();
  assert.equal(t(null), undefined);
  assert.equal(t(12345678901234567890n), '12345678901234567890');
  assert.equal(t(true), 't');
  assert.equal(t(Number.NaN), 'NaN');
  assert.equal(t(new Uint8Array([0, 255])), '\\x00ff');
  assert.equal(t(new Date('2026-11-22T10:15:00.000Z')), '2026-11-22 10:15:00+00');
  assert.equal(t(new Date('2026-11-22T10:15:00.120Z')), '2026-11-22 10:15:00.12+00');
  assert.deepEqual(
    ['int8', 'float8', 'bool', 'bytea', 'timestamptz', 'jsonb', 'text', 'weird'].map((n) => wireType(n).oid),
    [20, 701, 16, 17, 1184, 3802, 25, 25],
  );
});

test('binary results and parameters', () => {
  assert.equal(encodeBinary(5n, 'int8')?.readBigInt64BE(0), 5n);
  assert.equal(encodeBinary(new Date('2000-01-01T00:00:01Z'), 'timestamptz')?.readBigInt64BE(0), 1_000_000n);
  assert.equal(decodeParam(Buffer.from('pw'), 0, 25, 1), 'pw');
  assert.equal(decodeParam(Buffer.from([0, 0, 0, 7]), 1, 23, 1), 7n);
  assert.equal(decodeParam(Buffer.from('42'), 0, 20, 1), 42n);
  assert.equal(decodeParam(Buffer.from('1.5'), 0, 701, 1), 1.5);
  assert.equal(decodeParam(Buffer.from('t'), 0, 16, 1), true);
  assert.equal(decodeParam(Buffer.from([0]), 1, 16, 1), false);
  assert.deepEqual(decodeParam(Buffer.from('\\x00ff'), 0, 17, 1), Buffer.from([0, 255]));
  assert.equal(decodeParam(Buffer.alloc(8), 1, 1184, 1), '2000-01-01 00:00:00+00');
  assert.throws(() => decodeParam(Buffer.from('x1'), 0, 20, 3), /\$3/);
  assert.equal(encodeText(1n, 'bool')?.toString(), 't');
  assert.equal(
    encodeText(new Date('2026-11-22T10:15:00.500Z'), 'timestamp')?.toString(),
    '2026-11-22 10:15:00.5',
  );
  assert.equal(encodeText('2026-11-22T10:15:00.000Z', 'timestamptz')?.toString(), '2026-11-22 10:15:00+00');
  assert.throws(() => decodeParam(Buffer.from([1]), 1, 600, 2), /\$2/);
});

test('placeholders of forwarded statements, skipping quotes and comments', () => {
  assert.equal(forwardedParamCount('SELECT $1, $3'), 3);
  assert.equal(forwardedParamCount('SELECT \'$9\', "$8" -- $7\n /* $6 */, $$ $5 $$, $2'), 2);
});
