// The incremental parser against byte fixtures built in code: every message, and a whole pipelined
// batch, split at every offset gives the same messages; oversized and malformed input is refused.
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { BufferWriter } from './buffer-writer.js';
import { SSL_REQUEST_CODE } from './messages.js';
import { MessageParser } from './parser.js';

const w = new BufferWriter();

function startup(params: Record<string, string>): Buffer {
  w.int32(196608);
  for (const [k, v] of Object.entries(params)) w.cstring(k).cstring(v);
  return w.byte(0).message('x').subarray(1);
}

const FRONTEND: readonly Buffer[] = [
  w.cstring("SELECT 1; BACKUP INTO 'nodelocal://1/c'").message('Q'),
  w.cstring('s1').cstring('SHOW BACKUP FROM LATEST IN $1').int16(1).int32(25).message('P'),
  w
    .cstring('')
    .cstring('s1')
    .int16(1)
    .int16(0)
    .int16(2)
    .int32(3)
    .bytes(Buffer.from('abc'))
    .int32(-1)
    .int16(1)
    .int16(1)
    .message('B'),
  w.byte(0x50).cstring('').message('D'),
  w.cstring('').int32(0).message('E'),
  w.byte(0x53).cstring('s1').message('C'),
  w.message('H'),
  w.message('S'),
  w.int32(-1).message('p'),
  w.message('X'),
];

const EXPECTED = [
  { kind: 'query', text: "SELECT 1; BACKUP INTO 'nodelocal://1/c'" },
  { kind: 'parse', name: 's1', text: 'SHOW BACKUP FROM LATEST IN $1', paramTypes: [25] },
  {
    kind: 'bind',
    portal: '',
    statement: 's1',
    paramFormats: [0, 0],
    params: [Buffer.from('abc'), null],
    resultFormats: [1],
  },
  { kind: 'describe', target: 'P', name: '' },
  { kind: 'execute', portal: '', maxRows: 0 },
  { kind: 'close', target: 'S', name: 's1' },
  { kind: 'flush' },
  { kind: 'sync' },
  { kind: 'password', body: Buffer.from([0xff, 0xff, 0xff, 0xff]) },
  { kind: 'terminate' },
];

/** Startup params are a null-prototype record (no `__proto__` tricks); compare them as plain objects. */
function plain(m: unknown): unknown {
  const o = m as { kind: string; params?: object };
  return o.kind === 'startup' ? { ...o, params: { ...o.params } } : o;
}

function feed(parser: MessageParser, parts: Buffer[]): unknown[] {
  return parts.flatMap((p) => parser.parse(p));
}

test('every message split at every offset parses the same', () => {
  const first = startup({ user: 'app', database: 'd' });
  const all = [first, ...FRONTEND];
  const expected = [{ kind: 'startup', params: { user: 'app', database: 'd' } }, ...EXPECTED];
  all.forEach((msg, i) => {
    for (let at = 0; at <= msg.length; at++) {
      const p = new MessageParser();
      if (i > 0) p.parse(first);
      const got = feed(p, [msg.subarray(0, at), msg.subarray(at)]);
      assert.deepEqual(got.map(plain), [expected[i]], `message ${i} split at ${at}`);
      assert.equal(p.pending, 0);
    }
  });
});

test('a pipelined batch split at every offset, and byte by byte, parses the same', () => {
  const batch = Buffer.concat([startup({ user: 'u' }), ...FRONTEND]);
  for (let at = 0; at <= batch.length; at++) {
    const got = feed(new MessageParser(), [batch.subarray(0, at), batch.subarray(at)]);
    assert.equal(got.length, EXPECTED.length + 1, `split at ${at}`);
    assert.deepEqual({ ...(got.at(-1) as object) }, { kind: 'terminate' });
  }
  const bytes = [...batch].map((b) => Buffer.from([b]));
  assert.equal(feed(new MessageParser(), bytes).length, EXPECTED.length + 1);
});

test('SSLRequest stops parsing until the next startup packet is expected', () => {
  const ssl = w.int32(SSL_REQUEST_CODE).message('x').subarray(1);
  const p = new MessageParser();
  const got = p.parse(Buffer.concat([ssl, startup({ user: 'u' })]));
  assert.deepEqual(got, [{ kind: 'sslRequest' }]);
  assert.ok(p.pending > 0, 'bytes after SSLRequest stay buffered (the server refuses them)');
  p.expectStartup();
  assert.equal((p.parse(Buffer.alloc(0))[0] as { kind: string }).kind, 'startup');
});

test('CancelRequest carries the process id and secret key', () => {
  const cancel = w.int32(80877102).int32(42).int32(-7).message('x').subarray(1);
  assert.deepEqual(new MessageParser().parse(cancel), [
    { kind: 'cancelRequest', processId: 42, secretKey: -7 },
  ]);
});

test('oversized, negative and garbage input is refused before it is buffered', () => {
  const p = new MessageParser(1024);
  p.parse(startup({ user: 'u' }));
  const huge = Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]);
  assert.throws(() => p.parse(huge), /exceeds the limit/);
  const q = new MessageParser(1024);
  q.parse(startup({ user: 'u' }));
  assert.throws(() => q.parse(Buffer.from([0x51, 0, 0, 0, 2])), /invalid message length/);
  const r = new MessageParser();
  r.parse(startup({ user: 'u' }));
  assert.throws(() => r.parse(Buffer.from([0x21, 0, 0, 0, 4])), /invalid frontend message type/);
  assert.throws(() => new MessageParser().parse(Buffer.from('GET / HTTP/1.1\r\n\r\n')), /exceeds the limit/);
  const bind = w.cstring('').cstring('').int16(0).int16(3).int32(100).message('B');
  const s = new MessageParser();
  s.parse(startup({ user: 'u' }));
  assert.throws(() => s.parse(bind), /truncated/);
  assert.throws(() => new MessageParser().parse(w.int32(0x00020000).message('x').subarray(1)), /unsupported/);
});
