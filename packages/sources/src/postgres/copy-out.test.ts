// BinaryRowCounter (restore progress over COPY BINARY rows) under arbitrary chunking, the choice of COPY
// BINARY by column types, and copyOut's framing of the server's messages into chunks of whole rows however
// the bytes arrive (the real server is in test/src/postgres-copy.test.ts).
import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, it } from 'vitest';
import { CHUNK_BUFFER_BYTES, chunkSlotOf, freeChunkSlots, giveChunkSlot } from '../chunk-buffers.js';
import type { SpanChunk } from '../types.js';
import type { PgClient } from './connect.js';
import { BINARY_HEADER, BINARY_TRAILER, BinaryRowCounter, binaryCopyable, copyOut } from './copy-out.js';
import { DirectReadSocket } from './direct-read-socket.js';

/** Header-less COPY BINARY rows: each a list of fields, null for NULL. */
function encode(rows: (Buffer | null)[][]): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(row.length);
    parts.push(count);
    for (const f of row) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f === null ? -1 : f.length);
      parts.push(len);
      if (f !== null) parts.push(f);
    }
  }
  return Buffer.concat(parts);
}

describe('BinaryRowCounter', () => {
  const rows = [
    [Buffer.from('abc'), null, Buffer.alloc(0)],
    [Buffer.alloc(70_000, 7), Buffer.from([1, 2, 3, 4]), null],
    [null, null, null],
    [Buffer.from('x'), Buffer.from('yy'), Buffer.from('zzz')],
  ];
  const data = encode(rows);

  it('counts rows in one chunk', () => {
    assert.equal(new BinaryRowCounter().feed(data), rows.length);
  });

  it('counts rows however the stream is cut', () => {
    for (const size of [1, 2, 3, 5, 7, 4096, 65_537]) {
      const counter = new BinaryRowCounter();
      let n = 0;
      for (let i = 0; i < data.length; i += size) n += counter.feed(data.subarray(i, i + size));
      assert.equal(n, rows.length, `chunks of ${size}`);
    }
  });

  it('counts zero-column rows', () => {
    assert.equal(new BinaryRowCounter().feed(encode([[], []])), 2);
  });
});

describe('binaryCopyable', () => {
  it('takes built-in types and their arrays, not user types', () => {
    assert.equal(binaryCopyable([20, 25, 1700, 1184, 3802, 17, 1007]), true);
    assert.equal(binaryCopyable([20, 16_385]), false);
    assert.equal(binaryCopyable([]), false);
  });
});

/** One protocol message: code, int32 length (itself included), payload. */
function message(code: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(code, 0, 'latin1');
  head.writeUInt32BE(payload.length + 4, 1);
  return Buffer.concat([head, payload]);
}

/**
 * The server's bytes for a COPY … TO STDOUT of `rows` (one CopyData message per row; in binary the header
 * rides in the first row's message and the trailer is a message of its own), then the command's end.
 */
function serverBytes(rows: Buffer[], binary: boolean): Buffer {
  const parts = [message('H', Buffer.from([binary ? 1 : 0, 0, 0]))];
  rows.forEach((row, i) => {
    parts.push(message('d', binary && i === 0 ? Buffer.concat([BINARY_HEADER, row]) : row));
  });
  if (binary) parts.push(message('d', BINARY_TRAILER));
  parts.push(message('c', Buffer.alloc(0)));
  parts.push(message('C', Buffer.from('COPY 3\0')));
  parts.push(message('Z', Buffer.from('T')));
  return Buffer.concat(parts);
}

/**
 * Stands in for node-postgres's side of a submittable query: a socket whose 'data' listener is the
 * driver's parser, which (once copyOut hands the socket back) reads CopyDone, CommandComplete and
 * ReadyForQuery and reports the last two to the query. The server's bytes arrive in pieces of `piece` bytes, one per tick.
 */
function fakeClient(
  bytes: Buffer,
  piece: number,
  socket: NodeJS.ReadWriteStream = new PassThrough(),
): PgClient {
  let pending = Buffer.alloc(0);
  let query: { handleCommandComplete(): void; handleReadyForQuery(): void } | undefined;
  socket.on('data', (b: Buffer) => {
    pending = Buffer.concat([pending, b]);
    while (pending.length >= 5 && pending.length >= 1 + pending.readUInt32BE(1)) {
      const code = String.fromCharCode(pending[0] as number);
      pending = pending.subarray(1 + pending.readUInt32BE(1));
      if (code === 'c') continue; // CopyDone: node-postgres reads and ignores it
      if (code === 'C') query?.handleCommandComplete();
      else if (code === 'Z') query?.handleReadyForQuery();
      else assert.fail(`the driver got message ${code} during the COPY`);
    }
  });
  const client = {
    query(q: { submit(c: unknown): void; handleCommandComplete(): void; handleReadyForQuery(): void }) {
      query = q;
      q.submit({ stream: socket, query: () => undefined });
      void (async () => {
        if (piece === 0) return; // a real server sends them
        for (let i = 0; i < bytes.length; i += piece) {
          await new Promise((r) => setImmediate(r));
          socket.write(bytes.subarray(i, i + piece));
        }
      })();
    },
  };
  return client as unknown as PgClient;
}

/** Whole rows: a chunk parses to exactly its row count; only the 3000-byte row makes one larger. */
function assertWholeRows(c: SpanChunk, binary: boolean, what: string): void {
  assert.equal(c.owned, true, what);
  const n = binary
    ? new BinaryRowCounter().feed(c.data)
    : Buffer.from(c.data).toString().split('\n').length - 1;
  assert.equal(n, c.rows, what);
  assert.ok(c.data.length <= 900 || c.rows === 1, what);
}

/**
 * Reads a COPY through a DirectReadSocket connected to `port`, giving each arena chunk back at once, by a
 * consumer that waits after the first chunk (checking the socket paused meanwhile) and, with `stopEarly`,
 * stops after the third. The chunks' bytes and rows.
 */
async function readSlowly(
  bytes: Buffer,
  port: number,
  stopEarly: boolean,
): Promise<{ got: Buffer[]; rows: number; socket: DirectReadSocket; ended: Promise<void> }> {
  const socket = new DirectReadSocket();
  const client = fakeClient(bytes, 0, socket);
  const ended = new Promise<void>((r) => socket.on('end', r));
  socket.connect(port, '127.0.0.1');
  const got: Buffer[] = [];
  let rows = 0;
  for await (const c of copyOut(client, 'COPY t TO STDOUT', { binary: true, columns: 2 })) {
    const slot = chunkSlotOf(c.data);
    assert.ok(slot >= 0, 'an arena chunk');
    assert.ok(c.data.length <= CHUNK_BUFFER_BYTES);
    got.push(Buffer.from(c.data));
    rows += c.rows;
    giveChunkSlot(slot);
    if (got.length === 1) {
      // While chunks wait, the socket stops reading: a few MiB read, not all 45.
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(socket.bytesRead < 6 * 1024 * 1024, `${socket.bytesRead} bytes read ahead`);
    }
    if (stopEarly && got.length === 3) break;
  }
  return { got, rows, socket, ended };
}

describe('copyOut', () => {
  const binaryRows = [
    encode([[Buffer.from('a'), null]]),
    encode([[Buffer.alloc(3000, 1), Buffer.from('bb')]]),
    ...Array.from({ length: 200 }, (_, i) => encode([[Buffer.from(`row ${i}`), Buffer.alloc(i % 50, i)]])),
  ];
  const textRows = Array.from({ length: 300 }, (_, i) => Buffer.from(`${i}\t${'x'.repeat(i % 70)}\n`));

  for (const [name, rows, binary] of [
    ['binary', binaryRows, true],
    ['text', textRows, false],
  ] as const) {
    it(`yields owned chunks of whole ${name} rows, however the server's bytes arrive`, async () => {
      const expected = Buffer.concat(rows);
      for (const piece of [1, 2, 5, 13, 64, 1000, 70_000]) {
        const client = fakeClient(serverBytes(rows, binary), piece);
        const chunks: SpanChunk[] = [];
        for await (const c of copyOut(client, 'COPY t TO STDOUT', { binary, columns: 2 }, undefined, 900))
          chunks.push(c);
        const what = `${name}, pieces of ${piece}`;
        assert.ok(Buffer.concat(chunks.map((c) => c.data)).equals(expected), what);
        assert.equal(
          chunks.reduce((n, c) => n + c.rows, 0),
          rows.length,
          what,
        );
        for (const c of chunks) assertWholeRows(c, binary, what);
      }
    });
  }

  it('reports a row with the wrong field count', async () => {
    const rows = [encode([[Buffer.from('a'), null]]), encode([[Buffer.from('a')]])];
    for (const piece of [3, 1000]) {
      const client = fakeClient(serverBytes(rows, true), piece);
      await assert.rejects(
        (async () => {
          for await (const _ of copyOut(client, 'COPY t TO STDOUT', { binary: true, columns: 2 })) {
            // drain
          }
        })(),
        /row of 1 fields, not 2/,
      );
    }
  });

  it('reads through a DirectReadSocket: whole rows for a slow consumer, arena slots, the rest to the driver', async () => {
    // ~45 MB of rows from a real loopback server, written as fast as the socket takes them, read in 1 MiB
    // arena chunks by a consumer that waits after the first: the socket must pause meanwhile. Every slot
    // comes back once the consumer gives its chunks back, also when it stops early.
    const rows = Array.from({ length: 200_000 }, (_, i) =>
      encode([[Buffer.from(`row ${i}`), Buffer.alloc(150 + (i % 97), i % 251)]]),
    );
    const bytes = serverBytes(rows, true);
    const server = net.createServer((s) => {
      s.on('error', () => undefined); // the early stop resets the connection
      s.end(bytes);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const freeBefore = freeChunkSlots();
    try {
      for (const stopEarly of [false, true]) {
        const port = (server.address() as net.AddressInfo).port;
        const { got, rows: n, socket, ended } = await readSlowly(bytes, port, stopEarly);
        if (stopEarly) {
          assert.equal(got.length, 3);
          socket.destroy();
        } else {
          assert.ok(Buffer.concat(got).equals(Buffer.concat(rows)));
          assert.equal(n, rows.length);
          await ended;
          socket.destroy();
        }
        assert.equal(freeChunkSlots(), freeBefore, 'every slot back');
      }
    } finally {
      server.close();
    }
  });
});
