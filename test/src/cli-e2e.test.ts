// The strongroom command as a user runs it: the README's quickstart, `check` over the examples, and
// secrets never reaching output, errors or the jobs store.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'packages/cli/bin/strongroom.js');

function strongroom(args: string[], home: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env: {
      ...process.env,
      STRONGROOM_HOME: home,
      PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}`,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const home = (): string => mkdtempSync(join(tmpdir(), 'strongroom-cli-'));

describe('strongroom CLI', () => {
  it('runs the quickstart: backups listed, restore verified equal to the source', () => {
    const r = strongroom(
      [
        'sql',
        '--locality',
        'region=us-east',
        '--config',
        'examples/quickstart.json',
        '-f',
        'examples/quickstart.sql',
      ],
      home(),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^path\n\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}$/m);
    for (const t of ['orders', 'customers_us', 'customers_eu'])
      assert.match(r.stdout, new RegExp(`^${t}\\t(\\d+)\\t\\1\\t1$`, 'm'), `${t} restored identical`);
    assert.match(r.stdout, /^2\t2\t9007199254740993\tan amount beyond 2\^53, kept exact\t$/m);
    assert.match(r.stdout, /region=eu-west/);
  });

  it('\\l, \\dt and \\d reach every SQLite database of the source, also beyond the ten SQLite attaches at once', () => {
    const h = home();
    const data = join(h, 'data');
    mkdirSync(data);
    const create = strongroom(
      [
        'sql',
        '--source',
        `sqlite://${data}/`,
        '-e',
        Array.from(
          { length: 12 },
          (_, i) => `CREATE DATABASE d${i + 1}; CREATE TABLE d${i + 1}.t${i + 1} (x INTEGER)`,
        ).join('; '),
      ],
      h,
    );
    assert.equal(create.code, 0, create.stderr);
    // A new session: no statement has named d1…d12 yet.
    const r = strongroom(['sql', '--source', `sqlite://${data}/`, '-e', '\\l\n\\dt\n\\d d12.t12'], h);
    assert.equal(r.code, 0, r.stderr);
    for (let i = 1; i <= 12; i++) {
      assert.match(r.stdout, new RegExp(`^d${i}\\t${data}/d${i}\\.db$`, 'm'), `\\l lists d${i}`);
      assert.match(r.stdout, new RegExp(`^d${i}\\tt${i}\\ttable$`, 'm'), `\\dt lists d${i}.t${i}`);
    }
    assert.match(r.stdout, /^x\tINTEGER\tYES\t\tNO$/m, '\\d describes d12.t12');
    const missing = strongroom(['sql', '--source', `sqlite://${data}/`, '-e', '\\d nosuch.t'], h);
    assert.match(missing.stderr, /database "nosuch" does not exist/);
  });

  it('checks every example file, and rejects a repeated option with a positioned error', () => {
    const h = home();
    const files = readdirSync(join(root, 'examples'))
      .filter((f) => f.endsWith('.sql'))
      .map((f) => `examples/${f}`);
    assert.ok(files.length > 0);
    const ok = strongroom(['check', ...files], h);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = strongroom(['check', '-e', "BACKUP INTO 'x' WITH kms = 'a', kms = 'b'"], h);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /:1:\d+: .*kms.*multiple/i);
    assert.match(bad.stderr, /\^/);
  });

  it('never shows a passphrase or a secret URI parameter', () => {
    const h = home();
    const secret = 'hunter2-very-secret';
    const r = strongroom(
      [
        'sql',
        '--format',
        'json',
        '-e',
        "CREATE TABLE t (x); INSERT INTO t VALUES ('v')",
        '-e',
        `BACKUP INTO 'nodelocal://1/c' WITH encryption_passphrase = '${secret}'`,
        '-e',
        'SHOW JOBS',
      ],
      h,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /encryption_passphrase = '\*\*\*\*\*'/);
    const bad = strongroom(
      [
        'sql',
        '-e',
        `SHOW BACKUP FROM LATEST IN 'nodelocal://1/c?AWS_SECRET_ACCESS_KEY=${secret}' WITH encryption_passphrase = 'x'`,
      ],
      h,
    );
    assert.notEqual(bad.code, 0);
    for (const text of [
      r.stdout,
      r.stderr,
      bad.stdout,
      bad.stderr,
      readFileSync(join(h, 'jobs.db')).toString('latin1'),
    ])
      assert.equal(text.includes(secret), false);
  });
});
