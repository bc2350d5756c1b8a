// The socket strongroom gives node-postgres for connections without TLS: see DirectReadSocket.
import net from 'node:net';

/** Bytes per read. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * A socket for node-postgres (the `stream` option) whose reads land in one reused buffer: while a COPY
 * runs, they go straight to its parser (`divert`), which copies the rows out; otherwise each read is
 * copied into a Buffer of its own and emitted as 'data' for the driver. A plain socket allocates a new
 * buffer for every read, which at hundreds of MB/s keeps V8's garbage collector busy. Not for TLS.
 */
export class DirectReadSocket extends net.Socket {
  #sink: ((buf: Buffer) => boolean) | undefined;

  constructor() {
    const onread = {
      buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES),
      callback: (n: number, buf: Uint8Array): boolean => (this as DirectReadSocket).#read(n, buf),
    };
    // `onread` is taken by the constructor (the type declarations list it for connect() only).
    super({ onread } as net.SocketConstructorOpts);
  }

  #read(n: number, buf: Uint8Array): boolean {
    const view = Buffer.from(buf.buffer, buf.byteOffset, n);
    if (this.#sink !== undefined) return this.#sink(view);
    this.emit('data', Buffer.from(view));
    return true;
  }

  /** Sends reads to `sink` (which returns false to pause the socket) until called with undefined. */
  divert(sink: ((buf: Buffer) => boolean) | undefined): void {
    this.#sink = sink;
  }
}
