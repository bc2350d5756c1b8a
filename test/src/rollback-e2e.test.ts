// Rollback detection (FORMAT.md "Chain authentication", README "Threat model"): removing or hiding the
// newest layer of a chain, the newest full backup, or editing LATEST markers never makes RESTORE … FROM
// LATEST silently return older data. Each case is checked by RESTORE and by SHOW BACKUP … check_files.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '@strongroom/engine';
import { describe, it } from 'vitest';
import { expectCode, type Fixture, fixture } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const C = 'nodelocal://1/c';

interface Chain {
  readonly f: Fixture;
  readonly k: string;
  readonly root: string;
  /** Rows of t after each backup. */
  readonly states: unknown[][][];
  /** Layer directories, oldest first (the full first). */
  readonly layers: string[];
}

/** A full backup and two incrementals of table t, each adding a row. */
async function chain(f: Fixture): Promise<Chain> {
  const k = f.key('k');
  await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const states: unknown[][][] = [];
  for (let i = 0; i < 3; i++) {
    await f.run('INSERT INTO t (v) VALUES (?)', [`row ${i}`]);
    await sleep(15);
    await f.run(
      i === 0 ? `BACKUP INTO '${C}' WITH kms = '${k}'` : `BACKUP INTO LATEST IN '${C}' WITH kms = '${k}'`,
    );
    states.push(f.rows('defaultdb', 't'));
  }
  const root = join(f.extern, 'c');
  const show = await f.run(`SHOW BACKUP FROM LATEST IN '${C}' WITH kms = '${k}'`);
  assert.equal(new Set(show.rows.map((r) => (r[6] as Date).getTime())).size, 3);
  return { f, k, root, states, layers: layerDirs(root) };
}

function layerDirs(root: string): string[] {
  const fulls: string[] = [];
  for (const y of readdirSync(root).filter((n) => /^\d{4}$/.test(n)))
    for (const m of readdirSync(join(root, y)))
      for (const d of readdirSync(join(root, y, m))) fulls.push(`${y}/${m}/${d}`);
  fulls.sort();
  const out: string[] = [];
  for (const full of fulls) {
    out.push(full);
    const incBase = join(root, 'incrementals', full);
    let days: string[] = [];
    try {
      days = readdirSync(incBase).sort();
    } catch {}
    for (const day of days)
      for (const l of readdirSync(join(incBase, day)).sort()) out.push(`incrementals/${full}/${day}/${l}`);
  }
  return out;
}

async function restoreLatest(c: Chain, db: string, extra = ''): Promise<unknown> {
  return c.f.run(
    `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${c.k}', new_db_name = '${db}'${extra}`,
  );
}

async function checkFiles(c: Chain, extra = ''): Promise<unknown> {
  return c.f.run(`SHOW BACKUP FROM LATEST IN '${C}' WITH kms = '${c.k}', check_files${extra}`);
}

describe('rollback detection', () => {
  it('an intact chain restores its newest layer', async () => {
    const c = await chain(await fixture());
    try {
      await restoreLatest(c, 'r');
      assert.deepEqual(c.f.rows('r', 't'), c.states[2]);
      await checkFiles(c);
    } finally {
      await c.f.engine.close();
    }
  });

  it('the newest incremental removed (its chain record remains): refused by RESTORE and check_files', async () => {
    const c = await chain(await fixture());
    try {
      rmSync(join(c.root, c.layers[2] as string), { recursive: true });
      const e = await expectCode(restoreLatest(c, 'r'), 'ROLLBACK_DETECTED');
      assert.match(e.message, /is missing from/);
      assert.match(e.message, /CHAIN-000003/);
      await expectCode(checkFiles(c), 'ROLLBACK_DETECTED');
    } finally {
      await c.f.engine.close();
    }
  });

  it("only the newest incremental's BACKUP_MANIFEST removed: refused", async () => {
    const c = await chain(await fixture());
    try {
      rmSync(join(c.root, c.layers[2] as string, 'BACKUP_MANIFEST'));
      await expectCode(restoreLatest(c, 'r'), 'ROLLBACK_DETECTED');
      await expectCode(checkFiles(c), 'ROLLBACK_DETECTED');
    } finally {
      await c.f.engine.close();
    }
  });

  it('the newest incremental and its chain record removed: the host that wrote it refuses; skip_rollback_check overrides', async () => {
    const c = await chain(await fixture());
    try {
      rmSync(join(c.root, c.layers[2] as string), { recursive: true });
      rmSync(join(c.root, c.layers[0] as string, 'CHAIN-000003'));
      const e = await expectCode(restoreLatest(c, 'r'), 'ROLLBACK_DETECTED');
      assert.match(e.message, /this host completed 3 layer\(s\)/);
      await expectCode(checkFiles(c), 'ROLLBACK_DETECTED');
      // An incremental appended to the rolled-back chain is refused as well.
      await expectCode(c.f.run(`BACKUP INTO LATEST IN '${C}' WITH kms = '${c.k}'`), 'ROLLBACK_DETECTED');
      const notices: string[] = [];
      await c.f.engine.execute(
        `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${c.k}', new_db_name = 'r', skip_rollback_check`,
        { onNotice: (m) => notices.push(m) },
      );
      assert.deepEqual(c.f.rows('r', 't'), c.states[1]);
      assert.ok(
        notices.some((n) => /rolled back.*skip_rollback_check/.test(n)),
        notices.join('\n'),
      );
    } finally {
      await c.f.engine.close();
    }
  });

  it('without a host that remembers it, the fully removed newest layer is undetectable (documented limit)', async () => {
    const c = await chain(await fixture());
    try {
      rmSync(join(c.root, c.layers[2] as string), { recursive: true });
      rmSync(join(c.root, c.layers[0] as string, 'CHAIN-000003'));
      // Another host (a fresh state directory) reading the same storage has no anchor.
      const other = await openEngine({
        home: join(c.f.home, 'other-host'),
        externalIoDir: c.f.extern,
        source: `sqlite://${c.f.dataDir}/`,
      });
      try {
        await other.execute(
          `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${c.k}', new_db_name = 'r'`,
        );
      } finally {
        await other.close();
      }
      assert.deepEqual(c.f.rows('r', 't'), c.states[1]);
    } finally {
      await c.f.engine.close();
    }
  });

  it('a middle incremental removed: refused (the next layer builds on it)', async () => {
    const c = await chain(await fixture());
    try {
      rmSync(join(c.root, c.layers[1] as string), { recursive: true });
      rmSync(join(c.root, c.layers[0] as string, 'CHAIN-000002'));
      const e = await expectCode(restoreLatest(c, 'r'), 'ROLLBACK_DETECTED');
      assert.match(e.message, new RegExp(`${c.layers[1]} of this backup chain is missing`));
    } finally {
      await c.f.engine.close();
    }
  });

  it("a layer's manifest replaced by an older layer's: refused as tampering", async () => {
    const c = await chain(await fixture());
    try {
      const newest = join(c.root, c.layers[2] as string);
      const middle = join(c.root, c.layers[1] as string);
      for (const n of ['BACKUP_MANIFEST', 'BACKUP_MANIFEST-CHECKSUM']) {
        rmSync(join(newest, n));
        cpSync(join(middle, n), join(newest, n));
      }
      await expectCode(restoreLatest(c, 'r'), 'CORRUPTED');
      await expectCode(checkFiles(c), 'CORRUPTED');
    } finally {
      await c.f.engine.close();
    }
  });

  it('LATEST markers: the newest full removed is refused; a marker deleted or rewritten changes nothing', async () => {
    const f = await fixture();
    const k = f.key('k');
    try {
      await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await f.run("INSERT INTO t (v) VALUES ('first')");
      await f.run(`BACKUP INTO '${C}' WITH kms = '${k}'`);
      await sleep(20);
      await f.run("INSERT INTO t (v) VALUES ('second')");
      await f.run(`BACKUP INTO '${C}' WITH kms = '${k}'`);
      const root = join(f.extern, 'c');
      const [older, newer] = layerDirs(root);
      const markers = readdirSync(join(root, 'metadata', 'latest')).sort();
      assert.equal(markers.length, 2);
      const restore = (db: string, opt = '') =>
        f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${k}', new_db_name = '${db}'${opt}`,
        );

      // The newest marker rewritten to name the older backup: the listing decides; the newest is restored.
      writeFileSync(join(root, 'metadata', 'latest', markers[0] as string), `/${older}`);
      await restore('a');
      assert.equal(f.rows('a', 't').length, 2);
      // The newest marker deleted: same.
      rmSync(join(root, 'metadata', 'latest', markers[0] as string));
      await restore('b');
      assert.equal(f.rows('b', 't').length, 2);

      // The newest full backup's directory removed while its marker is there: refused.
      const f2 = await fixture();
      const k2 = f2.key('k');
      try {
        await f2.run('CREATE TABLE t (id INTEGER PRIMARY KEY)');
        await f2.run(`BACKUP INTO '${C}' WITH kms = '${k2}'`);
        await sleep(20);
        await f2.run(`BACKUP INTO '${C}' WITH kms = '${k2}'`);
        const root2 = join(f2.extern, 'c');
        const newest2 = layerDirs(root2).at(-1) as string;
        rmSync(join(root2, newest2), { recursive: true });
        const e = await expectCode(
          f2.run(`RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${k2}', new_db_name = 'x'`),
          'ROLLBACK_DETECTED',
        );
        assert.match(e.message, /LATEST marker/);
        await expectCode(
          f2.run(`SHOW BACKUP FROM LATEST IN '${C}' WITH kms = '${k2}', check_files`),
          'ROLLBACK_DETECTED',
        );
      } finally {
        await f2.engine.close();
      }
      assert.ok(newer);
    } finally {
      await f.engine.close();
    }
  });

  it('the newest full and its marker removed: the host that wrote it refuses', async () => {
    const f = await fixture();
    const k = f.key('k');
    try {
      await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      await f.run(`BACKUP INTO '${C}' WITH kms = '${k}'`);
      await sleep(20);
      await f.run(`BACKUP INTO '${C}' WITH kms = '${k}'`);
      const root = join(f.extern, 'c');
      const newest = layerDirs(root).at(-1) as string;
      rmSync(join(root, newest), { recursive: true });
      const markers = readdirSync(join(root, 'metadata', 'latest')).sort();
      rmSync(join(root, 'metadata', 'latest', markers[0] as string));
      const e = await expectCode(
        f.run(`RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${k}', new_db_name = 'x'`),
        'ROLLBACK_DETECTED',
      );
      assert.match(e.message, new RegExp(`this host completed backup /${newest}`));
    } finally {
      await f.engine.close();
    }
  });
});

describe('RESTORE AS OF SYSTEM TIME', () => {
  it("accepts only a layer's end time; between layers or after the chain is refused", async () => {
    const c = await chain(await fixture());
    try {
      const show = await c.f.run(`SHOW BACKUP FROM LATEST IN '${C}' WITH kms = '${c.k}'`);
      const ends = [...new Set(show.rows.map((r) => (r[6] as Date).getTime()))].sort();
      assert.equal(ends.length, 3);
      const aost = (ms: number, db: string) =>
        c.f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' AS OF SYSTEM TIME '${new Date(ms).toISOString()}' WITH kms = '${c.k}', new_db_name = '${db}'`,
        );
      for (const [i, end] of ends.entries()) {
        await aost(end, `p${i}`);
        assert.deepEqual(c.f.rows(`p${i}`, 't'), c.states[i]);
      }
      const between = await expectCode(aost((ends[1] as number) + 1, 'x'), 'INVALID_TIME');
      assert.match(
        between.message,
        /restoring to arbitrary time requires .*revision_history.*nearest BACKUP times are/,
      );
      const before = await expectCode(aost((ends[0] as number) - 1000, 'x'), 'INVALID_TIME');
      assert.match(before.message, /arbitrary time/);
      const after = await expectCode(aost((ends[2] as number) + 60_000, 'x'), 'INVALID_TIME');
      assert.match(after.message, /supplied backups do not cover requested time/);
      // A relative time inside the chain is refused the same way, never silently rounded to a layer.
      await expectCode(
        c.f.run(
          `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' AS OF SYSTEM TIME '-1m' WITH kms = '${c.k}', new_db_name = 'y'`,
        ),
        'INVALID_TIME',
      );
    } finally {
      await c.f.engine.close();
    }
  });
});

describe('ENCRYPTION-INFO files are independent ways in', () => {
  it('a damaged ENCRYPTION-INFO-n is reported and skipped; the original key still restores', async () => {
    const f = await fixture();
    const k1 = f.key('k1');
    const k2 = f.key('k2');
    const k3 = f.key('k3');
    try {
      await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      await f.run("INSERT INTO t (v) VALUES ('x')");
      await f.run(`BACKUP INTO '${C}' WITH kms = '${k1}'`);
      await f.run(`ALTER BACKUP LATEST IN '${C}' ADD NEW_KMS = '${k2}' WITH OLD_KMS = '${k1}'`);
      await f.run(`ALTER BACKUP LATEST IN '${C}' ADD NEW_KMS = '${k3}' WITH OLD_KMS = '${k1}'`);
      const full = join(f.extern, 'c', layerDirs(join(f.extern, 'c'))[0] as string);
      const infos = readdirSync(full).filter((n) => n.startsWith('ENCRYPTION-INFO'));
      assert.equal(infos.length, 3);
      const second = infos.sort()[1] as string;
      writeFileSync(join(full, second), '{"version": 1, "scheme": "aes-256-gcm-chunked-v1", "kms": [tru');
      for (const [i, key] of [k1, k3].entries()) {
        const notices: string[] = [];
        await f.engine.execute(
          `RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${key}', new_db_name = 'r${i}'`,
          { onNotice: (m) => notices.push(m) },
        );
        assert.deepEqual(f.rows(`r${i}`, 't'), f.rows('defaultdb', 't'));
        assert.ok(
          notices.some((n) => n.includes(second) && /skipped/.test(n)),
          notices.join('\n'),
        );
      }
      const notices: string[] = [];
      await f.engine.execute(`SHOW BACKUP FROM LATEST IN '${C}' WITH kms = '${k1}', check_files`, {
        onNotice: (m) => notices.push(m),
      });
      assert.ok(notices.some((n) => n.includes(second)));
      // The key only the damaged file held cannot unlock the backup, and says so.
      await expectCode(
        f.run(`RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${k2}', new_db_name = 'r9'`),
        'KMS_KEY_MISMATCH',
      );
      // A further ALTER BACKUP does not reuse the damaged file's name.
      await f.run(`ALTER BACKUP LATEST IN '${C}' ADD NEW_KMS = '${k2}' WITH OLD_KMS = '${k1}'`);
      assert.equal(readdirSync(full).filter((n) => n.startsWith('ENCRYPTION-INFO')).length, 4);
      await f.run(`RESTORE DATABASE defaultdb FROM LATEST IN '${C}' WITH kms = '${k2}', new_db_name = 'r8'`);
    } finally {
      await f.engine.close();
    }
  });
});

describe('a collection cannot be nested in a backup', () => {
  it('BACKUP INTO a path inside (or equal to) an existing backup is refused', async () => {
    const f = await fixture();
    try {
      await f.run('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      await f.run(`BACKUP INTO '${C}'`);
      const [full] = layerDirs(join(f.extern, 'c'));
      for (const inner of [full, `${full}/data`, `${full}/x/y`, 'incrementals', 'metadata/latest']) {
        const e = await expectCode(f.run(`BACKUP INTO '${C}/${inner}'`), 'INVALID_URI');
        assert.match(e.message, /cannot be nested in a backup/);
      }
      // A backup directory copied elsewhere under another name is still recognised by its files.
      cpSync(join(f.extern, 'c', full as string), join(f.extern, 'copied'), { recursive: true });
      await expectCode(f.run(`BACKUP INTO 'nodelocal://1/copied'`), 'INVALID_URI');
      // The collection itself and a sibling location stay fine.
      await f.run(`BACKUP INTO '${C}'`);
      await f.run(`BACKUP INTO 'nodelocal://1/elsewhere'`);
    } finally {
      await f.engine.close();
    }
  });
});
