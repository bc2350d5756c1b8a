// The hand-driven GCS resumable upload against an in-process server that follows GCS's protocol
// where fake-gcs-server does not (it appends chunks whatever their offset and finalizes on a
// `bytes */*` status query): partial persistence answered with 308 + Range, dropped connections,
// 503s, a failed precondition, a denied request and an abort, each through gs:// end to end.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isStrongroomError } from '@strongroom/errors';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { gcsStorageProvider } from './gcs-storage.js';
import type { ExternalStorage } from './types.js';

const KIB256 = 256 * 1024;

/** What the server does with the nth chunk PUT (status queries included), counted from 1. */
type Fault =
  | { readonly kind: 'persist'; readonly bytes: number } // keep only a prefix, answer 308
  | { readonly kind: 'drop' } // keep everything, then cut the connection without answering
  | { readonly kind: 'status'; readonly status: number; readonly reason: string };

interface Session {
  readonly name: string;
  data: Buffer[];
  size: number;
}

class FakeGcs {
  readonly objects = new Map<string, Buffer>();
  readonly sessions = new Map<string, Session>();
  readonly ranges: string[] = [];
  readonly deleted: string[] = [];
  initQuery: URLSearchParams | undefined;
  readonly auth: (string | undefined)[] = [];
  faults = new Map<number, Fault>();
  beforePut: ((n: number) => void) | undefined;
  puts = 0;
  server!: Server;
  endpoint = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.objects.clear();
    this.sessions.clear();
    this.ranges.length = 0;
    this.deleted.length = 0;
    this.faults.clear();
    this.beforePut = undefined;
    this.puts = 0;
    this.auth.length = 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url!, this.endpoint);
    const reply = replier(res);
    const meta = /^\/storage\/v1\/b\/bkt\/o\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && meta) {
      const obj = this.objects.get(decodeURIComponent(meta[1]!));
      return obj
        ? reply.json(200, { name: meta[1], size: String(obj.length) })
        : reply.error(404, 'notFound');
    }
    if (url.pathname !== '/upload/storage/v1/b/bkt/o') return void reply.error(400, 'unexpected');
    this.auth.push(req.headers.authorization);
    if (req.method === 'POST') return this.#start(url, reply);
    const id = url.searchParams.get('upload_id')!;
    if (req.method === 'DELETE') {
      this.deleted.push(id);
      this.sessions.delete(id);
      return void res.writeHead(499).end();
    }
    this.#put(id, req.headers['content-range']!, Buffer.concat(chunks), res, reply);
  }

  /** POST: a new session, at a Location of its own. */
  #start(url: URL, reply: Replier): void {
    this.initQuery = url.searchParams;
    const id = String(this.sessions.size + 1);
    this.sessions.set(id, { name: url.searchParams.get('name')!, data: [], size: 0 });
    reply.json(200, {}, { location: `${this.endpoint}/upload/storage/v1/b/bkt/o?upload_id=${id}` });
  }

  /** PUT: bytes for session `id` (or a status query), with the planted fault of this request, if any. */
  #put(id: string, range: string, body: Buffer, res: ServerResponse, reply: Replier): void {
    const s = this.sessions.get(id);
    if (!s) return void reply.error(404, 'notFound');
    this.ranges.push(range);
    const n = ++this.puts;
    this.beforePut?.(n);
    const fault = this.faults.get(n);
    if (fault?.kind === 'status') return void reply.error(fault.status, fault.reason);
    const incomplete = () =>
      s.size === 0 ? res.writeHead(308).end() : res.writeHead(308, { range: `bytes=0-${s.size - 1}` }).end();
    const m = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(range);
    if (!m) return void reply.error(400, 'badRange');
    if (m[1] !== undefined) {
      // GCS wants the next byte it lacks; a client resending from elsewhere has a bug.
      if (Number(m[1]) !== s.size) return void reply.error(400, 'badOffset');
      const kept = fault?.kind === 'persist' ? body.subarray(0, fault.bytes) : body;
      s.data.push(kept);
      s.size += kept.length;
      if (fault?.kind === 'drop') return void res.socket?.destroy();
      if (fault?.kind === 'persist') return void incomplete();
    }
    if (m[3] === '*' || Number(m[3]) !== s.size) return void incomplete();
    this.#finish(id, s, reply);
  }

  /** The last bytes arrived: the object is created, unless one of its name exists (ifGenerationMatch=0). */
  #finish(id: string, s: Session, reply: Replier): void {
    this.sessions.delete(id);
    if (this.objects.has(s.name)) return void reply.error(412, 'conditionNotMet');
    this.objects.set(s.name, Buffer.concat(s.data));
    reply.json(200, { name: s.name, size: String(s.size) });
  }
}

interface Replier {
  json(status: number, value: unknown, headers?: Record<string, string>): void;
  error(status: number, reason: string): void;
}

/** JSON replies, and errors shaped as GCS's (`errors[0].reason`). */
function replier(res: ServerResponse): Replier {
  const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  return { json, error: (status, reason) => json(status, { error: { code: status, errors: [{ reason }] } }) };
}

async function* chunks(data: Buffer, size = 100_000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('gs:// resumable uploads', () => {
  const gcs = new FakeGcs();
  const retries: string[] = [];
  // 2.5 parts: the last part is short and carries the total.
  const data = Buffer.from(Array.from({ length: 2 * KIB256 + 1000 }, (_, i) => (i * 7) % 251));
  let storage: ExternalStorage;
  beforeAll(async () => {
    await gcs.start();
    storage = await gcsStorageProvider.open(`gs://bkt/p?GCS_ENDPOINT=${encodeURIComponent(gcs.endpoint)}`, {
      partSize: KIB256,
      retry: { baseDelayMs: 1 },
      onRetry: (m) => retries.push(m),
    });
  });
  afterAll(() => new Promise<void>((r) => gcs.server.close(() => r())));
  beforeEach(() => {
    gcs.reset();
    retries.length = 0;
  });

  it('sends parts as open ranges and the last with the total, conditionally', async () => {
    assert.equal(await storage.write('x.bin', chunks(data)), data.length);
    assert.ok(gcs.objects.get('p/x.bin')!.equals(data));
    assert.deepEqual(gcs.ranges, [
      `bytes 0-${KIB256 - 1}/*`,
      `bytes ${KIB256}-${2 * KIB256 - 1}/*`,
      `bytes ${2 * KIB256}-${data.length - 1}/${data.length}`,
    ]);
    assert.equal(gcs.initQuery?.get('ifGenerationMatch'), '0');
    assert.equal(gcs.initQuery?.get('name'), 'p/x.bin');
    // An emulator endpoint without credentials gets none.
    assert.deepEqual(new Set(gcs.auth), new Set([undefined]));
  });

  it('sends the credentials with every upload request when there are some', async () => {
    const authed = await gcsStorageProvider.open(
      `gs://bkt/p?BEARER_TOKEN=test-token&GCS_ENDPOINT=${encodeURIComponent(gcs.endpoint)}`,
      { partSize: KIB256 },
    );
    await authed.write('authed.bin', chunks(data));
    assert.ok(gcs.objects.get('p/authed.bin')!.equals(data));
    assert.equal(gcs.auth.length, 4);
    assert.deepEqual(new Set(gcs.auth), new Set(['Bearer test-token']));
  });

  it('puts the total on the last part when the data ends on a part boundary', async () => {
    const even = data.subarray(0, 2 * KIB256);
    assert.equal(await storage.write('even.bin', even), even.length);
    assert.ok(gcs.objects.get('p/even.bin')!.equals(even));
    assert.equal(gcs.ranges.at(-1), `bytes ${KIB256}-${2 * KIB256 - 1}/${2 * KIB256}`);
  });

  it('resends what a 308 Range says the server lacks', async () => {
    gcs.faults.set(1, { kind: 'persist', bytes: 1000 });
    gcs.faults.set(4, { kind: 'persist', bytes: 500 });
    await storage.write('partial.bin', chunks(data));
    assert.ok(gcs.objects.get('p/partial.bin')!.equals(data));
    assert.equal(gcs.ranges[1], `bytes 1000-${KIB256 - 1}/*`);
    assert.equal(gcs.ranges[4], `bytes ${2 * KIB256 + 500}-${data.length - 1}/${data.length}`);
    assert.equal(retries.length, 0);
  });

  it('after a dropped connection asks the session what it has and goes on from there', async () => {
    gcs.faults.set(2, { kind: 'drop' });
    await storage.write('dropped.bin', chunks(data));
    assert.ok(gcs.objects.get('p/dropped.bin')!.equals(data));
    assert.equal(gcs.ranges[2], 'bytes */*');
    assert.equal(retries.length, 1);
    assert.match(retries[0]!, /upload part 2 of dropped\.bin/);
  });

  it('retries 503s and reports each retry naming the object', async () => {
    gcs.faults.set(1, { kind: 'status', status: 503, reason: 'backendError' });
    gcs.faults.set(3, { kind: 'status', status: 429, reason: 'rateLimitExceeded' });
    await storage.write('busy.bin', chunks(data));
    assert.ok(gcs.objects.get('p/busy.bin')!.equals(data));
    assert.equal(retries.length, 2);
    for (const m of retries) assert.match(m, /busy\.bin in gs:\/\/bkt\/p/);
  });

  it('fails with STORAGE_ALREADY_EXISTS when the object appears before finalizing', async () => {
    // The existence probe has passed; another writer creates the object meanwhile.
    gcs.beforePut = (n) => {
      if (n === 2) gcs.objects.set('p/race.bin', Buffer.from('theirs'));
    };
    await assert.rejects(storage.write('race.bin', chunks(data)), (e: unknown) =>
      isStrongroomError(e, 'STORAGE_ALREADY_EXISTS'),
    );
    assert.equal(gcs.objects.get('p/race.bin')!.toString(), 'theirs');
  });

  it('does not retry a denied request and cancels the session', async () => {
    gcs.faults.set(2, { kind: 'status', status: 403, reason: 'forbidden' });
    await assert.rejects(storage.write('denied.bin', chunks(data)), (e: unknown) =>
      isStrongroomError(e, 'STORAGE_IO'),
    );
    assert.equal(retries.length, 0);
    assert.deepEqual(gcs.deleted, ['1']);
    assert.equal(gcs.objects.size, 0);
  });

  it('on abort cancels the session and leaves nothing', async () => {
    const ac = new AbortController();
    async function* slow() {
      yield data.subarray(0, KIB256 + 10);
      yield data.subarray(KIB256 + 10, 2 * KIB256 + 10);
      ac.abort(new Error('stop'));
      yield data.subarray(2 * KIB256 + 10);
    }
    await assert.rejects(storage.write('aborted.bin', slow(), { signal: ac.signal }), (e: unknown) =>
      isStrongroomError(e, 'CANCELED'),
    );
    assert.deepEqual(gcs.deleted, ['1']);
    assert.equal(gcs.sessions.size, 0);
    assert.equal(gcs.objects.size, 0);
  });
});
