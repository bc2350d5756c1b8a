// Span chunks in a shared arena. A source fills a 1 MiB slot of one SharedArrayBuffer and yields it as a
// `slot` chunk; the engine tells an encoder thread "slot N, L bytes" (the thread sees the same memory), and
// gives the slot back here once the thread has compressed it. Nothing is allocated, copied or transferred
// per chunk: reading a large table used to allocate (or transfer back) one ArrayBuffer per MiB read, and
// that external memory made V8 run a major garbage collection about every 100 MB (~1 CPU-s per GB read).
// When every slot is in use (a consumer that never gives slots back, many spans in flight), chunks are
// plain buffers of their own instead.

/** The size of every chunk buffer. */
export const CHUNK_BUFFER_BYTES = 1024 * 1024;
/**
 * Slots in the arena (32 MiB, touched only as used): more than a backup keeps in flight at the default two
 * spans (per span: 8 queued at its encoder, 2 parsed and waiting, 1 being filled).
 */
const SLOTS = 32;

let arena: SharedArrayBuffer | undefined;
const free: number[] = [];

/** The arena all slot chunks live in (created on first use), for handing to worker threads. */
export function chunkArena(): SharedArrayBuffer {
  if (arena === undefined) {
    arena = new SharedArrayBuffer(SLOTS * CHUNK_BUFFER_BYTES);
    for (let slot = SLOTS - 1; slot >= 0; slot--) free.push(slot);
  }
  return arena;
}

/**
 * A buffer of CHUNK_BUFFER_BYTES (contents undefined): a free slot of the arena when there is one (see
 * chunkSlotOf), else a buffer of its own.
 */
export function takeChunkBuffer(): Buffer {
  const shared = chunkArena();
  const slot = free.pop();
  if (slot === undefined) return Buffer.allocUnsafeSlow(CHUNK_BUFFER_BYTES);
  return Buffer.from(shared, slot * CHUNK_BUFFER_BYTES, CHUNK_BUFFER_BYTES);
}

/** The arena slot `data` starts at (a view given by takeChunkBuffer, or a prefix of one), else -1. */
export function chunkSlotOf(data: Uint8Array): number {
  if (arena === undefined || data.buffer !== arena || data.byteOffset % CHUNK_BUFFER_BYTES !== 0) return -1;
  if (data.byteLength > CHUNK_BUFFER_BYTES) return -1;
  return data.byteOffset / CHUNK_BUFFER_BYTES;
}

/** Slots free now (for tests and diagnostics). */
export function freeChunkSlots(): number {
  chunkArena();
  return free.length;
}

/** Gives a slot back once nothing reads or writes it any more; it is then reused by takeChunkBuffer. */
export function giveChunkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS || free.includes(slot))
    throw new Error(`chunk slot ${slot} is not in use`);
  free.push(slot);
}

/** Gives back the slot `data` lies in, if it lies in one (a chunk its holder is done with). */
export function releaseChunk(data: Uint8Array): void {
  const slot = chunkSlotOf(data);
  if (slot >= 0) giveChunkSlot(slot);
}
