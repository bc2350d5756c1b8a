// Tamper sweep over every file of a chain (full + two incrementals, two localities, a key added by ALTER
// BACKUP): each file flipped, truncated, deleted and swapped with another of its kind, each layer deleted
// whole, LATEST markers edited. Every outcome is either "restored exactly the newest data" or "refused
// with a clear error" — never older or wrong data, never a crash.
import assert from 'node:assert/strict';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'vitest';
import { fixture, walk } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Error codes that mean "refused because the collection is damaged" (or a key could not be unwrapped). */
const REFUSALS = new Set([
  'CORRUPTED',
  'ROLLBACK_DETECTED',
  'STORAGE_NOT_FOUND',
  'BACKUP_NOT_FOUND',
  'LOCALITY_MISSING',
  'KMS_KEY_MISMATCH',
  'WRONG_KEY',
]);

type Mutation = { readonly name: string; apply(dir: string): void };

/** Whether `restore` was refused, with one of the errors that name the damage and a clear message. */
async function refusal(restore: Promise<unknown>, name: string): Promise<boolean> {
  try {
    await restore;
    return false;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    assert.ok(e.code && REFUSALS.has(e.code), `${name}: unexpected error ${e.code}: ${e.message}`);
    assert.ok((e.message ?? '').length > 20, `${name}: unclear error ${e.message}`);
    return true;
  }
}

/** A file's kind: its name with the numbers taken out (`BACKUP_PART_N`, `data/N.sst`, …). */
const kindOf = (p: string) => p.split('/').at(-1)?.replace(/\d+/g, 'N') ?? p;

/** Flip a byte of `p`, truncate it, delete it, and swap it with another file of its kind in its store. */
function fileMutations(files: readonly string[], p: string): Mutation[] {
  const out: Mutation[] = [
    {
      name: `flip ${p}`,
      apply: (d) => {
        const file = join(d, p);
        const b = readFileSync(file);
        const at = Math.floor(b.length / 2);
        b[at] = (b[at] as number) ^ 0x40;
        writeFileSync(file, b);
      },
    },
    {
      name: `truncate ${p}`,
      apply: (d) => truncateSync(join(d, p), Math.floor(statSync(join(d, p)).size / 2)),
    },
    { name: `delete ${p}`, apply: (d) => rmSync(join(d, p)) },
  ];
  const other = files.find((q) => q !== p && kindOf(q) === kindOf(p) && q.split('/')[0] === p.split('/')[0]);
  if (other)
    out.push({
      name: `swap ${p} <-> ${other}`,
      apply: (d) => {
        const a = readFileSync(join(d, p));
        writeFileSync(join(d, p), readFileSync(join(d, other)));
        writeFileSync(join(d, other), a);
      },
    });
  return out;
}

describe('tamper sweep', () => {
  it('every file kind flipped, truncated, deleted or swapped, every layer deleted: restored exactly or refused', async () => {
    const cfg = join(mkdtempSync(join(tmpdir(), 'strongroom-cfg-')), 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ domicile: [{ table: 'u', locality: 'region=eu' }] }));
    const f = await fixture({ locality: 'region=us', configPath: cfg });
    const k1 = f.key('k1');
    const k2 = f.key('k2');
    try {
      await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await f.run('CREATE TABLE u (id INTEGER PRIMARY KEY, b BLOB)');
      const grow = async (n: number, tag: string) => {
        await f.run(
          `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${n}) INSERT INTO t (v) SELECT '${tag}' || i FROM s`,
        );
        await f.run(`INSERT INTO u (b) VALUES (randomblob(${100 + n}))`);
      };
      const uris = (c: string) =>
        `('nodelocal://1/${c}/us?COCKROACH_LOCALITY=default', 'nodelocal://1/${c}/eu?COCKROACH_LOCALITY=region%3Deu')`;
      await grow(30000, 'a');
      await f.run(`BACKUP INTO ${uris('p')} WITH kms = '${k1}'`);
      await sleep(15);
      await grow(10, 'b');
      await f.run(`BACKUP INTO LATEST IN ${uris('p')} WITH kms = '${k1}'`);
      await f.run(`ALTER BACKUP LATEST IN 'nodelocal://1/p/us' ADD NEW_KMS = '${k2}' WITH OLD_KMS = '${k1}'`);
      await sleep(15);
      await f.run("UPDATE t SET v = 'changed' WHERE id % 1000 = 7");
      await grow(5, 'c');
      await f.run(`BACKUP INTO LATEST IN ${uris('p')} WITH kms = '${k1}'`);
      const expected = { t: f.rows('defaultdb', 't'), u: f.rows('defaultdb', 'u') };

      const pristine = join(f.extern, 'p');
      const files = walk(pristine).map((p) => relative(pristine, p));
      const layerOf = (p: string) =>
        /^((?:us|eu)\/(?:incrementals\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}\/\d{8}\/[^/]+|\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}))\//.exec(
          p,
        )?.[1];
      const layerDirs = [...new Set(files.map(layerOf))].filter((x): x is string => x !== undefined);
      // Three layers in each locality's store, every one still complete after the later backups ran their
      // cleanup (a locality store holds no manifest: the default store's decides what is complete).
      assert.equal(layerDirs.length, 6, `layers found: ${layerDirs.join(', ')}`);
      for (const l of layerDirs.filter((x) => x.startsWith('eu/')))
        assert.ok(
          files.some((p) => p.startsWith(`${l}/BACKUP_PART_`)),
          `${l} lost its partition descriptor`,
        );

      const mutations: Mutation[] = files.flatMap((p) => fileMutations(files, p));
      for (const l of layerDirs)
        mutations.push({ name: `delete layer ${l}`, apply: (d) => rmSync(join(d, l), { recursive: true }) });
      mutations.push({
        name: 'LATEST marker rewritten to a bogus path',
        apply: (d) => {
          const dir = join(d, 'us', 'metadata', 'latest');
          for (const m of readdirSync(dir)) writeFileSync(join(dir, m), '/1999/01/01-000000.00');
        },
      });
      mutations.push({
        name: 'LATEST markers deleted',
        apply: (d) => rmSync(join(d, 'us', 'metadata'), { recursive: true }),
      });

      const outcomes = { restored: 0, refused: 0 };
      for (const [i, m] of mutations.entries()) {
        const c = `m${i}`;
        cpSync(pristine, join(f.extern, c), { recursive: true });
        m.apply(join(f.extern, c));
        const db = `r${i}`;
        const restore = `RESTORE DATABASE defaultdb FROM LATEST IN ${uris(c)} WITH kms = '${k1}', new_db_name = '${db}'`;
        const refused = await refusal(f.run(restore), m.name);
        if (refused) outcomes.refused++;
        else {
          assert.deepEqual(f.rows(db, 't'), expected.t, `${m.name}: restored, but not the newest data`);
          assert.deepEqual(f.rows(db, 'u'), expected.u, `${m.name}: restored, but not the newest data`);
          outcomes.restored++;
        }
        rmSync(join(f.extern, c), { recursive: true });
      }
      assert.equal(outcomes.restored + outcomes.refused, mutations.length);
      assert.ok(outcomes.refused > mutations.length / 2, JSON.stringify(outcomes));
    } finally {
      await f.engine.close();
    }
  });
});
