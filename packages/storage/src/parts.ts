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
  if (data instanceof Uint8Array) {
    const all = Buffer.from(data.buffer, data.byteOffset, data.length);
    for (let i = 0; i < all.length; i += partSize, yielded++) yield all.subarray(i, i + partSize);
  } else {
    let part = Buffer.allocUnsafe(partSize);
    let filled = 0;
    for await (const chunk of data) {
      if (signal?.aborted) throw canceled();
      for (let at = 0; at < chunk.length; ) {
        const n = Math.min(partSize - filled, chunk.length - at);
        part.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === partSize) {
          yield part;
          yielded++;
          part = Buffer.allocUnsafe(partSize);
          filled = 0;
        }
      }
    }
    if (filled > 0) {
      yield part.subarray(0, filled);
      yielded++;
    }
  }
  if (signal?.aborted) throw canceled();
  if (yielded === 0) yield Buffer.alloc(0);
}
