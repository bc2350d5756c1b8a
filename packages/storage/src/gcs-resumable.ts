// A GCS resumable upload driven by hand over the JSON API, so memory stays bounded: one session per
// object, opened with `ifGenerationMatch=0`; parts go up in order as `Content-Range: bytes a-b/*`,
// the last one carrying the total so the server finalizes (and checks the precondition) on it. The
// caller reads one part ahead, so at most two parts are held. A retried part first asks the session
// how much it has (`bytes */*`) and resends only the rest; any failure or abort cancels the session
// (DELETE), so nothing becomes visible.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { StrongroomError } from '@strongroom/errors';
import type { Retry } from './object-store.js';

/** How the upload reaches GCS: the endpoint and the (possibly empty) auth headers for a URL. */
export interface GcsUploadTarget {
  /** e.g. `https://storage.googleapis.com` or an emulator's `http://127.0.0.1:port`. */
  readonly apiEndpoint: string;
  readonly bucket: string;
  readonly userProject?: string;
  headers(url: string): Promise<Record<string, string>>;
}

/** An HTTP failure shaped as storageError reads SDK errors: status plus the service's reason. */
export class GcsHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
  ) {
    // No URL, header or response text: the session URI is a bearer capability.
    super(`HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

/** Auth headers as google-auth-library returns them: a plain record (v9) or a `Headers` (v10). */
export function plainHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (h && typeof (h as { forEach?: unknown }).forEach === 'function') {
    (h as { forEach(fn: (v: string, k: string) => void): void }).forEach((v, k) => {
      out[k] = v;
    });
  } else if (h && typeof h === 'object') {
    for (const [k, v] of Object.entries(h)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Socket idle time after which a request is given up (and retried). */
const REQUEST_IDLE_MS = 120_000;

/** Bytes of a response body kept (for the error reason); the rest is drained. */
const MAX_REPLY = 64 * 1024;

/** One request; the body is sent as is (no copy). Socket errors reject with their `code`. */
export function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: Uint8Array | undefined,
  signal?: AbortSignal,
): Promise<Reply> {
  const u = new URL(url);
  const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
    method,
    headers: { ...headers, 'content-length': String(body?.length ?? 0) },
    signal,
  });
  return new Promise<Reply>((resolve, reject) => {
    req.on('error', reject);
    // A stalled connection counts as a dropped one (ETIMEDOUT is retried).
    req.setTimeout(REQUEST_IDLE_MS, () =>
      req.destroy(Object.assign(new Error('idle'), { code: 'ETIMEDOUT' })),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (c: Buffer) => {
        if (kept < MAX_REPLY) chunks.push(c);
        kept += c.length;
      });
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }));
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.end(body);
  });
}

function failure(r: Reply): GcsHttpError {
  let reason: string | undefined;
  try {
    const j = JSON.parse(r.body) as { error?: { errors?: { reason?: string }[]; status?: string } };
    reason = j.error?.errors?.[0]?.reason ?? j.error?.status;
  } catch {
    // Not JSON: the status alone says enough.
  }
  return new GcsHttpError(r.status, reason);
}

/** The offset of the next byte the session wants, from a 308's `Range: bytes=0-N` (none: 0). */
export function persistedOf(r: Reply): number {
  const range = r.headers.range;
  const m = typeof range === 'string' ? /^bytes=0-(\d+)$/.exec(range.trim()) : null;
  return m ? Number(m[1]) + 1 : 0;
}

const done = (status: number) => status === 200 || status === 201;

/**
 * Uploads `parts` (at least one; all but the last a multiple of 256 KiB) as object `name`, failing
 * with HTTP 412 if it exists. `retry` runs each request with backoff.
 */
export async function resumableUpload(
  target: GcsUploadTarget,
  name: string,
  parts: AsyncIterable<Buffer>,
  retry: Retry,
  signal?: AbortSignal,
): Promise<void> {
  const q = new URLSearchParams({ uploadType: 'resumable', name, ifGenerationMatch: '0' });
  if (target.userProject) q.set('userProject', target.userProject);
  const initUrl = `${target.apiEndpoint}/upload/storage/v1/b/${encodeURIComponent(target.bucket)}/o?${q}`;
  const session = await retry('start resumable upload', async () => {
    const r = await send(
      'POST',
      initUrl,
      {
        ...(await target.headers(initUrl)),
        'content-type': 'application/json; charset=UTF-8',
        'x-upload-content-type': 'application/octet-stream',
      },
      Buffer.from(JSON.stringify({ name, contentType: 'application/octet-stream' })),
      signal,
    );
    const location = r.headers.location;
    if (!done(r.status)) throw failure(r);
    if (typeof location !== 'string' || location === '') {
      throw new StrongroomError('STORAGE_IO', 'the resumable upload session has no Location');
    }
    return new URL(location, initUrl).href;
  });
  const put = async (range: string, body: Uint8Array | undefined) =>
    send('PUT', session, { ...(await target.headers(session)), 'content-range': range }, body, signal);

  try {
    const it = parts[Symbol.asyncIterator]();
    let cur = await it.next();
    let start = 0;
    for (let n = 1; !cur.done; n++) {
      // One part ahead: only then is it known whether this part is the last.
      const next = await it.next();
      const body = cur.value;
      const total = next.done ? start + body.length : undefined;
      let asked = false;
      await retry(`upload part ${n}`, async () => {
        // The last attempt may have got part of the way: ask the session, resend the rest.
        const have = asked ? progressOf(await put('bytes */*', undefined), total, n) : start;
        asked = true;
        if (have !== 'complete') await sendPart(put, body, start, have, total, n);
      });
      start += body.length;
      cur = next;
    }
  } catch (err) {
    // Best effort, and not under the caller's (maybe aborted) signal: the session dies in a week anyway.
    await send(
      'DELETE',
      session,
      await target.headers(session).catch(() => ({})),
      undefined,
      AbortSignal.timeout(10_000),
    ).catch(() => {});
    throw err;
  }
}

/** Sends part `n` (bytes [start, start+length) of the object) from `have` on, until the session holds it. */
async function sendPart(
  put: (range: string, body: Uint8Array | undefined) => Promise<Reply>,
  body: Buffer,
  start: number,
  have: number,
  total: number | undefined,
  n: number,
): Promise<void> {
  const end = start + body.length;
  for (;;) {
    checkHeld(have, start, end, n);
    if (have === end && total === undefined) return;
    const range = have === end ? `bytes */${total}` : `bytes ${have}-${end - 1}/${total ?? '*'}`;
    const now = progressOf(
      await put(range, have === end ? undefined : body.subarray(have - start)),
      total,
      n,
    );
    if (now === 'complete') return;
    // No progress on a 308 is a server that drops what it gets: let the retry wait and ask again.
    if (now <= have) throw new GcsHttpError(503, 'noProgress');
    have = now;
  }
}

/** A session must hold all parts before `n` and none after it: anything else is another upload's state. */
function checkHeld(have: number, start: number, end: number, n: number): void {
  if (have < start || have > end) {
    throw new StrongroomError(
      'STORAGE_IO',
      `the upload session holds ${have} bytes while part ${n} covers ${start}..${end}`,
    );
  }
}

/**
 * What the session holds after a reply to part `n`: the bytes persisted (308), or 'complete' when the
 * object was created — an error unless this is the last part (`total` known).
 */
function progressOf(r: Reply, total: number | undefined, n: number): number | 'complete' {
  if (done(r.status)) {
    if (total !== undefined) return 'complete';
    throw new StrongroomError('STORAGE_IO', `the upload finished early, at part ${n}`);
  }
  if (r.status !== 308) throw sessionFailure(r);
  return persistedOf(r);
}

/** 404/410 on a session URI mean it expired or was canceled, not that an object is missing. */
function sessionFailure(r: Reply): Error {
  if (r.status === 404 || r.status === 410) {
    return new StrongroomError('STORAGE_IO', `the resumable upload session is gone (HTTP ${r.status})`);
  }
  return failure(r);
}
