// The one suite every storage provider runs (after CockroachDB's CheckExportStore/CheckListFiles and
// restic's backend test suite): round trips small and multi-MiB streamed objects, ranged reads,
// listings, not-found errors, never-overwrite under concurrency, delete, and aborted writes.
import assert from 'node:assert/strict';
import { isStrongroomError } from '@strongroom/errors';
import type { ExternalStorage } from '@strongroom/storage';
import { describe, it } from 'vitest';
import { chunked, collect, collectNames, pseudoRandomBytes } from './bytes.js';

/** Makes a new, empty storage for each test. */
export type MakeStorage = () => Promise<ExternalStorage>;

const isCode = (code: string) => (e: unknown) => isStrongroomError(e) && e.code === code;

export function runStorageConformance(name: string, makeStorage: MakeStorage): void {
  const withStorage = (fn: (s: ExternalStorage) => Promise<void>) => async () => {
    const s = await makeStorage();
    try {
      await fn(s);
    } finally {
      await s.close?.();
    }
  };

  describe(`storage conformance: ${name}`, () => {
    it(
      'round-trips a small object written as a buffer',
      withStorage(async (s) => {
        const data = Buffer.from('hello, strongroom');
        assert.equal(await s.write('a/b/small.txt', data), data.length);
        assert.deepEqual(Buffer.from(await s.readAll('a/b/small.txt')), data);
        assert.equal(await s.size('a/b/small.txt'), data.length);
      }),
    );

    it(
      'round-trips an empty object',
      withStorage(async (s) => {
        assert.equal(await s.write('empty', new Uint8Array(0)), 0);
        assert.equal(await s.size('empty'), 0);
        assert.equal((await s.readAll('empty')).length, 0);
      }),
    );

    it(
      'round-trips a multi-MiB streamed object',
      withStorage(async (s) => {
        const data = pseudoRandomBytes(5 * 1024 * 1024 + 123, 'big');
        assert.equal(await s.write('big/object', chunked(data)), data.length);
        assert.equal(await s.size('big/object'), data.length);
        assert.ok((await collect(s.read('big/object'))).equals(data));
      }),
    );

    it(
      'serves byte ranges',
      withStorage(async (s) => {
        const data = pseudoRandomBytes(1024 * 1024 + 17, 'ranges');
        await s.write('r', chunked(data));
        for (const [offset, length] of [
          [0, 1],
          [1, 10],
          [65_535, 3],
          [500_000, 300_000],
          [data.length - 1, 1],
          [data.length, 0],
        ] as const) {
          const got = await s.readAll('r', { offset, length });
          assert.ok(Buffer.from(got).equals(data.subarray(offset, offset + length)), `${offset}+${length}`);
        }
        const tail = await collect(s.read('r', { offset: 1000 }));
        assert.ok(tail.equals(data.subarray(1000)));
        // A range past the end is an error, never a silently short read (restic's Load contract).
        await assert.rejects(s.readAll('r', { offset: data.length - 1, length: 2 }));
        await assert.rejects(s.readAll('r', { offset: data.length + 1 }));
      }),
    );

    it(
      'lists with prefixes and delimiters, sorted, relative',
      withStorage(async (s) => {
        const names = ['a/1', 'a/2/x', 'a/2/y', 'a/3', 'ab', 'b/c/d/e', 'z'];
        for (const n of [...names].reverse()) await s.write(n, Buffer.from(n));
        assert.deepEqual(await collectNames(s.list('')), names);
        assert.deepEqual(await collectNames(s.list('a/')), ['a/1', 'a/2/x', 'a/2/y', 'a/3']);
        assert.deepEqual(await collectNames(s.list('a')), ['a/1', 'a/2/x', 'a/2/y', 'a/3', 'ab']);
        assert.deepEqual(await collectNames(s.list('', { delimiter: '/' })), ['a/', 'ab', 'b/', 'z']);
        assert.deepEqual(await collectNames(s.list('a/', { delimiter: '/' })), ['a/1', 'a/2/', 'a/3']);
        assert.deepEqual(await collectNames(s.list('b/', { delimiter: '/' })), ['b/c/']);
        assert.deepEqual(await collectNames(s.list('a/2', { delimiter: '/' })), ['a/2/']);
        assert.deepEqual(await collectNames(s.list('nothing/')), []);
      }),
    );

    it(
      'reports missing objects',
      withStorage(async (s) => {
        await assert.rejects(s.readAll('missing'), isCode('STORAGE_NOT_FOUND'));
        await assert.rejects(collect(s.read('no/such/object')), isCode('STORAGE_NOT_FOUND'));
        assert.equal(await s.size('missing'), undefined);
        assert.deepEqual(await collectNames(s.list('missing')), []);
      }),
    );

    it(
      'never overwrites an existing object',
      withStorage(async (s) => {
        await s.write('once', Buffer.from('first'));
        await assert.rejects(s.write('once', Buffer.from('second')), isCode('STORAGE_ALREADY_EXISTS'));
        await assert.rejects(
          s.write('once', chunked(Buffer.from('third'))),
          isCode('STORAGE_ALREADY_EXISTS'),
        );
        assert.equal(Buffer.from(await s.readAll('once')).toString(), 'first');
      }),
    );

    it(
      'lets exactly one of two concurrent writers to one name win',
      withStorage(async (s) => {
        const a = pseudoRandomBytes(600_000, 'writer a');
        const b = pseudoRandomBytes(600_000, 'writer b');
        const results = await Promise.allSettled([
          s.write('contended', chunked(a, 50_000, 2)),
          s.write('contended', chunked(b, 50_000, 2)),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 1);
        assert.ok(isCode('STORAGE_ALREADY_EXISTS')((lost[0] as PromiseRejectedResult).reason));
        const stored = Buffer.from(await s.readAll('contended'));
        assert.ok(stored.equals(results[0]!.status === 'fulfilled' ? a : b));
        assert.deepEqual(await collectNames(s.list('')), ['contended']);
      }),
    );

    it(
      'deletes, and deleting a missing object is not an error',
      withStorage(async (s) => {
        await s.write('d/x', Buffer.from('x'));
        await s.delete('d/x');
        assert.equal(await s.size('d/x'), undefined);
        await assert.rejects(s.readAll('d/x'), isCode('STORAGE_NOT_FOUND'));
        await s.delete('d/x');
        await s.write('d/x', Buffer.from('again'));
        assert.equal(Buffer.from(await s.readAll('d/x')).toString(), 'again');
      }),
    );

    it(
      'leaves nothing behind when a write is aborted or its source fails',
      withStorage(async (s) => {
        const ac = new AbortController();
        async function* slow() {
          yield pseudoRandomBytes(100_000, 'part');
          ac.abort();
          yield pseudoRandomBytes(100_000, 'rest');
        }
        await assert.rejects(s.write('aborted', slow(), { signal: ac.signal }));
        async function* broken() {
          yield pseudoRandomBytes(100_000, 'part');
          throw new Error('source failed');
        }
        await assert.rejects(s.write('broken', broken()));
        assert.equal(await s.size('aborted'), undefined);
        assert.equal(await s.size('broken'), undefined);
        assert.deepEqual(await collectNames(s.list('')), []);
        await s.write('aborted', Buffer.from('now complete'));
        assert.equal(Buffer.from(await s.readAll('aborted')).toString(), 'now complete');
      }),
    );

    it(
      'rejects object names that leave the root',
      withStorage(async (s) => {
        for (const bad of ['../x', 'a/../../x', '/abs', '', 'a//b']) {
          await assert.rejects(s.write(bad, Buffer.from('x')), isCode('INVALID_PARAMETER'), bad);
        }
      }),
    );
  });
}
