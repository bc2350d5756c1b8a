// Plain JavaScript: worker threads cannot load TypeScript through tsx on Node 20.
// A writer for the page-backup consistency test, run in a worker thread: every transaction adds the same
// amount to a random row of `a` and a random row of `b`, and appends to `c` (growing the file), so the
// sums of `a` and `b` are equal in every committed state.
import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ file: string, shared: SharedArrayBuffer }} */
const { file, shared } = workerData;
const flags = new Int32Array(shared); // [0] stop request, [1] commits made
const db = new Database(file, { timeout: 10_000 });
const addA = db.prepare('UPDATE a SET v = v + ? WHERE id = ?');
const addB = db.prepare('UPDATE b SET v = v + ? WHERE id = ?');
const grow = db.prepare('INSERT INTO c (pad) VALUES (?)');
let n = 0;
while (Atomics.load(flags, 0) === 0) {
  n++;
  const d = (n % 13) + 1;
  db.exec('BEGIN IMMEDIATE');
  addA.run(d, ((n * 7919) % 20_000) + 1);
  addB.run(d, ((n * 104_729) % 20_000) + 1);
  grow.run('x'.repeat(200 + (n % 500)));
  db.exec('COMMIT');
  Atomics.store(flags, 1, n);
}
db.close();
