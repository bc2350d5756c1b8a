// Recomputes the SQLite page-span test vectors in FORMAT.md (its `page-vector` blocks), so the document
// and the code cannot drift apart.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { openDatabase } from './driver.js';
import { DATABASE_OWNER, PageMap } from './page-map.js';
import { encodeRunHeader, PageRunWriter } from './page-runs.js';

type Vector = Map<string, string[]>;

function readVectors(): Vector[] {
  const doc = readFileSync(new URL('../../../../FORMAT.md', import.meta.url), 'utf8');
  return [...doc.matchAll(/```page-vector\n([\s\S]*?)```/g)].map((m) => {
    const v: Vector = new Map();
    for (const line of (m[1] ?? '').split('\n')) {
      const at = line.indexOf('=');
      if (at < 0) continue;
      const key = line.slice(0, at).trim();
      v.set(key, [...(v.get(key) ?? []), line.slice(at + 1).trim()]);
    }
    return v;
  });
}

const one = (v: Vector, key: string): string => {
  const x = v.get(key)?.[0];
  if (x === undefined) throw new Error(`vector without ${key}`);
  return x;
};

/** "name: list" with name "" for the database's own pages. */
function named(line: string): [string, string] {
  const m = /^("?)([^":]*)\1:\s*(.*)$/.exec(line);
  if (!m) throw new Error(`bad vector line ${line}`);
  return [m[2] ?? '', m[3] ?? ''];
}

function pages(ranges: string): number[] {
  return ranges.split(',').flatMap((r) => {
    const [a = 0, b = a] = r.split('-').map(Number);
    const out: number[] = [];
    for (let p = a; p <= b; p++) out.push(p);
    return out;
  });
}

interface SpanFigures {
  readonly rows: number;
  readonly bytes: number;
  readonly sha: string | undefined;
}

/** A `span` line of the vectors: `"name" [lo,hi): rows r, bytes b[, sha256 h]`. */
function spanLine(
  line: string,
): SpanFigures & { readonly name: string; readonly lo: string; readonly hi: string } {
  const m = /^"?([^" ]*)"? \[(\d+),(\d+)\): rows (\d+), bytes (\d+)(?:, sha256 ([0-9a-f]{64}))?$/.exec(line);
  if (!m) throw new Error(`bad span line ${line}`);
  return {
    name: m[1] ?? '',
    lo: m[2] ?? '',
    hi: m[3] ?? '',
    rows: Number(m[4]),
    bytes: Number(m[5]),
    sha: m[6],
  };
}

async function readSpan(
  map: PageMap,
  file: string,
  owner: number,
  lo: string | null,
  hi: string | null,
): Promise<SpanFigures> {
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  for await (const c of map.read(file, owner, { lo, hi })) {
    hash.update(c.data);
    rows += c.rows;
    bytes += c.data.length;
  }
  return { rows, bytes, sha: hash.digest('hex') };
}

function assertSpan(got: SpanFigures, want: SpanFigures, what: string): void {
  assert.equal(got.rows, want.rows, `rows of ${what}`);
  assert.equal(got.bytes, want.bytes, `bytes of ${what}`);
  if (want.sha) assert.equal(got.sha, want.sha, `sha256 of ${what}`);
}

/** Each owner's spans between its boundaries hold what the vectors' `span` lines say (or nothing). */
async function checkSpans(
  map: PageMap,
  file: string,
  owners: readonly (readonly [string, number])[],
  spans: readonly ReturnType<typeof spanLine>[],
): Promise<void> {
  for (const [name, owner] of owners) {
    const edges = [null, ...map.boundaries(owner), null];
    for (let i = 0; i + 1 < edges.length; i++) {
      const lo = edges[i] ?? null;
      const hi = edges[i + 1] ?? null;
      const got = await readSpan(map, file, owner, lo, hi);
      const want = spans.find((s) => s.name === name && s.lo === lo && s.hi === hi);
      if (want === undefined) assert.equal(got.bytes, 0, `span "${name}" [${lo},${hi}) is empty`);
      else assertSpan(got, want, `"${name}" [${lo},${hi})`);
    }
  }
}

describe('FORMAT.md SQLite page vectors', () => {
  const vectors = readVectors();

  it('are present', () => {
    assert.deepEqual(
      vectors.map((v) => one(v, 'name')),
      ['record', 'database'],
    );
  });

  it('record: the header and pages, and PageRunWriter puts the pages in place', () => {
    const v = vectors.find((x) => one(x, 'name') === 'record') as Vector;
    const first = Number(one(v, 'first'));
    const count = Number(one(v, 'count'));
    const size = Number(one(v, 'pages').replace('pattern:', ''));
    const body = Buffer.from(Array.from({ length: size }, (_, i) => i % 251));
    const record = Buffer.concat([encodeRunHeader(first, count), body]);
    assert.equal(record.toString('hex'), one(v, 'record'));
    const dir = mkdtempSync(join(tmpdir(), 'strongroom-vector-'));
    try {
      const fd = openSync(join(dir, 'f'), 'w');
      try {
        const w = new PageRunWriter(fd, size / count, first + count - 1);
        w.write(record);
        w.end();
      } finally {
        closeSync(fd);
      }
      const file = readFileSync(join(dir, 'f'));
      assert.deepEqual(file.subarray(((first - 1) * size) / count), body);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('database: owners, boundaries and spans of a database made by the script', async () => {
    const v = vectors.find((x) => one(x, 'name') === 'database') as Vector;
    const dir = mkdtempSync(join(tmpdir(), 'strongroom-vector-'));
    try {
      const file = join(dir, 'v.db');
      const db = openDatabase(file);
      for (const sql of v.get('sql') ?? []) db.exec(sql);
      db.close();
      const owners = (v.get('owner') ?? []).map(named);
      const tables = owners.map(([n]) => n).filter((n) => n !== '');
      const ownerIndex = (name: string) => (name === '' ? DATABASE_OWNER : tables.indexOf(name) + 1);
      const snap = openDatabase(file, { readonly: true });
      try {
        snap.exec('BEGIN');
        const map = PageMap.read(
          snap,
          file,
          tables.map((name) => ({ name, withoutRowid: name === 'w' })),
        );
        assert.equal(map.pageCount, Number(one(v, 'pages')));
        for (const [name, list] of owners)
          for (const p of pages(list)) assert.equal(map.ownerOfPage(p), ownerIndex(name), `page ${p}`);
        for (const [name, list] of (v.get('bounds') ?? []).map(named))
          assert.deepEqual(map.boundaries(ownerIndex(name)), list.split(','), `bounds of "${name}"`);
        await checkSpans(
          map,
          file,
          owners.map(([name]) => [name, ownerIndex(name)] as const),
          (v.get('span') ?? []).map(spanLine),
        );
      } finally {
        snap.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
