// Fuzzing: mutations of valid statements and random token soup. Whatever the input, parsing returns an
// AST or throws a positioned SYNTAX_ERROR/DUPLICATE_OPTION, and the script/completion helpers never
// throw. Bounded run counts with a fixed seed keep it fast and reproducible; a hang fails the test timeout.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isStrongroomError } from '@strongroom/errors';
import fc from 'fast-check';
import { test } from 'vitest';
import {
  complete,
  endsStatement,
  format,
  isOwned,
  parseScript,
  parseStatement,
  splitStatements,
} from './index.js';
import { KEYWORD_WORDS } from './tokens.js';

const dir = new URL('../testdata/', import.meta.url);
/** Valid statements: every `parse` block input of the golden files. */
const seeds = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .flatMap((f) =>
    [...readFileSync(new URL(f, dir), 'utf8').matchAll(/^parse\n([\s\S]*?)\n----$/gm)].map((m) => m[1]!),
  );

function checkInput(input: string): void {
  let ast: ReturnType<typeof parseStatement> | undefined;
  try {
    ast = parseStatement(input);
  } catch (err) {
    assert.ok(isStrongroomError(err), `not a StrongroomError for ${JSON.stringify(input)}: ${String(err)}`);
    assert.ok(err.code === 'SYNTAX_ERROR' || err.code === 'DUPLICATE_OPTION', err.code);
    const p = err.position;
    assert.ok(p !== undefined, `no position for ${JSON.stringify(input)}`);
    assert.ok(p.offset >= 0 && p.offset <= input.length && p.line >= 1 && p.column >= 1, JSON.stringify(p));
  }
  if (ast !== undefined) assert.deepEqual(parseStatement(format(ast, { redact: false })), ast);
  parseScript(input);
  splitStatements(input);
  endsStatement(input);
  isOwned(input);
  complete(input);
}

const pieces = fc.constantFrom(
  ...[...KEYWORD_WORDS],
  '(',
  ')',
  ',',
  '=',
  '.',
  '*',
  ';',
  "'s3://b'",
  "'it''s'",
  "e'\\x41'",
  "e'\\",
  '$1',
  '$$x$$',
  '$t$',
  '"Q"',
  '"',
  "'",
  '/*',
  '*/',
  '--',
  '\n',
  '42',
  '1.5',
  'foo',
  '@',
  '\u00e9',
);

test('random token soup only ever yields positioned syntax errors', () => {
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 25 }), fc.constantFrom(' ', '', '\n'), (tokens, sep) =>
      checkInput(tokens.join(sep)),
    ),
    { numRuns: 1500, seed: 20261122 },
  );
});

test('mutated valid statements only ever yield positioned syntax errors', () => {
  assert.ok(seeds.length > 40, 'golden seeds found');
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
    fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(pieces, fc.string({ maxLength: 3 })),
    }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  );
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
      let s = seed;
      for (const m of ms) {
        const at = s.length === 0 ? 0 : m.at % (s.length + 1);
        if (m.op === 'delete') s = s.slice(0, at) + s.slice(at + m.len);
        else if (m.op === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
        else if (m.op === 'truncate') s = s.slice(0, at);
        else s = s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at);
      }
      checkInput(s);
    }),
    { numRuns: 3000, seed: 42 },
  );
});
