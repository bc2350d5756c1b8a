// Runs in every test file (vitest `setupFiles`): before the file's process ends, wait for the worker threads
// that a failed or abandoned span asked to stop, whether or not the test closed its engine. A process that
// ends while one is inside a native call aborts (packages/engine/src/pipeline/stop-thread.ts).
import { afterAll } from 'vitest';
import { threadsStopped } from '../../packages/engine/src/pipeline/stop-thread.js';

afterAll(async () => {
  await threadsStopped();
});
