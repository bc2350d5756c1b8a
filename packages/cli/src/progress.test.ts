import assert from 'node:assert/strict';
import { test } from 'vitest';
import { humanBytes, humanDuration, progressLine, progressText } from './progress.js';
import { Sink } from './testing/streams.js';

const p = {
  jobId: 42n,
  jobType: 'BACKUP' as const,
  fraction: 0.375,
  rows: 1200,
  bytes: 3 * 1024 * 1024,
  rate: 1572864,
  etaSeconds: 4.2,
};

test('progress text has fraction, rows, bytes, rate and ETA', () => {
  assert.equal(progressText(p), 'BACKUP job 42: 37.5% · 1200 rows · 3.0 MiB · 1.5 MiB/s · ETA 4s');
  assert.equal(humanBytes(512), '512 B');
  assert.equal(humanDuration(3725), '1h02m');
  assert.equal(humanDuration(75), '1m15s');
});

test('on a terminal the line is redrawn with \\r and erased at the end; elsewhere nothing is written', () => {
  const tty = new Sink(true);
  const line = progressLine(tty);
  line.onProgress?.(p);
  line.onProgress?.({ ...p, fraction: 1 });
  line.clear();
  assert.equal(tty.text.split('\r').length, 4);
  assert.match(tty.text, /^\rBACKUP job 42: 37\.5%.*\rBACKUP job 42: 100\.0%.*\r\x1b\[K$/);
  const pipe = new Sink(false);
  const none = progressLine(pipe);
  assert.equal(none.onProgress, undefined);
  none.clear();
  assert.equal(pipe.text, '');
});
