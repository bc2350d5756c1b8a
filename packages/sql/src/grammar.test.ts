// The committed grammar/ files must be exactly what the parser generates; regenerate them with
// `node packages/sql/dist/generate-grammar.js` after changing parser.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'vitest';
import { grammarDiagramsHtml, grammarEbnf } from './grammar-files.js';
import { StatementParser } from './parser.js';
import { newSqlLexer } from './tokens.js';

const grammarDir = new URL('../../../grammar/', import.meta.url);
const advice = 'grammar/ drifted from the parser: run `node packages/sql/dist/generate-grammar.js`';

test('grammar/strongroom.ebnf matches the parser', () => {
  const ebnf = grammarEbnf();
  assert.match(ebnf, /^backupStatement ::=\n {4}'BACKUP' \[ targets \] 'INTO' backupDestination/m);
  assert.equal(readFileSync(new URL('strongroom.ebnf', grammarDir), 'utf8'), ebnf, advice);
});

test('grammar/diagrams.html matches the parser', () => {
  assert.equal(readFileSync(new URL('diagrams.html', grammarDir), 'utf8'), grammarDiagramsHtml(), advice);
});

test("the grammar passes Chevrotain's validations (skipped by the parser statements use)", () => {
  // performSelfAnalysis throws "Parser Definition Errors detected" on an ambiguity, left recursion, a
  // duplicate rule name, …
  assert.doesNotThrow(() => new StatementParser({ validate: true }));
});

test("the tokens pass Chevrotain's lexer validations (skipped by the lexer statements use)", () => {
  // new Lexer throws on an unreachable token, a pattern that can match the empty string, …
  const lexer = newSqlLexer(true);
  assert.deepEqual(lexer.lexerDefinitionErrors, []);
  assert.ok(lexer.tokenize('BACKUP INTO $1').tokens.length > 0);
});
