// Cuts a stream of arbitrary chunks into fixed-size parts for multipart/block/resumable uploads.
// Memory bound: the part being filled (`partSize` bytes); a yielded part is a fresh buffer the
// consumer owns, so with one part in flight an upload holds at most two parts. Only the last part
// may be shorter; an empty source yields one empty part, so an empty object still gets written.
import type { StrongroomError } from '@strongroom/errors';

export async function* partsOf(
  data: AsyncIterable<Uint8Array> | Uint8Array,
  partSize: number,
  signal: AbortSignal | undefined,
  canceled: () => StrongroomError,
): AsyncGenerator<Buffer> {
  let yielded = 0;
  const parts =
    data instanceof Uint8Array ? slicesOf(data, partSize) : filledParts(data, partSize, signal, canceled);
  for await (const part of parts) {
    yield part;
    yielded++;
  }
  if (signal?.aborted) throw canceled();
  if (yielded === 0) yield Buffer.alloc(0);
}

/** A buffer's parts: views into it, no copy. */
function* slicesOf(data: Uint8Array, partSize: number): Generator<Buffer> {
  const all = Buffer.from(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < all.length; i += partSize) yield all.subarray(i, i + partSize);
}

/** A stream's chunks copied into parts of `partSize` bytes, the last one possibly shorter. */
async function* filledParts(
  data: AsyncIterable<Uint8Array>,
  partSize: number,
  signal: AbortSignal | undefined,
  canceled: () => StrongroomError,
): AsyncGenerator<Buffer> {
  let part = Buffer.allocUnsafe(partSize);
  let filled = 0;
  for await (const chunk of data) {
    if (signal?.aborted) throw canceled();
    for (let at = 0; at < chunk.length; ) {
      const n = Math.min(partSize - filled, chunk.length - at);
      part.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled < partSize) continue;
      yield part;
      part = Buffer.allocUnsafe(partSize);
      filled = 0;
    }
  }
  if (filled > 0) yield part.subarray(0, filled);
}
