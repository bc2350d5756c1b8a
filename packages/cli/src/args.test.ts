import assert from 'node:assert/strict';
import { test } from 'vitest';
import { parseCommandLine } from './args.js';
import { main } from './index.js';
import { Sink } from './testing/streams.js';
import { UsageError } from './usage-error.js';

test('sql flags: -e/-f keep their order, values and defaults', () => {
  assert.deepEqual(
    parseCommandLine([
      'sql',
      '--source',
      'sqlite:///d/',
      '-f',
      'a.sql',
      '-e',
      'SELECT 1',
      '--file=-',
      '--format',
      'csv',
      '--echo',
      '--external-io-dir',
      '/x',
    ]),
    {
      kind: 'sql',
      source: 'sqlite:///d/',
      externalIoDir: '/x',
      inputs: [
        { kind: 'file', path: 'a.sql' },
        { kind: 'expr', text: 'SELECT 1' },
        { kind: 'file', path: '-' },
      ],
      format: 'csv',
      echo: true,
    },
  );
  assert.deepEqual(parseCommandLine(['check', 'a.sql', '-e', 'SHOW JOBS']), {
    kind: 'check',
    inputs: [
      { kind: 'file', path: 'a.sql' },
      { kind: 'expr', text: 'SHOW JOBS' },
    ],
  });
  assert.deepEqual(parseCommandLine(['sql', '--help']), { kind: 'help', topic: 'sql' });
});

test('bad command lines throw UsageError', () => {
  for (const argv of [
    [],
    ['frobnicate'],
    ['--frob'],
    ['sql', '--nope'],
    ['sql', '--format', 'xml'],
    ['sql', '-e'],
    ['sql', 'stray'],
    ['check'],
    ['keygen'],
    ['keygen', 'a', 'b'],
  ]) {
    assert.throws(() => parseCommandLine(argv), UsageError, argv.join(' '));
  }
});

test('main: usage errors print usage on stderr and exit 64; help and version exit 0', async () => {
  const stdout = new Sink();
  const stderr = new Sink();
  assert.equal(await main(['sql', '--bogus'], { stdout, stderr }), 64);
  assert.equal(stdout.text, '');
  assert.match(stderr.text, /^strongroom: Unknown option '--bogus'/);
  assert.match(stderr.text, /Usage: strongroom sql/);
  assert.equal(await main(['nope'], { stdout, stderr }), 64);
  assert.match(stderr.text, /unknown command: nope/);
  assert.equal(await main(['--help'], { stdout, stderr }), 0);
  assert.match(stdout.text, /Usage: strongroom <command>/);
  assert.equal(await main(['--version'], { stdout, stderr }), 0);
  assert.match(stdout.text, /strongroom \d+\.\d+\.\d+/);
});

test('serve parses its listen address and TLS options', () => {
  assert.deepEqual(parseCommandLine(['serve']), {
    kind: 'serve',
    host: '127.0.0.1',
    port: 26257,
    requireTls: false,
  });
  const cmd = parseCommandLine([
    'serve',
    '--listen',
    '0.0.0.0:5433',
    '--source',
    'sqlite:///d/',
    '--tls-cert',
    'c.pem',
    '--tls-key',
    'k.pem',
    '--require-tls',
    '--users',
    'u',
  ]);
  assert.deepEqual(cmd, {
    kind: 'serve',
    host: '0.0.0.0',
    port: 5433,
    source: 'sqlite:///d/',
    tlsCert: 'c.pem',
    tlsKey: 'k.pem',
    usersPath: 'u',
    requireTls: true,
  });
  assert.equal((parseCommandLine(['serve', '--listen', '[::1]:0']) as { host: string }).host, '::1');
  assert.throws(() => parseCommandLine(['serve', '--listen', 'nope']), /--listen must be HOST:PORT/);
  assert.throws(() => parseCommandLine(['serve', '--tls-cert', 'c.pem']), /together/);
  assert.throws(() => parseCommandLine(['serve', '--require-tls']), /needs --tls-cert/);
  assert.deepEqual(parseCommandLine(['serve', '-h']), { kind: 'help', topic: 'serve' });
});
