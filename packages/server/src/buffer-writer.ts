// Builds one backend message: a type byte, a 4-byte length (filled in by `message()`), then the fields.
// A writer is reused for many messages; `message()` returns a copy and resets it.

export class BufferWriter {
  private buf: Buffer;
  private offset = 5;

  constructor(size = 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(n: number): void {
    if (this.offset + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.offset + n));
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.offset);
    this.offset += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.offset);
    this.offset += 4;
    return this;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buf[this.offset++] = v;
    return this;
  }

  cstring(s: string): this {
    const n = Buffer.byteLength(s);
    this.ensure(n + 1);
    this.buf.write(s, this.offset, 'utf8');
    this.offset += n;
    this.buf[this.offset++] = 0;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.offset);
    this.offset += b.length;
    return this;
  }

  /** Finishes a message of `type` (an ASCII code) and resets the writer. */
  message(type: string): Buffer {
    this.buf[0] = type.charCodeAt(0);
    this.buf.writeInt32BE(this.offset - 1, 1);
    const out = Buffer.from(this.buf.subarray(0, this.offset));
    this.offset = 5;
    return out;
  }
}
