// Chain correctness: random changes between layers; restoring each layer's point in time (AS OF
// SYSTEM TIME = its end time) yields exactly the source as it was then. Also: an incremental stores
// only the spans that changed.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { type Fixture, fixture } from './helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Op =
  | { kind: 'insert'; n: number; big: bigint; text: string }
  | { kind: 'update'; id: number; big: bigint }
  | { kind: 'delete'; id: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    n: fc.integer({ min: 1, max: 5 }),
    big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    text: fc.string({ unit: 'grapheme', maxLength: 12 }),
  }),
  fc.record({
    kind: fc.constant('update' as const),
    id: fc.integer({ min: 1, max: 40 }),
    big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 40 }) }),
);

async function apply(f: Fixture, op: Op): Promise<void> {
  switch (op.kind) {
    case 'insert':
      for (let i = 0; i < op.n; i++)
        await f.run('INSERT INTO t (big, txt, raw) VALUES (?, ?, ?)', [op.big.toString(), op.text, null]);
      break;
    case 'update':
      await f.run('UPDATE t SET big = ?, raw = randomblob(4) WHERE id = ?', [
        op.big.toString(),
        String(op.id),
      ]);
      break;
    case 'delete':
      await f.run('DELETE FROM t WHERE id = ?', [String(op.id)]);
      break;
  }
}

describe('incremental chains', () => {
  it('restores every layer of a chain exactly as the source was at that layer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        async (rounds) => {
          const f = await fixture();
          try {
            const k = f.key('k');
            await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, big INTEGER, txt TEXT, raw BLOB)');
            await f.run('CREATE TABLE untouched (x)');
            await f.run("INSERT INTO untouched VALUES ('same'), (x'01')");
            for (let i = 0; i < 10; i++)
              await f.run('INSERT INTO t (big, txt) VALUES (?, ?)', [String(i), `r${i}`]);
            const states: unknown[][][] = [];
            await f.run(`BACKUP INTO 'nodelocal://1/c' WITH kms = '${k}'`);
            states.push(f.rows('defaultdb', 't'));
            for (const ops of rounds) {
              for (const op of ops) await apply(f, op);
              await sleep(15);
              await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c' WITH kms = '${k}'`);
              states.push(f.rows('defaultdb', 't'));
            }
            const show = await f.run(`SHOW BACKUP FROM LATEST IN 'nodelocal://1/c' WITH kms = '${k}'`);
            const ends = [...new Set(show.rows.map((r) => (r[6] as Date).toISOString()))];
            assert.equal(ends.length, states.length);
            for (const [i, end] of ends.entries()) {
              const db = `point${i}`;
              await f.run(
                `RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' AS OF SYSTEM TIME '${end}' WITH kms = '${k}', new_db_name = '${db}'`,
              );
              assert.deepEqual(f.rows(db, 't'), states[i], `layer ${i}`);
              assert.deepEqual(f.rows(db, 'untouched'), f.rows('defaultdb', 'untouched'));
            }
            // Unchanged tables are not stored again by incrementals.
            const untouchedRows = show.rows.filter((r) => r[2] === 'untouched').map((r) => r[8]);
            assert.deepEqual(untouchedRows, [2, ...Array(rounds.length).fill(0)]);
          } finally {
            await f.engine.close();
          }
        },
      ),
      { numRuns: 6 },
    );
  });

  it('an incremental stores only the spans that changed', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT)');
      await f.run(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100000) INSERT INTO big SELECT i, 'v' || i || printf('%60d', i) FROM s",
      );
      await f.run(`BACKUP INTO 'nodelocal://1/c'`);
      await f.run("UPDATE big SET v = 'changed' WHERE id = 50000");
      await sleep(15);
      await f.run(`BACKUP INTO LATEST IN 'nodelocal://1/c'`);
      const files = await f.run(`SHOW BACKUP FILES FROM LATEST IN 'nodelocal://1/c'`);
      const full = files.rows.filter((r) => r[1] === 'full');
      const inc = files.rows.filter((r) => r[1] === 'incremental');
      // SQLite tables are backed up as 4 MiB page windows: this ~9 MB table spans at least two.
      assert.ok(full.length >= 2, `the full backup has several spans (${full.length})`);
      assert.equal(inc.length, 1, 'only the changed span was stored again');
      assert.ok((inc[0]?.[7] as number) < 100000);
      await f.run(`RESTORE DATABASE defaultdb FROM LATEST IN 'nodelocal://1/c' WITH new_db_name = 'r'`);
      assert.deepEqual(f.rows('r', 'big'), f.rows('defaultdb', 'big'));
    } finally {
      await f.engine.close();
    }
  });
});
