import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'vitest';
import { encodeRunHeader, PageRunWriter } from './page-runs.js';

const PAGE = 16;
const COUNT = 12;

test('page runs cut anywhere land each page at its place; a cut record or a page outside fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strongroom-runs-'));
  try {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: COUNT }), { minLength: 1, maxLength: COUNT }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
        (pages, cuts) => {
          const sorted = [...pages].sort((a, b) => a - b);
          const parts: Buffer[] = [];
          for (const p of sorted) parts.push(encodeRunHeader(p, 1), Buffer.alloc(PAGE, p));
          const bytes = Buffer.concat(parts);
          const file = join(dir, 'f');
          const fd = openSync(file, 'w');
          try {
            const w = new PageRunWriter(fd, PAGE, COUNT);
            let at = 0;
            for (let i = 0; at < bytes.length; i++) {
              const n = cuts[i % cuts.length] as number;
              w.write(bytes.subarray(at, at + n));
              at += n;
            }
            w.end();
          } finally {
            closeSync(fd);
          }
          const out = readFileSync(file);
          for (const p of sorted)
            assert.deepEqual(out.subarray((p - 1) * PAGE, p * PAGE), Buffer.alloc(PAGE, p));
        },
      ),
    );
    const fd = openSync(join(dir, 'g'), 'w');
    try {
      const cut = new PageRunWriter(fd, PAGE, COUNT);
      cut.write(Buffer.concat([encodeRunHeader(2, 1), Buffer.alloc(PAGE - 1)]));
      assert.throws(() => cut.end(), { code: 'CORRUPTED' });
      assert.throws(() => new PageRunWriter(fd, PAGE, COUNT).write(encodeRunHeader(COUNT, 2)), {
        code: 'CORRUPTED',
      });
      assert.throws(() => new PageRunWriter(fd, PAGE, COUNT).write(encodeRunHeader(0, 1)), {
        code: 'CORRUPTED',
      });
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
