// A writer for the snapshot test, run in a worker thread: moves money between accounts (the total never
// changes) and appends to a log with a counter in one transaction, until told to stop.
import { workerData } from 'node:worker_threads';
import { openDatabase } from './driver.js';

const { file, shared } = workerData as { file: string; shared: SharedArrayBuffer };
const flags = new Int32Array(shared); // [0] stop request, [1] commits made
const db = openDatabase(file, { timeoutMs: 10_000 });
const move = db.prepare('UPDATE acc SET balance = balance + ? WHERE id = ?');
const log = db.prepare('INSERT INTO log (n) VALUES (?)');
const count = db.prepare('UPDATE counter SET n = n + 1');
let n = 0;
while (Atomics.load(flags, 0) === 0) {
  n++;
  const from = BigInt((n * 7919) % 30_000) + 1n;
  const to = BigInt((n * 104_729) % 30_000) + 1n;
  db.exec('BEGIN IMMEDIATE');
  move.run(-5n, from);
  move.run(5n, to);
  log.run(BigInt(n));
  count.run();
  db.exec('COMMIT');
  Atomics.store(flags, 1, n);
}
db.close();
