// A full disk, as users meet it: BACKUP into a location with no space left, and RESTORE into a SQLite
// directory with no space left, each on a real tmpfs of a few MB mounted in a private mount namespace
// (`unshare -m`, so nothing outside the test sees it). Each fails with DISK_FULL's message, keeps nothing
// partial, records the job as failed, and the same statement succeeds once there is space (the tmpfs
// remounted larger). The whole scenario is one shell script inside the namespace, since its mounts end
// with it; the test asserts on the script's marked output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unavailable } from '@strongroom/testkit';
import Database from 'better-sqlite3';
import { afterEach, describe, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const BIN = join(root, 'packages/cli/bin/strongroom.js');

/**
 * `unshare` arguments for a private mount namespace (as root directly, else inside a user namespace), its
 * mounts never propagated to the host's.
 */
const UNSHARE = [...(process.getuid?.() === 0 ? ['-m'] : ['-Urm']), '--propagation', 'private'];

function namespacesWork(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'strongroom-probe-'));
  try {
    const r = spawnSync('unshare', [...UNSHARE, 'sh', '-c', `mount -t tmpfs -o size=1m tmpfs ${probe}`], {
      encoding: 'utf8',
    });
    return r.status === 0;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** A database of ~`mb` MB of random (incompressible) rows. */
function makeDatabase(file: string, mb: number): void {
  const db = new Database(file);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO t (b) VALUES (randomblob(1000))');
  db.transaction(() => {
    for (let i = 0; i < mb * 1000; i++) insert.run();
  })();
  db.close();
}

/** Runs `script` (bash) in a private mount namespace; its output split into `== name` sections. */
function inNamespace(script: string): { code: number; sections: Map<string, string>; all: string } {
  const r = spawnSync('unshare', [...UNSHARE, 'bash', '-c', script], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, SR: `${process.execPath} ${BIN}` },
  });
  const all = `${r.stdout}${r.stderr}`;
  const sections = new Map<string, string>();
  for (const part of r.stdout.split(/^== /m).slice(1)) {
    const nl = part.indexOf('\n');
    sections.set(part.slice(0, nl).trim(), part.slice(nl + 1));
  }
  return { code: r.status ?? -1, sections, all };
}

describe('a full disk', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  /** A scratch directory with a SQLite source directory `data` and a home with its external IO directory. */
  const scratch = (): { dir: string; data: string; home: string; sql: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'strongroom-full-'));
    dirs.push(dir);
    const data = join(dir, 'data');
    const home = join(dir, 'home');
    mkdirSync(data);
    mkdirSync(join(home, 'extern'), { recursive: true });
    return { dir, data, home, sql: `$SR sql --home ${home} --source sqlite://${data}/` };
  };
  const skip = namespacesWork()
    ? undefined
    : unavailable(
        'a private mount namespace (unshare -m) with tmpfs',
        'run as root or enable user namespaces',
      );

  it.skipIf(skip !== undefined)(
    'BACKUP into a full location fails with DISK_FULL, keeps no file, and succeeds once there is space',
    () => {
      const { dir, data, home, sql } = scratch();
      makeDatabase(join(data, 'big.db'), 12);
      writeFileSync(join(dir, 'k.key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 });
      const kms = `local://${dir}/k.key`;
      const r = inNamespace(`
        mount -t tmpfs -o size=4m tmpfs ${home}/extern || exit 90
        echo "== backup"; ${sql} -e "BACKUP DATABASE big INTO 'nodelocal://1/c' WITH kms = '${kms}'" 2>&1; echo "exit $?"
        echo "== files"; find ${home}/extern -type f
        echo "== jobs"; ${sql} --format json -e "SELECT status, error FROM [SHOW JOBS]" 2>&1
        mount -o remount,size=64m ${home}/extern || exit 91
        echo "== retry"; ${sql} -e "BACKUP DATABASE big INTO 'nodelocal://1/c' WITH kms = '${kms}'" 2>&1; echo "exit $?"
        echo "== restored"; ${sql} -e "RESTORE DATABASE big FROM LATEST IN 'nodelocal://1/c' WITH kms = '${kms}', new_db_name = 'copy'" >/dev/null 2>&1; echo "exit $?"
      `);
      assert.equal(r.code, 0, r.all);
      const backup = r.sections.get('backup') ?? '';
      assert.match(backup, /cannot write \S+ in nodelocal:\/\/1\/c: no space left on the device \(ENOSPC\)/);
      assert.match(backup, /HINT: free space there/);
      assert.match(backup, /exit [1-9]/);
      assert.equal(r.sections.get('files')?.trim(), '', 'no file of the failed backup is left');
      const jobs = JSON.parse(r.sections.get('jobs') ?? '{}') as { rows: [string, string][] };
      assert.equal(jobs.rows[0]?.[0], 'failed');
      assert.match(jobs.rows[0]?.[1] ?? '', /no space left on the device/);
      assert.match(r.sections.get('retry') ?? '', /succeeded[\s\S]*exit 0/);
      assert.match(r.sections.get('restored') ?? '', /exit 0/);
      const copy = new Database(join(data, 'copy.db'), { readonly: true });
      const big = new Database(join(data, 'big.db'), { readonly: true });
      try {
        const sum = (d: Database.Database) =>
          d.prepare('SELECT count(*) AS n, sum(length(b)) AS s FROM t').get();
        assert.deepEqual(sum(copy), sum(big));
      } finally {
        copy.close();
        big.close();
      }
    },
  );

  it.skipIf(skip !== undefined)(
    'RESTORE into a full directory fails with DISK_FULL, publishes nothing, and succeeds once there is space',
    () => {
      const { dir, data, sql } = scratch();
      const seed = join(dir, 'seed.db');
      makeDatabase(seed, 12);
      const r = inNamespace(`
        mount -t tmpfs -o size=20m tmpfs ${data} || exit 90
        cp ${seed} ${data}/big.db
        echo "== backup"; ${sql} -e "BACKUP DATABASE big INTO 'nodelocal://1/c' WITH encryption_passphrase = 'fake pass'" >/dev/null 2>&1; echo "exit $?"
        echo "== restore"; ${sql} -e "RESTORE DATABASE big FROM LATEST IN 'nodelocal://1/c' WITH encryption_passphrase = 'fake pass', new_db_name = 'copy'" 2>&1; echo "exit $?"
        echo "== left"; ls -A ${data}
        mount -o remount,size=64m ${data} || exit 91
        echo "== retry"; ${sql} -e "RESTORE DATABASE big FROM LATEST IN 'nodelocal://1/c' WITH encryption_passphrase = 'fake pass', new_db_name = 'copy'" >/dev/null 2>&1; echo "exit $?"
        echo "== check"; ${sql} -e "SELECT count(*) FROM copy.t" 2>&1
        ${sql} -e "SELECT count(*) FROM big.t" 2>&1
      `);
      assert.equal(r.code, 0, r.all);
      assert.match(r.sections.get('backup') ?? '', /exit 0/);
      const restore = r.sections.get('restore') ?? '';
      assert.match(restore, /no space left on the device \(ENOSPC\)/);
      assert.match(restore, /HINT: free space there/);
      assert.match(restore, /exit [1-9]/);
      assert.deepEqual(
        (r.sections.get('left') ?? '').split('\n').filter((n) => n !== '' && !/^(big|defaultdb)\.db/.test(n)),
        [],
        'neither the database nor a temporary file is left',
      );
      assert.match(r.sections.get('retry') ?? '', /exit 0/);
      const counts = (r.sections.get('check') ?? '').match(/^\d+$/gm);
      assert.deepEqual(counts, ['12000', '12000'], r.all);
    },
  );
});
