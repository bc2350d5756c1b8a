// Incremental parser of frontend messages: bytes arrive in chunks of any size and complete messages
// come out, in order. Memory is bounded by `maxMessageBytes` (plus one chunk): a length header above the
// limit is rejected before its body is buffered, so an attacker cannot make the server hold more.
import { BufferReader } from './buffer-reader.js';
import {
  CANCEL_REQUEST_CODE,
  type FrontendMessage,
  GSSENC_REQUEST_CODE,
  SSL_REQUEST_CODE,
  type StartupPacket,
} from './messages.js';
import { ProtocolError } from './protocol-error.js';

/** PostgreSQL's own bound on the startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_BYTES = 10_000;

export class MessageParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Whether the next message is a startup packet (no type byte). */
  private startup = true;

  constructor(private readonly maxMessageBytes = 1 << 20) {}

  /** After SSLRequest/GSSENCRequest was answered, the client sends another startup packet. */
  expectStartup(): void {
    this.startup = true;
  }

  /** Bytes received but not yet part of a complete message. */
  get pending(): number {
    return this.buffered;
  }

  /**
   * Adds `data` and returns every message now complete. After a startup packet, parsing stops (the
   * caller decides what comes next and calls `parse` again with an empty buffer to continue).
   */
  parse(data: Buffer): (StartupPacket | FrontendMessage)[] {
    if (data.length > 0) {
      this.chunks.push(data);
      this.buffered += data.length;
    }
    const out: (StartupPacket | FrontendMessage)[] = [];
    for (let frame = this.nextFrame(); frame !== undefined; frame = this.nextFrame()) {
      if (!this.startup) {
        out.push(parseMessage(frame[0]!, frame.subarray(5)));
        continue;
      }
      const packet = parseStartup(frame.subarray(4));
      out.push(packet);
      this.startup = false;
      // SSL/GSS requests and cancels expect an answer before anything else is read.
      if (packet.kind !== 'startup') break;
    }
    return out;
  }

  /** The next complete message (a startup packet has no type byte), or undefined until more arrives. */
  private nextFrame(): Buffer | undefined {
    const headerSize = this.startup ? 4 : 5;
    if (this.buffered < headerSize) return undefined;
    const length = this.peek(headerSize).readInt32BE(headerSize - 4);
    const limit = this.startup ? MAX_STARTUP_BYTES : this.maxMessageBytes;
    if (length < 4) throw new ProtocolError(`invalid message length ${length}`);
    if (length > limit) throw new ProtocolError(`message of ${length} bytes exceeds the limit of ${limit}`);
    const total = length + headerSize - 4;
    return this.buffered < total ? undefined : this.take(total);
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

function parseStartup(body: Buffer): StartupPacket {
  const r = new BufferReader(body);
  const code = r.int32();
  if (code === SSL_REQUEST_CODE) return { kind: 'sslRequest' };
  if (code === GSSENC_REQUEST_CODE) return { kind: 'gssEncRequest' };
  if (code === CANCEL_REQUEST_CODE)
    return { kind: 'cancelRequest', processId: r.int32(), secretKey: r.int32() };
  if (code >>> 16 !== 3)
    throw new ProtocolError(`unsupported frontend protocol ${code >>> 16}.${code & 0xffff}`, '0A000');
  // Minor versions above 3.0 are served as 3.0: drivers asking for 3.2 fall back when they see no
  // NegotiateProtocolVersion-only features used.
  const params: Record<string, string> = Object.create(null);
  for (;;) {
    const key = r.cstring();
    if (key === '') break;
    params[key] = r.cstring();
  }
  return { kind: 'startup', params };
}

function formats(r: BufferReader): number[] {
  const n = r.int16();
  if (n < 0) throw new ProtocolError('negative format count');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = r.int16();
    if (f !== 0 && f !== 1) throw new ProtocolError(`unknown format code ${f}`);
    out.push(f);
  }
  return out;
}

function parseBind(r: BufferReader): FrontendMessage {
  const portal = r.cstring();
  const statement = r.cstring();
  const codes = formats(r);
  const n = r.int16();
  if (n < 0) throw new ProtocolError('negative parameter count');
  if (codes.length > 1 && codes.length !== n)
    throw new ProtocolError(`bind message has ${codes.length} parameter formats but ${n} parameters`);
  const params: (Buffer | null)[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.int32();
    params.push(len === -1 ? null : r.bytes(len));
  }
  const paramFormats = params.map((_, i) => (codes.length === 1 ? codes[0]! : (codes[i] ?? 0)));
  return { kind: 'bind', portal, statement, paramFormats, params, resultFormats: formats(r) };
}

function target(r: BufferReader): 'S' | 'P' {
  const t = String.fromCharCode(r.byte());
  if (t !== 'S' && t !== 'P') throw new ProtocolError(`invalid describe/close target '${t}'`);
  return t;
}

export function parseMessage(type: number, body: Buffer): FrontendMessage {
  const r = new BufferReader(body);
  switch (String.fromCharCode(type)) {
    case 'Q':
      return { kind: 'query', text: r.cstring() };
    case 'P': {
      const name = r.cstring();
      const text = r.cstring();
      const n = r.int16();
      if (n < 0) throw new ProtocolError('negative parameter type count');
      const paramTypes: number[] = [];
      for (let i = 0; i < n; i++) paramTypes.push(r.int32() >>> 0);
      return { kind: 'parse', name, text, paramTypes };
    }
    case 'B':
      return parseBind(r);
    case 'D':
      return { kind: 'describe', target: target(r), name: r.cstring() };
    case 'E':
      return { kind: 'execute', portal: r.cstring(), maxRows: r.int32() };
    case 'C':
      return { kind: 'close', target: target(r), name: r.cstring() };
    case 'S':
      return { kind: 'sync' };
    case 'H':
      return { kind: 'flush' };
    case 'X':
      return { kind: 'terminate' };
    case 'p':
      return { kind: 'password', body: r.rest() };
    default:
      throw new ProtocolError(`invalid frontend message type ${type}`);
  }
}
