// Issue #12 items 3 and 5: canary secrets (passphrases, AWS_SECRET_ACCESS_KEY, AZURE_ACCOUNT_KEY,
// CREDENTIALS, passwords in postgres:// URIs) sent through every error path — `sql -e`, `sql -f`, stdin,
// `check`, the REPL in a pseudo-terminal, the wire server through node-postgres — and none may show in
// any output, in the home directory (history, jobs.db, anything else) or in the server's log, while the
// errors still point at the right place. The engine refuses the redaction markers as secrets.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '@strongroom/engine';
import { unavailable } from '@strongroom/testkit';
import pg from 'pg';
import { test } from 'vitest';
import { BIN, HAS_SCRIPT, Pty } from './pty.js';
import { PASSWORD, startWireServer, USER } from './wire-helpers.js';

const CANARIES = {
  passphrase: 'fake-canary-passphrase-7f3a',
  aws: 'fakeCanaryAwsSecret9b1c',
  azure: 'fakeCanaryAzureKey5d2e',
  credentials: 'fakeCanaryGcsCredentials4a8f',
  pgPassword: 'fake-canary-pg-pw-6c0d',
};
const ALL = Object.values(CANARIES);

/** Statements with a syntax error somewhere after (or inside) their secrets. */
const BROKEN = [
  `BACKUP INTO 's3://b/c?AWS_ACCESS_KEY_ID=AKIDFAKE&AWS_SECRET_ACCESS_KEY=${CANARIES.aws}' WITH encryption_passphrase = '${CANARIES.passphrase}' garbage`,
  `BACKUP INTO 'nodelocal://1/c' WITH encryption_passphrase '${CANARIES.passphrase}'`,
  `RESTORE FROM LATEST IN 'azure-blob://c/p?AZURE_ACCOUNT_NAME=acct&AZURE_ACCOUNT_KEY=${CANARIES.azure}' WITH kms = 'gs:///projects/p/locations/l/keyRings/r/cryptoKeys/k?AUTH=specified&CREDENTIALS=${CANARIES.credentials}' oops`,
  `SHOW BACKUP FROM LATEST IN 'postgres://u:${CANARIES.pgPassword}@127.0.0.1:1/db' WITH encryption_passphrase = '${CANARIES.passphrase}`,
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function assertClean(where: string, text: string): void {
  for (const c of ALL) assert.ok(!text.includes(c), `${where} shows the canary ${c}:\n${text}`);
}

function assertHomeClean(home: string): void {
  for (const f of files(home)) assertClean(f, readFileSync(f).toString('latin1'));
}

function run(home: string, args: string[], input = '') {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, STRONGROOM_HOME: home },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('syntax errors of -e, -f, stdin and check show the statement redacted, caret on the token', () => {
  const home = mkdtempSync(join(tmpdir(), 'strongroom-canary-'));
  const file = join(mkdtempSync(join(tmpdir(), 'strongroom-canary-files-')), 'broken.sql');
  for (const [i, stmt] of BROKEN.entries()) {
    writeFileSync(file, `SELECT 1;\n${stmt}\n`);
    const outputs = [
      run(home, ['sql', '-e', stmt]),
      run(home, ['sql', '-f', file]),
      run(home, ['sql'], `SELECT 1;\n${stmt}\n`),
      run(home, ['check', file]),
      run(home, ['check', '-e', stmt]),
    ];
    for (const r of outputs) {
      assert.notEqual(r.code, 0, r.out);
      assertClean(`statement ${i + 1}`, r.out);
      assert.match(r.out, /:\d+:\d+: (at or near|lexical error)/, r.out);
      // The caret sits under the token the message names (or the opening quote of a masked literal).
      const lines = r.out.split('\n');
      const caretAt = lines.findIndex((l) => /^\s*\^$/.test(l));
      assert.ok(caretAt > 0, r.out);
      const col = (lines[caretAt] ?? '').indexOf('^');
      const under = (lines[caretAt - 1] ?? '').slice(col);
      const near = /at or near "([^"]*)"/.exec(r.out)?.[1];
      if (near !== undefined && near !== 'EOF') assert.ok(under.startsWith(near), `${near} vs ${under}`);
      else assert.ok(under.startsWith("'"), under);
    }
    assert.match(run(home, ['sql', '-f', file]).out, /broken\.sql:2:\d+: /);
  }
  assertHomeClean(home);
});

test('the REPL screen, history and jobs store never show a canary', {
  skip: !HAS_SCRIPT && Boolean(unavailable('script (util-linux)', 'install util-linux')),
}, async () => {
  const home = mkdtempSync(join(tmpdir(), 'strongroom-canary-'));
  const p = new Pty(['sql', '--home', home], { PAGER: '' });
  await p.expect(/strongroom> $/);
  // (An unterminated string cannot be sent from the REPL: it waits for the closing quote.)
  for (const stmt of BROKEN.filter((s) => !s.endsWith(CANARIES.passphrase))) {
    p.skip();
    p.type(`${stmt};\r`);
    const screen = await p.expect(/(syntax error|lexical error)[\s\S]*strongroom> $/);
    // What the user typed is echoed by the terminal; everything after the echo must be clean.
    const after = screen.slice(screen.indexOf('\n', screen.lastIndexOf(stmt.slice(-12))));
    assertClean('REPL error', after);
  }
  p.skip();
  p.type(`BACKUP INTO 'nodelocal://1/c' WITH encryption_passphrase = '${CANARIES.passphrase}';\r`);
  await p.expect(/succeeded[\s\S]*strongroom> $/);
  p.type('SHOW JOBS;\r');
  const jobs = await p.expect(/rows?\)\n[\s\S]*strongroom> $/);
  assertClean('SHOW JOBS', jobs);
  p.type('\\q\r');
  assert.equal(await p.exited, 0);
  assertHomeClean(home);
});

test('the wire server: errors, notices and its log never show a canary', async () => {
  const log: string[] = [];
  const f = await startWireServer({ log: (line) => log.push(line) });
  const c = new pg.Client({
    host: '127.0.0.1',
    port: f.server.port,
    user: USER,
    password: PASSWORD,
    ssl: { ca: readFileSync(f.certPath), servername: 'localhost' },
  });
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(JSON.stringify(n)));
  await c.connect();
  try {
    for (const stmt of BROKEN) {
      const err = await c.query(stmt).then(
        () => assert.fail(`${stmt} ran`),
        (e: unknown) => e as Record<string, unknown>,
      );
      assertClean('wire error', JSON.stringify({ ...err, message: String(err.message) }));
      assert.equal(err.code, '42601');
      assert.ok(Number(err.position) > 0);
    }
    // A redaction marker is refused as a secret, inline or bound.
    for (const [text, params] of [
      ["BACKUP INTO 'nodelocal://1/w' WITH encryption_passphrase = '*****'", []],
      ["BACKUP INTO 'nodelocal://1/w' WITH encryption_passphrase = $1", ['*****']],
      ["BACKUP INTO 's3://b/c?AWS_ACCESS_KEY_ID=AKIDFAKE&AWS_SECRET_ACCESS_KEY=redacted'", []],
    ] as const) {
      await assert.rejects(c.query(text, [...params]), (e: { code?: string; message?: string }) => {
        assert.equal(e.code, '22023');
        assert.match(e.message ?? '', /redaction marker/);
        return true;
      });
    }
  } finally {
    await c.end();
    await f.server.close();
  }
  assertClean('server log', log.join('\n'));
  assertClean('notices', notices.join('\n'));
  assertHomeClean(f.home);
});

test('the engine refuses the redaction markers as a passphrase or a URI secret', async () => {
  const home = mkdtempSync(join(tmpdir(), 'strongroom-canary-'));
  const engine = await openEngine({ home });
  try {
    await engine.execute('CREATE TABLE t (x)');
    for (const stmt of [
      "BACKUP INTO 'nodelocal://1/m' WITH encryption_passphrase = '*****'",
      "RESTORE FROM LATEST IN 'nodelocal://1/m' WITH encryption_passphrase = '*****', new_db_name = r",
      "SHOW BACKUP FROM LATEST IN 's3://b/c?AWS_ACCESS_KEY_ID=A&AWS_SECRET_ACCESS_KEY=redacted'",
      "BACKUP INTO 'nodelocal://1/m' WITH kms = 'aws-kms:///k?AUTH=specified&AWS_ACCESS_KEY_ID=A&AWS_SECRET_ACCESS_KEY=redacted&REGION=r'",
      "EXPLAIN BACKUP INTO 'nodelocal://1/m' WITH encryption_passphrase = '*****'",
    ]) {
      await assert.rejects(engine.execute(stmt), (e: { code?: string; hint?: string }) => {
        assert.equal(e.code, 'REDACTED_SECRET', stmt);
        assert.match(e.hint ?? '', /type the secret again/);
        return true;
      });
    }
    // `check` sees it without running anything.
    const checked = run(home, [
      'check',
      '-e',
      "BACKUP INTO 'nodelocal://1/m' WITH encryption_passphrase = '*****'",
    ]);
    assert.notEqual(checked.code, 0);
    assert.match(checked.out, /-e\[1\]:1:1: encryption_passphrase is the redaction marker/);
    // A real secret that merely contains the marker's characters is fine.
    const ok = await engine.execute("BACKUP INTO 'nodelocal://1/m' WITH encryption_passphrase = 'x*****y'");
    assert.equal(ok.tag, 'BACKUP');
  } finally {
    await engine.close();
  }
});
