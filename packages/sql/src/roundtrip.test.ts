// Property: the unredacted canonical form parses back to the very same AST, for generated ASTs of every
// statement kind; and the redacted form never contains a passphrase that was set.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { test } from 'vitest';
import { statementArbitrary } from './ast-arbitraries.js';
import { format, parseStatement } from './index.js';

test('parse(format(ast, { redact: false })) deep-equals ast', () => {
  fc.assert(
    fc.property(statementArbitrary, (ast) => {
      const sql = format(ast, { redact: false });
      assert.deepEqual(parseStatement(sql), ast, sql);
    }),
    { numRuns: 1500 },
  );
});

test('the redacted form hides passphrases and still parses', () => {
  fc.assert(
    fc.property(statementArbitrary, (ast) => {
      const sql = format(ast);
      const parsed = parseStatement(sql);
      const inner = parsed.kind === 'explain' ? parsed.statement : parsed;
      if ('options' in inner && 'encryptionPassphrase' in inner.options) {
        const p = inner.options.encryptionPassphrase;
        if (p?.kind === 'string') assert.equal(p.value, '*****');
      }
    }),
    { numRuns: 500 },
  );
});
