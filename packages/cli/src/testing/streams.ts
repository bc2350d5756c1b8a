// Test helpers: writable streams that collect what is written (optionally posing as a terminal), and a
// readable stream over a fixed text. Used by the CLI's tests only.
import { Readable, Writable } from 'node:stream';

export class Sink extends Writable {
  text = '';
  readonly isTTY: boolean;
  readonly columns = 100;

  constructor(isTTY = false) {
    super({
      write: (chunk: Buffer | string, _enc, cb) => {
        this.text += chunk.toString();
        cb();
      },
    });
    this.isTTY = isTTY;
  }
}

export function source(text: string, isTTY = false): Readable & { isTTY: boolean } {
  return Object.assign(Readable.from([Buffer.from(text)]), { isTTY });
}
