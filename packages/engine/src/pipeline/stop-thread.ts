// Stopping a worker thread that may be inside a native call. `worker.terminate()` (and a process that ends
// while its threads run) stops a thread wherever it is: inside zstd-napi, the call then fails on the dying
// environment, and node-addon-api rethrows from its catch handler, which aborts the whole process
// ("terminate called after throwing an instance of 'Napi::Error'"; the same class of crash as
// nodejs/node-addon-api#975). So a thread is asked to stop instead: it exits from JavaScript, between two
// tasks, when no native call is running on it. Only a thread that does not stop in time is terminated.
import type { Worker } from 'node:worker_threads';

/** The message a pool's thread answers by exiting (`process.exit` there ends only the thread). */
export interface StopRequest {
  readonly t: 'stop';
}

/** A thread asked to stop is terminated after this long (one that hangs; a busy one stops in milliseconds). */
const GRACE_MS = 10_000;

const stopping = new Set<Promise<void>>();

/**
 * Asks `worker` to exit and resolves once it has. Until then it keeps the process alive, so a process that
 * ends by running out of work ends only after its threads have stopped.
 */
export function stopThread(worker: Worker): Promise<void> {
  if (worker.threadId === -1) return Promise.resolve(); // already gone
  const gone = new Promise<void>((resolve) => {
    const timer = setTimeout(() => void worker.terminate(), GRACE_MS);
    timer.unref();
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  worker.ref();
  worker.postMessage({ t: 'stop' } satisfies StopRequest);
  stopping.add(gone);
  void gone.finally(() => stopping.delete(gone));
  return gone;
}

/** Resolves once every thread asked to stop so far has exited (before a process or test ends). */
export async function threadsStopped(): Promise<void> {
  while (stopping.size > 0) await Promise.all(stopping);
}
