// Recycled 1 MiB buffers for span chunks. A source fills one and yields it as an `owned` chunk; the engine
// transfers it to an encoder thread, which transfers it back once compressed, and the engine returns it
// here. Reading a large table then allocates a few dozen buffers instead of one per MiB read, which spares
// the garbage collector (external-memory pressure) and the page faults of fresh memory.

/** The size of every recycled chunk buffer. */
export const CHUNK_BUFFER_BYTES = 1024 * 1024;
/** Free buffers kept at most (the rest are left to the garbage collector). */
const KEEP = 32;

const free: ArrayBuffer[] = [];

/** A buffer of CHUNK_BUFFER_BYTES: a recycled one when there is one (contents undefined). */
export function takeChunkBuffer(): Buffer {
  const ab = free.pop();
  return ab === undefined ? Buffer.allocUnsafeSlow(CHUNK_BUFFER_BYTES) : Buffer.from(ab);
}

/**
 * Gives back the memory of a chunk buffer nobody references any more (for instance one transferred back
 * from a worker thread). Other sizes are ignored.
 */
export function giveChunkBuffer(ab: ArrayBuffer): void {
  if (ab.byteLength === CHUNK_BUFFER_BYTES && free.length < KEEP) free.push(ab);
}
