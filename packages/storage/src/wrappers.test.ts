import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStrongroomError, StrongroomError } from '@strongroom/errors';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { LocalFileStorage } from './local-storage.js';
import { withFaults } from './with-faults.js';
import { withRetries } from './with-retries.js';

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return Buffer.concat(out);
}

async function* stream(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('withFaults and withRetries', () => {
  let root: string;
  let n = 0;
  const fresh = () => new LocalFileStorage(join(root, `s${++n}`), `file://${root}/s${n}`);
  const data = Buffer.from(Array.from({ length: 700_000 }, (_, i) => i % 251));
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'strongroom-wrappers-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('fails the nth write mid-stream and leaves nothing behind', async () => {
    const inner = fresh();
    const s = withFaults(inner, { failWrite: { nth: 2, afterBytes: 300_000 } });
    await s.write('one', data);
    await assert.rejects(s.write('two', stream(data, 65_536)), (e: unknown) =>
      isStrongroomError(e, 'STORAGE_UNAVAILABLE'),
    );
    await s.write('three', data);
    assert.equal(s.stats.injected, 1);
    assert.equal(await inner.size('two'), undefined);
    assert.deepEqual((await readdir(inner.root)).sort(), ['one', 'three']);
  });

  it('retries a failed read, resuming where it stopped', async () => {
    const inner = fresh();
    await inner.write('obj', data);
    const faulty = withFaults(inner, { failRead: { count: 2, afterBytes: 300_000 } });
    const retries: string[] = [];
    const s = withRetries(faulty, {
      baseDelayMs: 1,
      onRetry: (r) => retries.push(`${r.op} ${r.path} #${r.attempt}`),
    });
    const got = await collect(s.read('obj', { offset: 10, length: 650_000 }));
    assert.ok(got.equals(data.subarray(10, 650_010)));
    assert.deepEqual(retries, ['read obj #1', 'read obj #2']);
    assert.equal(faulty.stats.reads, 3);
  });

  it('gives up after maxAttempts with a message naming the object and the cause', async () => {
    const inner = fresh();
    await inner.write('obj', data);
    const s = withRetries(withFaults(inner, { failRead: {} }), { maxAttempts: 3, baseDelayMs: 1 });
    await assert.rejects(
      s.readAll('obj'),
      (e: unknown) =>
        isStrongroomError(e, 'STORAGE_UNAVAILABLE') &&
        /^read of obj in file:\/\/.* failed after 3 attempts: injected fault: read of obj/.test(e.message),
    );
  });

  it('does not retry permanent errors', async () => {
    let calls = 0;
    const s = withRetries(
      withFaults(fresh(), {
        failRead: {},
        error: () => {
          calls++;
          return new StrongroomError('STORAGE_IO', 'disk on fire');
        },
      }),
      { baseDelayMs: 1 },
    );
    await s.write('obj', data);
    await assert.rejects(
      s.readAll('obj'),
      (e: unknown) => isStrongroomError(e, 'STORAGE_IO') && e.message === 'disk on fire',
    );
    assert.equal(calls, 1);
  });

  it('retries whole-buffer writes but never a stream it cannot replay', async () => {
    const s1 = withRetries(withFaults(fresh(), { failWrite: { nth: 1, afterBytes: 10 } }), {
      baseDelayMs: 1,
    });
    assert.equal(await s1.write('buf', data), data.length);
    const s2 = withRetries(withFaults(fresh(), { failWrite: { nth: 1, afterBytes: 10 } }), {
      baseDelayMs: 1,
    });
    await assert.rejects(s2.write('stream', stream(data, 1000)), (e: unknown) =>
      isStrongroomError(e, 'STORAGE_UNAVAILABLE'),
    );
  });

  it('delays operations', async () => {
    const s = withFaults(fresh(), { delayMs: 30 });
    const t0 = Date.now();
    await s.size('x');
    assert.ok(Date.now() - t0 >= 25);
  });
});
